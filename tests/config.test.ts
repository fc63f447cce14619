import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../config.ts";
import { tempDir } from "./helpers/app.ts";

const dir = tempDir();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ BANDSTAND_DATA_DIR: dir, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  test("embedded defaults", () => {
    const c = loadConfig({ BANDSTAND_DATA_DIR: dir });
    expect(c.port).toBe(3000);
    expect(c.publicUrl).toBe("http://localhost:3000");
    expect(c.databaseUrl).toBe(`file:${join(dir, "bandstand.db")}`);
    expect(c.musicDirs).toEqual([join(process.cwd(), "music")]);
    expect(c.upstashRedis).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.qstash).toBeUndefined();
    expect(c.ffmpegPath).toBe("ffmpeg");
  });

  test("several music folders separated by ':'", () => {
    const c = loadConfig({ BANDSTAND_DATA_DIR: dir, BANDSTAND_MUSIC_DIR: "/a/b:/c" });
    expect(c.musicDirs).toEqual(["/a/b", "/c"]);
  });

  test("PUBLIC_URL follows PORT and loses a trailing slash", () => {
    expect(loadConfig({ BANDSTAND_DATA_DIR: dir, PORT: "8080" }).publicUrl).toBe(
      "http://localhost:8080",
    );
    expect(
      loadConfig({ BANDSTAND_DATA_DIR: dir, PUBLIC_URL: "https://music.example.org/" }).publicUrl,
    ).toBe("https://music.example.org");
  });

  test.each([
    [{ PORT: "abc" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ PUBLIC_URL: "not a url" }, "PUBLIC_URL"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ REDIS_URL: "http://x" }, "REDIS_URL"],
    [{ UPSTASH_REDIS_REST_URL: "https://x.upstash.io" }, "UPSTASH_REDIS_REST_TOKEN"],
    [{ QSTASH_TOKEN: "t" }, "QSTASH_CURRENT_SIGNING_KEY"],
    [{ BANDSTAND_SECRET: "short" }, "BANDSTAND_SECRET"],
    [{ BANDSTAND_ADMIN_USER: "admin" }, "BANDSTAND_ADMIN_PASSWORD"],
    [{ BANDSTAND_TRUST_PROXY: "maybe" }, "BANDSTAND_TRUST_PROXY"],
  ])("%o is refused, naming %s", (env, variable) => {
    const err = errorOf(env as Record<string, string>);
    expect(err.variable).toBe(variable);
    expect(err.message).toContain(variable);
  });

  test("the secret is generated once into the data dir and reused", () => {
    const d = tempDir();
    const a = loadConfig({ BANDSTAND_DATA_DIR: d }).secret;
    const b = loadConfig({ BANDSTAND_DATA_DIR: d }).secret;
    expect(a.length).toBe(32);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(existsSync(join(d, "secret.key"))).toBe(true);
    const other = loadConfig({ BANDSTAND_DATA_DIR: tempDir() }).secret;
    expect(Buffer.from(a).equals(Buffer.from(other))).toBe(false);
    // BANDSTAND_SECRET wins over the file.
    const fromEnv = loadConfig({ BANDSTAND_DATA_DIR: d, BANDSTAND_SECRET: "a long enough secret" });
    expect(Buffer.from(fromEnv.secret).equals(Buffer.from(a))).toBe(false);
    expect(readFileSync(join(d, "secret.key"), "utf8").length).toBeGreaterThan(40);
  });

  test("QStash and Upstash settings are read together", () => {
    const c = loadConfig({
      BANDSTAND_DATA_DIR: dir,
      QSTASH_TOKEN: "tok",
      QSTASH_CURRENT_SIGNING_KEY: "cur",
      QSTASH_NEXT_SIGNING_KEY: "next",
      UPSTASH_REDIS_REST_URL: "https://eu1.upstash.io",
      UPSTASH_REDIS_REST_TOKEN: "rt",
      REDIS_URL: "redis://localhost:6379",
    });
    expect(c.qstash).toEqual({
      token: "tok",
      url: undefined,
      currentSigningKey: "cur",
      nextSigningKey: "next",
    });
    expect(c.upstashRedis).toEqual({ url: "https://eu1.upstash.io", token: "rt" });
    expect(c.redisUrl).toBe("redis://localhost:6379");
  });
});
