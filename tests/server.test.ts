import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { md5Hex } from "../auth/tokens.ts";
import { tempDir } from "./helpers/app.ts";
import { ROOT, runCli, type ServerProcess, startServer } from "./helpers/process.ts";
import { startRedisServer } from "./helpers/redis-server.ts";

const dir = tempDir();
const env = {
  BANDSTAND_DATA_DIR: join(dir, "data"),
  BANDSTAND_MUSIC_DIR: join(dir, "music"),
  BANDSTAND_ADMIN_USER: "admin",
  BANDSTAND_ADMIN_PASSWORD: "admin",
};
let server: ServerProcess;

beforeAll(async () => {
  mkdirSync(env.BANDSTAND_MUSIC_DIR, { recursive: true });
  server = await startServer(env);
});
afterAll(async () => {
  if (server.proc.exitCode === null) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function ping(query: string, json = true) {
  const res = await fetch(
    `${server.url}/rest/ping?c=test&v=1.16.1${json ? "&f=json" : ""}&${query}`,
  );
  return json
    ? ((await res.json()) as { "subsonic-response": { status: string; error?: { code: number } } })[
        "subsonic-response"
      ]
    : await res.text();
}

describe("a real server process on embedded defaults", () => {
  test("the start log names each adapter once", () => {
    const lines = server
      .output()
      .split("\n")
      .filter((l) => l.includes("adapters:"));
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain("database: libSQL file");
    expect(lines[0]).toContain("cache: memory");
    expect(lines[0]).toContain("jobs: local dispatcher");
    expect(server.output()).not.toMatch(/password/i); // secrets are never logged
  });

  test("/rest/ping with p, enc:, token and an API key; wrong password is 40", async () => {
    expect(await ping("u=admin&p=admin", false)).toContain('status="ok"');
    expect(await ping("u=admin&p=admin")).toMatchObject({ status: "ok" });
    expect(await ping("u=admin&p=enc:61646d696e")).toMatchObject({ status: "ok" });
    expect(await ping(`u=admin&t=${md5Hex("adminsalt1")}&s=salt1`)).toMatchObject({ status: "ok" });
    expect(await ping("u=admin&p=wrong")).toMatchObject({ status: "failed", error: { code: 40 } });

    const created = await runCli(["apikey", "create", "admin"], env);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^bs_/);
    expect(await ping(`apiKey=${key}`)).toMatchObject({ status: "ok" });
  });

  test("getOpenSubsonicExtensions needs no parameters", async () => {
    const body = await (await fetch(`${server.url}/rest/getOpenSubsonicExtensions`)).text();
    expect(body).toContain('status="ok"');
    expect(body).toContain("apiKeyAuthentication");
  });

  test("GET / ends on an HTML page that loads htmx; /healthz and /readyz are 200", async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("/public/vendor/htmx.min.js");
    expect((await fetch(`${server.url}/public/vendor/htmx.min.js`)).status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  test("POST /jobs/scan unsigned or forged → 401", async () => {
    const unsigned = await fetch(`${server.url}/jobs/scan`, { method: "POST", body: "{}" });
    expect(unsigned.status).toBe(401);
    const forged = await fetch(`${server.url}/jobs/scan`, {
      method: "POST",
      body: "{}",
      headers: { "Upstash-Signature": "eyJhbGciOiJIUzI1NiJ9.e30.forged" },
    });
    expect(forged.status).toBe(401);
  });

  test("CLI: user add and passwd, then those credentials work", async () => {
    const add = await runCli(["user", "add", "carol"], env, "carol-pw\n");
    expect(add.code).toBe(0);
    expect(await ping("u=carol&p=carol-pw")).toMatchObject({ status: "ok" });
    const dup = await runCli(["user", "add", "carol", "--password", "xxxx"], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain("already exists");
    const passwd = await runCli(["user", "passwd", "carol", "--password", "new-pw"], env);
    expect(passwd.code).toBe(0);
    expect(await ping("u=carol&p=new-pw")).toMatchObject({ status: "ok" });
    expect(await ping("u=carol&p=carol-pw")).toMatchObject({ error: { code: 40 } });
  });

  test("CLI: scan --wait shows progress and finishes; a bad command exits non-zero", async () => {
    const scan = await runCli(["scan", "--wait"], env);
    expect(scan.code).toBe(0);
    expect(scan.stdout).toMatch(/scan job job_/);
    expect(scan.stdout).toContain("done:");
    const bad = await runCli(["scan-everything"], env);
    expect(bad.code).not.toBe(0);
  });

  test("SIGTERM finishes the request in flight, stops cleanly, and it starts again", async () => {
    // A wrong password costs an argon2id verification: long enough to be in flight.
    const inFlight = fetch(`${server.url}/rest/ping?f=json&u=admin&p=not-it`);
    await Bun.sleep(15);
    const exited = server.stop("SIGTERM");
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await exited).toBe(0);
    expect(server.output()).toContain("stopped");
    server = await startServer(env);
    expect(await ping("u=admin&p=admin")).toMatchObject({ status: "ok" });
  });
});

describe("scaled-out adapters", () => {
  test("with REDIS_URL the start log names Redis for cache, lock, rate limit and pub/sub", async () => {
    const redis = await startRedisServer();
    const d = tempDir();
    const s = await startServer({ BANDSTAND_DATA_DIR: d, REDIS_URL: redis.url });
    try {
      const line =
        s
          .output()
          .split("\n")
          .find((l) => l.includes("adapters:")) ?? "";
      expect(line).toContain("cache: redis");
      expect(line).toContain("lock: redis");
      expect(line).toContain("rate limit: redis");
      expect(line).toContain("pub/sub: redis");
      const failed = await fetch(`${s.url}/rest/ping?f=json&u=nobody&p=x`);
      expect(await failed.text()).toContain('"code":40');
    } finally {
      expect(await s.stop()).toBe(0);
      await redis.stop();
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe("bad configuration", () => {
  test("PORT=abc exits non-zero at once, naming PORT", async () => {
    const proc = Bun.spawn(["bun", "run", "server.ts"], {
      cwd: ROOT,
      env: { ...process.env, ...env, PORT: "abc" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const code = await proc.exited;
    expect(code).not.toBe(0);
    expect(await new Response(proc.stderr).text()).toContain("PORT");
  });
});
