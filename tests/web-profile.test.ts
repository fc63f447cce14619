import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { startTestApp, type TestApp, type WebSession, webSession } from "./helpers/app.ts";

let t: TestApp;
let dana: WebSession;
let eve: WebSession;

beforeAll(async () => {
  t = await startTestApp({ BANDSTAND_AUTO_ANALYZE: "false" });
  await t.ctx.users.create({ username: "root", password: "root-password", role: "admin" });
  dana = await webSession(t, "dana");
  eve = await webSession(t, "eve");
});
afterAll(() => t.close());

const text = async (res: Response) => res.text();
const markup = (html: string) => html.replace(/"[^"]*"/g, '""');
const newKeyOf = (html: string) => html.match(/id="new-key"[^>]*value="([^"]+)"/)?.[1] ?? "";
const md5 = (s: string) => createHash("md5").update(s).digest("hex");

async function user(name: string) {
  const u = await t.ctx.users.byName(name);
  if (!u) throw new Error(`no user ${name}`);
  return u;
}

async function ping(query: string) {
  const res = await t.request(`/rest/ping?f=json&v=1.16.1&c=test&${query}`);
  const body = (await res.json()) as {
    "subsonic-response": { status: string; error?: { code: number } };
  };
  return body["subsonic-response"];
}

/** Logs in through the login form (with its pre-login CSRF cookie); the status tells the outcome. */
async function login(username: string, password: string): Promise<number> {
  const page = await t.request("/login");
  const csrfCookie = page.headers.getSetCookie().find((c) => c.startsWith("bandstand_csrf="));
  const cookie = csrfCookie?.split(";")[0] ?? "";
  const csrf = (await page.text()).match(/name="_csrf" value="([^"]+)"/)?.[1] ?? "";
  const res = await t.request("/login", {
    method: "POST",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, password, _csrf: csrf }).toString(),
  });
  return res.status;
}

function withoutCsrf(s: WebSession, path: string, fields: Record<string, string>) {
  return t.request(path, {
    method: "POST",
    headers: { cookie: s.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
}

describe("profile page", () => {
  test("needs a session; shows every section with CSRF on every form", async () => {
    const out = await t.request("/profile");
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/login?next=%2Fprofile");
    const res = await dana.request("/profile");
    expect(res.status).toBe(200);
    const html = await text(res);
    for (const heading of ["Password", "Subsonic apps", "API keys", "Theme"]) {
      expect(html).toContain(`>${heading}</h2>`);
    }
    const forms = html.match(/<form method="post"/g)?.length ?? 0;
    const tokens = html.match(new RegExp(`name="_csrf" value="${dana.csrf}"`, "g"))?.length ?? 0;
    expect(forms).toBeGreaterThanOrEqual(5);
    expect(tokens).toBe(forms);
    expect(html).toContain('aria-current="page"');
  });

  test("a POST without CSRF is 403 and changes nothing", async () => {
    const before = await user("dana");
    const posts: [string, Record<string, string>][] = [
      ["/profile/password", { current: "pass-word", password: "x-new-pw", password2: "x-new-pw" }],
      ["/profile/subsonic-password", { clear: "1" }],
      ["/profile/subsonic-auth", {}],
      ["/profile/keys", { name: "k" }],
      ["/profile/theme", { theme: "dark" }],
    ];
    for (const [path, fields] of posts) {
      expect((await withoutCsrf(dana, path, fields)).status, path).toBe(403);
      expect((await withoutCsrf(dana, path, { ...fields, _csrf: eve.csrf })).status, path).toBe(
        403,
      );
    }
    expect(await user("dana")).toEqual(before);
    expect(await t.ctx.apiKeys.list(before.id)).toHaveLength(0);
  });
});

describe("password", () => {
  test("wrong current, mismatched, weak or empty: a message, a 4xx, nothing changed", async () => {
    const before = (await user("dana")).passwordHash;
    const cases: [Record<string, string>, number, string][] = [
      [{ current: "wrong", password: "new-pass-1", password2: "new-pass-1" }, 400, "is wrong"],
      [{ current: "", password: "new-pass-1", password2: "new-pass-1" }, 400, "is wrong"],
      [{ current: "pass-word", password: "new-pass-1", password2: "new-pass-2" }, 400, "differ"],
      [{ current: "pass-word", password: "abc", password2: "abc" }, 400, "password must be"],
      [{ current: "pass-word", password: "", password2: "" }, 400, "password must be"],
    ];
    for (const [fields, status, message] of cases) {
      const res = await dana.form("/profile/password", fields);
      expect(res.status, JSON.stringify(fields)).toBe(status);
      const html = await text(res);
      expect(html).toContain(message);
      expect(html).toContain('role="alert"');
      expect(res.headers.get("hx-push-url")).toBe("/profile");
    }
    expect((await user("dana")).passwordHash).toBe(before);
  });

  test("a change: the old password fails at /login, the new one works; other sessions end", async () => {
    const other = await t.ctx.sessions.create(dana.userId);
    const otherCookie = `bandstand_session=${other.token}`;
    expect(await login("dana", "pass-word")).toBe(303);

    const res = await dana.form("/profile/password", {
      current: "pass-word",
      password: "dana-new-pass",
      password2: "dana-new-pass",
      subsonic: "1",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/profile?done=password");
    expect(await login("dana", "pass-word")).toBe(401);
    expect(await login("dana", "dana-new-pass")).toBe(303);
    // This session goes on, the other one is over.
    expect((await dana.request("/profile")).status).toBe(200);
    expect((await t.request("/profile", { headers: { cookie: otherCookie } })).status).toBe(303);
    // "Use it as my Subsonic password too" was on.
    expect(await t.ctx.users.subsonicPassword(await user("dana"))).toBe("dana-new-pass");
    expect(await text(await dana.request("/profile?done=password"))).toContain("Password changed.");
    // Only the fixed messages: a `done` that names something every object has shows nothing.
    for (const done of ["constructor", "toString", "__proto__", "valueOf"]) {
      const res = await dana.request(`/profile?done=${done}`);
      const notice = (await text(res)).includes('class="notice ok"');
      expect({ done, status: res.status, notice }).toEqual({ done, status: 200, notice: false });
    }
  });

  test("without the Subsonic box, the Subsonic password stays", async () => {
    const res = await dana.form("/profile/password", {
      current: "dana-new-pass",
      password: "dana-third-pass",
      password2: "dana-third-pass",
    });
    expect(res.status).toBe(303);
    const u = await user("dana");
    expect(await t.ctx.users.verifyPassword(u, "dana-third-pass")).toBe(true);
    expect(await t.ctx.users.subsonicPassword(u)).toBe("dana-new-pass");
  });
});

describe("Subsonic access", () => {
  test("set the Subsonic password: stored encrypted, token login works with it", async () => {
    const bad = await dana.form("/profile/subsonic-password", {
      password: "sub-pass-1",
      password2: "sub-pass-2",
    });
    expect(bad.status).toBe(400);
    expect(await t.ctx.users.subsonicPassword(await user("dana"))).toBe("dana-new-pass");

    const res = await dana.form("/profile/subsonic-password", {
      password: "sub-pass-1",
      password2: "sub-pass-1",
    });
    expect(res.status).toBe(303);
    const u = await user("dana");
    expect(u.subsonicPassword).not.toContain("sub-pass-1");
    expect(await t.ctx.users.subsonicPassword(u)).toBe("sub-pass-1");
    expect((await ping(`u=dana&t=${md5("sub-pass-1salt")}&s=salt`)).status).toBe("ok");
    const page = await text(await dana.request("/profile"));
    expect(page).toContain("encrypted");
    expect(page).toContain("Remove Subsonic password");
  });

  test("clear it: token login then answers 41, password login still works", async () => {
    const res = await dana.form("/profile/subsonic-password", { clear: "1" });
    expect(res.status).toBe(303);
    expect((await user("dana")).subsonicPassword).toBeNull();
    expect((await ping(`u=dana&t=${md5("sub-pass-1salt")}&s=salt`)).error?.code).toBe(41);
    expect((await ping("u=dana&p=dana-third-pass")).status).toBe("ok");
    expect(await text(await dana.request("/profile"))).not.toContain("Remove Subsonic password");
  });

  test("the password-login switch: off answers 42 to p, on lets it in again", async () => {
    expect((await dana.form("/profile/subsonic-auth", {})).status).toBe(303);
    expect((await user("dana")).subsonicPasswordAuth).toBe(false);
    expect((await ping("u=dana&p=dana-third-pass")).error?.code).toBe(42);
    expect(await text(await dana.request("/profile"))).not.toMatch(
      /name="allow" value="1" checked/,
    );
    expect((await dana.form("/profile/subsonic-auth", { allow: "1" })).status).toBe(303);
    expect((await user("dana")).subsonicPasswordAuth).toBe(true);
    expect((await ping("u=dana&p=dana-third-pass")).status).toBe("ok");
    expect(await text(await dana.request("/profile"))).toMatch(/name="allow" value="1" checked/);
  });
});

describe("API keys", () => {
  test("a key is shown once, authenticates Subsonic calls, and stops when revoked", async () => {
    const empty = await dana.form("/profile/keys", { name: "" });
    expect(empty.status).toBe(400);
    expect(await text(empty)).toContain("needs a name");

    const res = await dana.form("/profile/keys", { name: "<b>phone</b>" });
    expect(res.status).toBe(200);
    expect(res.headers.get("hx-push-url")).toBe("/profile");
    const html = await text(res);
    const key = newKeyOf(html);
    expect(key).toStartWith("bs_");
    expect(markup(html)).not.toContain("<b>phone</b>");
    expect(html).toContain("&lt;b&gt;phone&lt;/b&gt;");
    expect((await ping(`apiKey=${key}`)).status).toBe("ok");

    const page = await text(await dana.request("/profile"));
    expect(page).not.toContain(key);
    expect(page).toContain('aria-label="Your API keys"');
    const [row] = await t.ctx.apiKeys.list(dana.userId);
    if (!row) throw new Error("no key listed");

    // Eve cannot revoke Dana's key through her own profile.
    const cross = await eve.form(`/profile/keys/${row.id}/revoke`);
    expect(cross.status).toBe(404);
    expect((await ping(`apiKey=${key}`)).status).toBe("ok");
    expect((await eve.form("/profile/keys/abc/revoke")).status).toBe(404);

    const revoked = await dana.form(`/profile/keys/${row.id}/revoke`);
    expect(revoked.status).toBe(303);
    expect(revoked.headers.get("location")).toBe("/profile?done=revoked");
    expect((await ping(`apiKey=${key}`)).error?.code).toBe(44);
    expect(await t.ctx.apiKeys.list(dana.userId)).toHaveLength(0);
  });
});

describe("theme", () => {
  test("stored and rendered as data-theme; a bad value is refused", async () => {
    expect(await text(await dana.request("/profile"))).toContain('data-theme="auto"');
    const res = await dana.form("/profile/theme", { theme: "dark" });
    expect(res.status).toBe(303);
    expect((await user("dana")).theme).toBe("dark");
    const page = await text(await dana.request("/profile?done=theme"));
    expect(page).toContain('<html lang="en" data-theme="dark">');
    expect(page).toMatch(/name="theme" value="dark" checked/);
    expect(page).toContain("Theme saved.");
    // The theme follows the user to every page.
    expect(await text(await dana.request("/"))).toContain('data-theme="dark"');

    const bad = await dana.form("/profile/theme", { theme: "neon" });
    expect(bad.status).toBe(400);
    expect((await user("dana")).theme).toBe("dark");
    // Other users are not affected.
    expect((await user("eve")).theme).toBe("auto");
  });

  test("a POST address reloaded without JavaScript leads back to the profile", async () => {
    const res = await dana.request("/profile/keys");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/profile");
  });
});
