/**
 * Cached Subsonic answers, views, marks and credentials (routes/subsonic/cache.ts,
 * library/queries.ts, library/annotations.ts, auth/subsonic.ts) never outlive a change: each
 * test first asks, so the answer is cached, then changes something, then asks again at once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import Libsql from "libsql";
import { md5Hex } from "../auth/tokens.ts";
import { generateLibrary } from "../scripts/generate-library.ts";
import { scanLibrary, startTestApp, type TestApp, tempDir, userWithKey } from "./helpers/app.ts";
import { type RedisServer, startRedisServer } from "./helpers/redis-server.ts";
import { type Json, subsonicCaller } from "./helpers/subsonic.ts";

let t: TestApp;
let key: string;
let otherKey: string;
const root = tempDir("bandstand-cache-");
const music = join(root, "music");

beforeAll(async () => {
  await generateLibrary(join(music, "a"), { tracks: 40, seed: 21, brokenEvery: 0 });
  t = await startTestApp({ BANDSTAND_MUSIC_DIR: music, BANDSTAND_AUTO_ANALYZE: "false" });
  key = await userWithKey(t, "admin", "admin");
  otherKey = await userWithKey(t, "other");
  await scanLibrary(t);
}, 120_000);
afterAll(async () => {
  await t.close();
  rmSync(root, { recursive: true, force: true });
});

const { ok, call } = subsonicCaller(
  () => t,
  () => key,
  "test",
);

const albumIds = async (type: string, apiKey = key) =>
  ((await ok("getAlbumList2", `type=${type}&size=500`, apiKey)).albumList2.album as Json[]).map(
    (a) => a.id as string,
  );

/** Counts the database reads the next calls make. */
function countReads(): { reads: () => number; stop: () => void } {
  const db = t.ctx.database;
  const all = db.all;
  let n = 0;
  db.all = (...args) => {
    n++;
    return all.apply(db, args);
  };
  return {
    reads: () => n,
    stop: () => {
      db.all = all;
    },
  };
}

describe("answers are cached", () => {
  test("a repeated call reads nothing from the database and answers the same", async () => {
    const first = await ok("getArtists");
    const album = (await ok("getAlbumList2", "type=alphabeticalByName&size=1")).albumList2.album[0]
      .id;
    await ok("getAlbum", `id=${album}`);
    const spy = countReads();
    try {
      expect(await ok("getArtists")).toEqual(first);
      await ok("getAlbum", `id=${album}`);
      await ok("getAlbumList2", "type=alphabeticalByName&size=1");
      expect(spy.reads()).toBe(0);
    } finally {
      spy.stop();
    }
  });

  test("each format, user and parameter set is its own answer", async () => {
    const json = await t.request(`/rest/getGenres?f=json&apiKey=${key}`);
    const xml = await t.request(`/rest/getGenres?apiKey=${key}`);
    expect(json.headers.get("content-type")).toContain("json");
    expect(xml.headers.get("content-type")).toContain("xml");
    expect(await xml.text()).toStartWith("<?xml");
    const jsonp = await t.request(`/rest/getGenres?f=jsonp&callback=cb&apiKey=${key}`);
    expect(await jsonp.text()).toStartWith("cb(");
    const one = await ok("getAlbumList2", "type=alphabeticalByName&size=1");
    const two = await ok("getAlbumList2", "type=alphabeticalByName&size=2");
    expect(two.albumList2.album).toHaveLength(2);
    expect(one.albumList2.album).toHaveLength(1);
  });

  test("random lists are never cached", async () => {
    const draws = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const songs = (await ok("getRandomSongs", "size=5")).randomSongs.song as Json[];
      draws.add(songs.map((s) => s.id).join());
    }
    expect(draws.size).toBeGreaterThan(1);
  });
});

describe("marks are seen by the very next request", () => {
  test("star and unstar: getAlbum, getStarred2, getAlbumList2 starred", async () => {
    const [album] = await albumIds("alphabeticalByName");
    const song = (await ok("getAlbum", `id=${album}`)).album.song[0].id as string;
    expect((await ok("getAlbum", `id=${album}`)).album.starred).toBeUndefined();
    expect((await ok("getStarred2")).starred2.album ?? []).toEqual([]);
    expect(await albumIds("starred")).toEqual([]);

    await ok("star", `albumId=${album}&id=${song}`);
    const got = (await ok("getAlbum", `id=${album}`)).album;
    expect(got.starred).toBeString();
    expect(got.song.find((s: Json) => s.id === song).starred).toBeString();
    const starred = (await ok("getStarred2")).starred2;
    expect(starred.album.map((a: Json) => a.id)).toEqual([album]);
    expect(starred.song.map((s: Json) => s.id)).toEqual([song]);
    expect(await albumIds("starred")).toEqual([album as string]);

    await ok("unstar", `albumId=${album}&id=${song}`);
    expect((await ok("getAlbum", `id=${album}`)).album.starred).toBeUndefined();
    expect((await ok("getStarred2")).starred2.album ?? []).toEqual([]);
    expect(await albumIds("starred")).toEqual([]);
  });

  test("a rating: getAlbum userRating, getAlbumList2 highest", async () => {
    const [, album] = await albumIds("alphabeticalByName");
    expect((await ok("getAlbum", `id=${album}`)).album.userRating).toBeUndefined();
    expect(await albumIds("highest")).toEqual([]);
    await ok("setRating", `id=${album}&rating=4`);
    expect((await ok("getAlbum", `id=${album}`)).album.userRating).toBe(4);
    expect(await albumIds("highest")).toEqual([album as string]);
    await ok("setRating", `id=${album}&rating=0`);
    expect((await ok("getAlbum", `id=${album}`)).album.userRating).toBeUndefined();
    expect(await albumIds("highest")).toEqual([]);
  });

  test("a scrobble: play counts in getAlbum, getAlbumList2 frequent and recent", async () => {
    const [, , album] = await albumIds("alphabeticalByName");
    const before = (await ok("getAlbum", `id=${album}`)).album;
    const song = before.song[0];
    expect(before.playCount ?? 0).toBe(0);
    expect(song.playCount ?? 0).toBe(0);
    expect(await albumIds("frequent")).toEqual([]);
    expect(await albumIds("recent")).toEqual([]);

    await ok("scrobble", `id=${song.id}&submission=true`);
    const after = (await ok("getAlbum", `id=${album}`)).album;
    expect(after.playCount).toBe(1);
    expect(after.song[0].playCount).toBe(1);
    expect(await albumIds("frequent")).toEqual([album as string]);
    expect(await albumIds("recent")).toEqual([album as string]);
    // The same answers for the other user: their own, without these plays.
    expect(await albumIds("frequent", otherKey)).toEqual([]);
    expect((await ok("getAlbum", `id=${album}`, otherKey)).album.playCount ?? 0).toBe(0);
  });

  test("one user's marks never show in another's cached answers", async () => {
    const [album] = await albumIds("alphabeticalByName");
    expect((await ok("getAlbum", `id=${album}`, otherKey)).album.starred).toBeUndefined();
    await ok("star", `albumId=${album}`);
    expect((await ok("getAlbum", `id=${album}`)).album.starred).toBeString();
    expect((await ok("getAlbum", `id=${album}`, otherKey)).album.starred).toBeUndefined();
    await ok("unstar", `albumId=${album}`);
  });
});

describe("library changes are seen by the very next request", () => {
  test("a scan that adds albums: getAlbumList2 newest and alphabetical, search3, getArtists", async () => {
    const before = new Set(await albumIds("alphabeticalByName"));
    const newestBefore = await albumIds("newest");
    const songsBefore = (await ok("search3", "query=&songCount=500")).searchResult3.song.length;
    const artistsBefore = JSON.stringify(await ok("getArtists"));

    await generateLibrary(join(music, "b"), { tracks: 12, seed: 77, brokenEvery: 0 });
    await scanLibrary(t);

    const after = await albumIds("alphabeticalByName");
    const added = after.filter((id) => !before.has(id));
    expect(added.length).toBeGreaterThan(0);
    const newest = await albumIds("newest");
    expect(newest).not.toEqual(newestBefore);
    expect(added).toContain(newest[0] as string);
    const songsAfter = (await ok("search3", "query=&songCount=500")).searchResult3.song.length;
    expect(songsAfter).toBe(songsBefore + 12);
    expect(JSON.stringify(await ok("getArtists"))).not.toBe(artistsBefore);
  }, 120_000);

  test("a write that bypasses the domain code (plain SQL) is seen too", async () => {
    const [album] = await albumIds("alphabeticalByName");
    const id = Number(String(album).slice(3));
    const name = (await ok("getAlbum", `id=${album}`)).album.name;
    await t.ctx.database.client.execute({
      sql: "UPDATE albums SET name = ? WHERE id = ?",
      args: ["Renamed Behind Its Back", id],
    });
    expect((await ok("getAlbum", `id=${album}`)).album.name).toBe("Renamed Behind Its Back");
    await t.ctx.database.client.execute({
      sql: "UPDATE albums SET name = ? WHERE id = ?",
      args: [name, id],
    });
    expect((await ok("getAlbum", `id=${album}`)).album.name).toBe(name);
  });

  test("a commit by another process (the CLI) is seen within a moment", async () => {
    const [album] = await albumIds("alphabeticalByName");
    const id = Number(String(album).slice(3));
    const name = (await ok("getAlbum", `id=${album}`)).album.name;
    // Another connection, as another process would have: this process's client never sees it.
    const other = new Libsql(join(t.dataDir, "bandstand.db"), { timeout: 5000 });
    try {
      other.prepare("UPDATE albums SET name = ? WHERE id = ?").run("Renamed Elsewhere", id);
      const until = Date.now() + 1000;
      let seen = "";
      while (Date.now() < until) {
        seen = (await ok("getAlbum", `id=${album}`)).album.name;
        if (seen === "Renamed Elsewhere") break;
        await Bun.sleep(10);
      }
      expect(seen).toBe("Renamed Elsewhere");
      other.prepare("UPDATE albums SET name = ? WHERE id = ?").run(name, id);
    } finally {
      other.close();
    }
  });
});

describe("credentials are checked again after any change", () => {
  const clear = (user: string, password: string) =>
    `/rest/ping?f=json&u=${user}&p=${encodeURIComponent(password)}`;
  const token = (user: string, password: string, salt = "s4lt") =>
    `/rest/ping?f=json&u=${user}&t=${md5Hex(password + salt)}&s=${salt}`;
  const status = async (path: string) =>
    ((await (await t.request(path)).json()) as Json)["subsonic-response"];

  test("a changed password: the old one stops working at once, with p and with a token", async () => {
    await t.ctx.users.create({ username: "carol", password: "first-pass" });
    expect((await status(clear("carol", "first-pass"))).status).toBe("ok");
    expect((await status(token("carol", "first-pass"))).status).toBe("ok");
    await ok("changePassword", "username=carol&password=second-pass");
    const old = await status(clear("carol", "first-pass"));
    expect(old.status).toBe("failed");
    expect(old.error.code).toBe(40);
    expect((await status(token("carol", "first-pass"))).error.code).toBe(40);
    expect((await status(clear("carol", "second-pass"))).status).toBe("ok");
    expect((await status(token("carol", "second-pass"))).status).toBe("ok");
  });

  test("a revoked API key stops working at once", async () => {
    const user = await t.ctx.users.create({ username: "dave", password: "dave-pass" });
    const created = await t.ctx.apiKeys.create(user.id, "phone");
    expect((await call("ping", "", created.key)).status).toBe("ok");
    await t.ctx.apiKeys.revoke(user.id, created.id);
    const r = await call("ping", "", created.key);
    expect(r.status).toBe("failed");
    expect(r.error.code).toBe(44);
  });

  test("a deleted user's key and password stop working at once", async () => {
    const erinKey = await userWithKey(t, "erin");
    expect((await call("ping", "", erinKey)).status).toBe("ok");
    expect((await status(clear("erin", "pass-word"))).status).toBe("ok");
    await ok("deleteUser", "username=erin");
    expect((await call("ping", "", erinKey)).error.code).toBe(44);
    expect((await status(clear("erin", "pass-word"))).error.code).toBe(40);
  });

  test("a role change counts at once", async () => {
    const frankKey = await userWithKey(t, "frank", "admin");
    expect((await call("getUsers", "", frankKey)).status).toBe("ok");
    await ok("updateUser", "username=frank&adminRole=false");
    const r = await call("getUsers", "", frankKey);
    expect(r.status).toBe("failed");
    expect(r.error.code).toBe(50);
  });
});

describe("several instances share the versions through the edge cache", () => {
  let redis: RedisServer;
  let a: TestApp;
  let b: TestApp;
  let aKey: string;
  let bKey: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    const env = {
      BANDSTAND_MUSIC_DIR: music,
      BANDSTAND_AUTO_ANALYZE: "false",
      REDIS_URL: redis.url,
    };
    const dataDir = tempDir("bandstand-cache-shared-");
    a = await startTestApp(env, { dataDir });
    b = await startTestApp(env, { dataDir });
    aKey = await userWithKey(a, "admin", "admin");
    await scanLibrary(a);
    const admin = await b.ctx.users.byName("admin");
    if (!admin) throw new Error("no admin");
    bKey = (await b.ctx.apiKeys.create(admin.id, "b")).key;
  }, 120_000);
  afterAll(async () => {
    const dataDir = a.dataDir;
    await a.close();
    await b.close();
    rmSync(dataDir, { recursive: true, force: true });
    await redis.stop();
  });

  test("a star on one instance shows in the other's cached getAlbum at once", async () => {
    const onA = subsonicCaller(
      () => a,
      () => aKey,
    );
    const onB = subsonicCaller(
      () => b,
      () => bKey,
    );
    const album = (await onB.ok("getAlbumList2", "type=alphabeticalByName&size=1")).albumList2
      .album[0].id;
    for (let round = 0; round < 3; round++) {
      // B caches the answer, A stars, B asks again straight away: only the bumped version in
      // Redis tells B (B's own writes counter did not move, its commit sample is fresh).
      expect((await onB.ok("getAlbum", `id=${album}`)).album.starred).toBeUndefined();
      await onA.ok("star", `albumId=${album}`);
      expect((await onB.ok("getAlbum", `id=${album}`)).album.starred).toBeString();
      await onA.ok("unstar", `albumId=${album}`);
      expect((await onB.ok("getAlbum", `id=${album}`)).album.starred).toBeUndefined();
    }
  });

  test("a key revoked on one instance is refused by the other at once", async () => {
    const admin = await a.ctx.users.byName("admin");
    if (!admin) throw new Error("no admin");
    const onB = subsonicCaller(
      () => b,
      () => bKey,
    );
    for (let round = 0; round < 3; round++) {
      const created = await a.ctx.apiKeys.create(admin.id, `tablet ${round}`);
      expect((await onB.call("ping", "", created.key)).status).toBe("ok");
      await a.ctx.apiKeys.revoke(admin.id, created.id);
      expect((await onB.call("ping", "", created.key)).error?.code).toBe(44);
    }
  });
});
