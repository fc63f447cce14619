import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "./helpers/app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

function cookiesOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(";");
    const [k, v] = (pair ?? "").split("=");
    if (k) out[k] = v ?? "";
  }
  return out;
}

const csrfField = (html: string) => html.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? "";

async function form(path: string, fields: Record<string, string>, cookie = "") {
  return t.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams(fields).toString(),
  });
}

async function preloginForm(path: string) {
  const res = await t.request(path);
  const html = await res.text();
  const csrfCookie = cookiesOf(res).bandstand_csrf ?? "";
  return { html, csrf: csrfField(html), cookie: `bandstand_csrf=${csrfCookie}` };
}

describe("first run, login, logout", () => {
  test("with no user, / leads to the admin setup page", async () => {
    const res = await t.request("/");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/setup");
    const page = await preloginForm("/setup");
    expect(page.html).toContain("Create the admin account");
    expect(page.html).toContain('<script src="/public/vendor/htmx.min.js"');
  });

  test("setup refuses a form without its CSRF token", async () => {
    const page = await preloginForm("/setup");
    const res = await form(
      "/setup",
      { username: "root", password: "pw-123", password2: "pw-123" },
      page.cookie,
    );
    expect(res.status).toBe(403);
    expect(await t.ctx.users.count()).toBe(0);
  });

  test("setup creates the admin and logs them in", async () => {
    const page = await preloginForm("/setup");
    const res = await form(
      "/setup",
      { username: "root", password: "pw-123", password2: "pw-123", _csrf: page.csrf },
      page.cookie,
    );
    expect(res.status).toBe(303);
    const session = cookiesOf(res).bandstand_session;
    expect(session).toBeTruthy();
    expect(res.headers.getSetCookie()[0]).toMatch(/HttpOnly; SameSite=Lax/);
    expect(res.headers.getSetCookie()[0]).not.toContain("Secure");
    expect((await t.ctx.users.byName("root"))?.role).toBe("admin");
    const home = await t.request("/", { headers: { cookie: `bandstand_session=${session}` } });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Welcome, root");
    // Setup is closed once a user exists.
    expect((await t.request("/setup")).headers.get("location")).toBe("/login");
  });

  test("login: wrong password is 401, right one starts a session; logout needs CSRF", async () => {
    expect((await t.request("/")).headers.get("location")).toBe("/login");
    const page = await preloginForm("/login");
    expect(page.html).toContain("Log in to Bandstand");
    const bad = await form(
      "/login",
      { username: "root", password: "nope", _csrf: page.csrf },
      page.cookie,
    );
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain("Wrong username or password");

    const noCsrf = await form("/login", { username: "root", password: "pw-123" }, page.cookie);
    expect(noCsrf.status).toBe(403);

    const ok = await form(
      "/login",
      { username: "root", password: "pw-123", _csrf: page.csrf },
      page.cookie,
    );
    expect(ok.status).toBe(303);
    const cookie = `bandstand_session=${cookiesOf(ok).bandstand_session}`;
    const home = await t.request("/", { headers: { cookie } });
    const html = await home.text();
    const sessionCsrf = csrfField(html);
    expect(sessionCsrf).toBeTruthy();

    const forged = await form("/logout", { _csrf: "forged" }, cookie);
    expect(forged.status).toBe(403);
    expect((await t.request("/", { headers: { cookie } })).status).toBe(200);

    const out = await form("/logout", { _csrf: sessionCsrf }, cookie);
    expect(out.status).toBe(303);
    expect((await t.request("/", { headers: { cookie } })).headers.get("location")).toBe("/login");
  });

  test("login returns to the page asked for, never to another site", async () => {
    const page = await preloginForm("/login?next=%2Fplaylists%3Fx%3D1");
    expect(page.html).toContain('name="next" value="/playlists?x=1"');
    const login = (next: string) =>
      form("/login", { username: "root", password: "pw-123", _csrf: page.csrf, next }, page.cookie);
    expect((await login("/playlists?x=1")).headers.get("location")).toBe("/playlists?x=1");
    for (const evil of [
      "//evil.example/",
      "https://evil.example/",
      "/\\evil.example",
      "javascript:x",
    ]) {
      expect((await login(evil)).headers.get("location")).toBe("/");
    }
  });

  test("failed logins are rate-limited: 429 after ten", async () => {
    await t.ctx.users.create({ username: "target", password: "good-pw" });
    const page = await preloginForm("/login");
    for (let i = 0; i < 10; i++) {
      const r = await form(
        "/login",
        { username: "target", password: `x${i}`, _csrf: page.csrf },
        page.cookie,
      );
      expect(r.status).toBe(401);
    }
    const blocked = await form(
      "/login",
      { username: "target", password: "good-pw", _csrf: page.csrf },
      page.cookie,
    );
    expect(blocked.status).toBe(429);
  });

  test("a user name holding markup is shown as text", async () => {
    const page = await preloginForm("/login");
    const res = await form(
      "/login",
      { username: '<script>alert("x")</script>', password: "x", _csrf: page.csrf },
      page.cookie,
    );
    // Parse the page as a browser would: the only script is htmx, the name sits in a value.
    const scripts: string[] = [];
    let value = "";
    await new HTMLRewriter()
      .on("script", { element: (e) => void scripts.push(e.getAttribute("src") ?? "inline") })
      .on("input#username", {
        element: (e) => {
          value = e.getAttribute("value") ?? "";
        },
      })
      .transform(res)
      .text();
    expect(scripts).toEqual(["/public/vendor/htmx.min.js"]);
    // HTMLRewriter hands back the raw attribute: the quote stays escaped.
    expect(value).toBe("<script>alert(&#34;x&#34;)</script>");
  });

  test("static files are served, and a path out of public/ is not", async () => {
    const htmx = await t.request("/public/vendor/htmx.min.js");
    expect(htmx.status).toBe(200);
    expect(htmx.headers.get("content-type")).toContain("javascript");
    expect((await t.request("/public/../package.json")).status).toBe(404);
    expect((await t.request("/public/%2e%2e/package.json")).status).toBe(404);
  });

  test("health and readiness", async () => {
    expect((await t.request("/healthz")).status).toBe(200);
    const ready = await t.request("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });
});

describe("secure cookies behind https", () => {
  test("PUBLIC_URL https → Secure session cookie", async () => {
    const s = await startTestApp({ PUBLIC_URL: "https://music.example.org" });
    try {
      const res = await s.app.handle(new Request("https://music.example.org/login"));
      expect(res.status).toBe(303); // no user yet → setup
      const setup = await s.app.handle(new Request("https://music.example.org/setup"));
      expect(setup.headers.getSetCookie()[0]).toContain("; Secure");
    } finally {
      await s.close();
    }
  });
});
