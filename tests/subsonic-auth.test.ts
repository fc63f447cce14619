import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { md5Hex } from "../auth/tokens.ts";
import { startTestApp, type TestApp } from "./helpers/app.ts";

let t: TestApp;
let apiKey: string;

beforeAll(async () => {
  t = await startTestApp({ BANDSTAND_ADMIN_USER: "admin", BANDSTAND_ADMIN_PASSWORD: "admin" });
  await t.ctx.users.ensureAdmin("admin", "admin");
  const admin = await t.ctx.users.byName("admin");
  if (!admin) throw new Error("no admin");
  apiKey = (await t.ctx.apiKeys.create(admin.id, "test")).key;
});
afterAll(() => t.close());

type Envelope = {
  "subsonic-response": {
    status: string;
    version: string;
    type: string;
    serverVersion: string;
    openSubsonic: boolean;
    error?: { code: number; message: string };
  } & Record<string, unknown>;
};

async function json(query: string): Promise<Envelope["subsonic-response"]> {
  const res = await t.request(`/rest/ping?f=json&v=1.16.1&c=test&${query}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as Envelope)["subsonic-response"];
}

async function code(query: string): Promise<number | undefined> {
  return (await json(query)).error?.code;
}

describe("Subsonic authentication", () => {
  test("u+p in clear", async () => {
    const r = await json("u=admin&p=admin");
    expect(r.status).toBe("ok");
    expect(r.version).toBe("1.16.1");
    expect(r.openSubsonic).toBe(true);
    expect(r.type).toBe("bandstand");
  });

  test("u+p as enc:HEX", async () => {
    expect((await json(`u=admin&p=enc:${Buffer.from("admin").toString("hex")}`)).status).toBe("ok");
    expect(await code("u=admin&p=enc:zz")).toBe(40);
  });

  test("u+t+s token", async () => {
    const s = "c19b2d";
    expect((await json(`u=admin&t=${md5Hex(`admin${s}`)}&s=${s}`)).status).toBe("ok");
    expect((await json(`u=admin&t=${md5Hex(`admin${s}`).toUpperCase()}&s=${s}`)).status).toBe("ok");
    expect(await code(`u=admin&t=${md5Hex(`wrong${s}`)}&s=${s}`)).toBe(40);
  });

  test("apiKey alone", async () => {
    expect((await json(`apiKey=${apiKey}`)).status).toBe("ok");
  });

  test("error 10: missing parameters", async () => {
    expect(await code("")).toBe(10);
    expect(await code("p=admin")).toBe(10);
    expect(await code("u=admin")).toBe(10);
    expect(await code("u=admin&t=abc")).toBe(10);
  });

  test("error 40: wrong password or unknown user", async () => {
    const r = await json("u=admin&p=nope");
    expect(r.status).toBe("failed");
    expect(r.error?.code).toBe(40);
    expect(await code("u=ghost&p=admin")).toBe(40);
  });

  test("error 43: conflicting mechanisms", async () => {
    expect(await code(`apiKey=${apiKey}&u=admin`)).toBe(43);
    expect(await code(`u=admin&p=admin&t=x&s=y`)).toBe(43);
  });

  test("error 44: invalid API key", async () => {
    expect(await code("apiKey=bs_not-a-key")).toBe(44);
    expect(await code("apiKey=whatever")).toBe(44);
  });

  test("error 41: token auth for a user whose Subsonic password is not stored", async () => {
    await t.ctx.users.create({ username: "nostore", password: "pw-1234" });
    await t.ctx.users.setSubsonicPassword("nostore", null);
    const s = "abc";
    expect(await code(`u=nostore&t=${md5Hex(`pw-1234${s}`)}&s=${s}`)).toBe(41);
    // The login password still works as p.
    expect((await json("u=nostore&p=pw-1234")).status).toBe("ok");
  });

  test("error 42: password auth turned off for the user", async () => {
    await t.ctx.users.create({ username: "keysonly", password: "pw-1234" });
    await t.ctx.users.setSubsonicPasswordAuth("keysonly", false);
    expect(await code("u=keysonly&p=pw-1234")).toBe(42);
    const user = await t.ctx.users.byName("keysonly");
    const { key } = await t.ctx.apiKeys.create(user?.id ?? 0, "k");
    expect((await json(`apiKey=${key}`)).status).toBe("ok");
  });

  test("a separate Subsonic password works for p and t", async () => {
    await t.ctx.users.create({ username: "sep", password: "login-pw" });
    await t.ctx.users.setSubsonicPassword("sep", "app-pw");
    expect((await json("u=sep&p=app-pw")).status).toBe("ok");
    expect((await json(`u=sep&t=${md5Hex("app-pwxyz")}&s=xyz`)).status).toBe("ok");
    expect((await json("u=sep&p=login-pw")).status).toBe("ok");
  });

  test("failed logins are rate-limited per user", async () => {
    await t.ctx.users.create({ username: "victim", password: "right-pw" });
    for (let i = 0; i < 10; i++) expect(await code("u=victim&p=guess")).toBe(40);
    const blocked = await json("u=victim&p=right-pw");
    expect(blocked.error?.code).toBe(40);
    expect(blocked.error?.message).toContain("too many");
    // Another user is not affected.
    expect((await json("u=admin&p=admin")).status).toBe("ok");
  });

  test("passwords are argon2id hashes, Subsonic passwords sealed", async () => {
    const u = await t.ctx.users.byName("admin");
    expect(u?.passwordHash.startsWith("$argon2id$")).toBe(true);
    expect(u?.subsonicPassword).not.toContain("admin");
    expect(u && (await t.ctx.users.subsonicPassword(u))).toBe("admin");
  });
});

describe("Subsonic envelopes", () => {
  test("XML by default", async () => {
    const res = await t.request("/rest/ping.view?u=admin&p=admin");
    expect(res.headers.get("content-type")).toContain("xml");
    const body = await res.text();
    expect(body).toContain('<subsonic-response xmlns="http://subsonic.org/restapi" status="ok"');
    expect(body).toContain('version="1.16.1"');
    expect(body).toContain('openSubsonic="true"');
  });

  test("XML errors", async () => {
    const body = await (await t.request("/rest/ping?u=admin&p=bad")).text();
    expect(body).toContain('status="failed"');
    expect(body).toMatch(/<error code="40" message="[^"]+"\/>/);
  });

  test("JSONP wraps the JSON in the callback, and refuses script in its name", async () => {
    const ok = await (await t.request("/rest/ping?u=admin&p=admin&f=jsonp&callback=cb1")).text();
    expect(ok).toMatch(/^cb1\(\{"subsonic-response":\{"status":"ok"/);
    const evil = await (
      await t.request("/rest/ping?u=admin&p=admin&f=jsonp&callback=alert(1)//")
    ).text();
    expect(evil.startsWith("callback(")).toBe(true);
  });

  test("getOpenSubsonicExtensions answers without credentials", async () => {
    const res = await t.request("/rest/getOpenSubsonicExtensions?f=json");
    const r = ((await res.json()) as Envelope)["subsonic-response"];
    expect(r.status).toBe("ok");
    const exts = r.openSubsonicExtensions as { name: string; versions: number[] }[];
    expect(exts.map((e) => e.name)).toContain("apiKeyAuthentication");
    expect(exts.map((e) => e.name)).toContain("formPost");
    const xml = await (await t.request("/rest/getOpenSubsonicExtensions")).text();
    expect(xml).toContain('<openSubsonicExtensions name="formPost"><versions>1</versions>');
  });

  test("formPost: credentials in a POST form body", async () => {
    const res = await t.request("/rest/ping", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "u=admin&p=admin&f=json",
    });
    const r = ((await res.json()) as Envelope)["subsonic-response"];
    expect(r.status).toBe("ok");
  });

  test("an unknown method is an envelope, not a plain 404", async () => {
    const r = await (await t.request("/rest/noSuchMethod?u=admin&p=admin&f=json")).json();
    expect((r as Envelope)["subsonic-response"].status).toBe("failed");
    expect((r as Envelope)["subsonic-response"].error?.code).toBe(0);
  });
});
