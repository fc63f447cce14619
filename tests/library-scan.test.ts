import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, renameSync, rmSync, symlinkSync, utimesSync } from "node:fs";
import { join } from "node:path";
import type { LocalDispatcher } from "../jobs/local-dispatcher.ts";
import { type GeneratedLibrary, generateLibrary } from "../scripts/generate-library.ts";
import { startTestApp, type TestApp, tempDir } from "./helpers/app.ts";

let t: TestApp;
let lib: GeneratedLibrary;
let key: string;
const music = join(tempDir("bandstand-music-"), "music");

beforeAll(async () => {
  // The size the issue names: 10k tracks in every format, broken files among them.
  lib = await generateLibrary(music, { tracks: 10_000, seed: 7, brokenEvery: 200 });
  // Analysis has its own tests; here it would only slow every drain down.
  t = await startTestApp({ BANDSTAND_MUSIC_DIR: music, BANDSTAND_AUTO_ANALYZE: "false" });
  await t.ctx.library.syncFolders();
  const admin = await t.ctx.users.create({
    username: "admin",
    password: "admin-pw",
    role: "admin",
  });
  key = (await t.ctx.apiKeys.create(admin.id, "t")).key;
}, 120_000);
afterAll(async () => {
  await t.close();
  rmSync(join(music, ".."), { recursive: true, force: true });
}, 60_000); // 10k files to delete: more than the default 5 s on a loaded machine

async function scan(payload: { full?: boolean } = {}) {
  const job = await t.ctx.jobs.enqueue("scan", payload);
  await (t.ctx.queue as LocalDispatcher).drain(120_000);
  const done = await t.ctx.jobs.get(job.id);
  expect(done?.state).toBe("finished");
  return JSON.parse(done?.result ?? "{}") as {
    processed: number;
    problems: number;
    removed: number;
  };
}

async function subsonic(method: string, query = "") {
  const res = await t.request(`/rest/${method}?f=json&apiKey=${key}&${query}`);
  return ((await res.json()) as { "subsonic-response": Record<string, unknown> })[
    "subsonic-response"
  ];
}

async function allSongIds(): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 100) {
    const r = await subsonic(
      "search3",
      `query=&songCount=100&songOffset=${offset}&artistCount=0&albumCount=0`,
    );
    const songs = (r.searchResult3 as { song: { id: string }[] }).song;
    ids.push(...songs.map((s) => s.id));
    if (songs.length < 100) return ids;
  }
}

const trackCount = async () =>
  Number((await t.ctx.database.client.execute("SELECT count(*) AS n FROM tracks")).rows[0]?.n);

describe("library scan", () => {
  test("a first scan reads every tagged file and lists the broken ones with reasons", async () => {
    const r = await scan();
    expect(r.processed).toBe(lib.tracks.length);
    expect(r.problems).toBe(lib.broken.length);
    expect(await trackCount()).toBe(lib.tracks.length);

    const res = await t.request("/api/v1/library/problems", { headers: { "X-API-Key": key } });
    const problems = ((await res.json()) as { items: { path: string; reason: string }[] }).items;
    expect(problems.map((p) => p.path).sort()).toEqual(lib.broken.map((b) => b.relPath).sort());
    for (const b of lib.broken) {
      const p = problems.find((x) => x.path === b.relPath);
      if (b.kind === "empty") expect(p?.reason).toBe("empty");
      else expect(["corrupt", "not_audio", "unsupported"]).toContain(p?.reason ?? "");
    }
  }, 60_000);

  test("search3 with an empty query pages through the whole library", async () => {
    const ids = await allSongIds();
    expect(ids.length).toBe(lib.tracks.length);
    expect(new Set(ids).size).toBe(ids.length);
  }, 60_000);

  test("tags land where they belong: albums grouped by album artist, never split by a featured artist", async () => {
    const c = t.ctx.database.client;
    // An untagged file knows only its folder names (made file-system safe) and no
    // MusicBrainz id, so it may group apart from its tagged siblings.
    const folderAlbum = (relPath: string) =>
      (relPath.split("/").at(-2) ?? "").replace(/^\d{4}\s*-\s*/, "");
    const expectedAlbums = new Set(
      lib.tracks.map((tr) =>
        [
          tr.untagged
            ? tr.relPath.split("/").at(-3)
            : tr.compilation
              ? "Various Artists"
              : tr.albumArtist,
          tr.untagged ? folderAlbum(tr.relPath) : tr.album,
          tr.untagged ? undefined : tr.mbidAlbum,
        ]
          .filter((x) => x !== undefined)
          .join("\u001f")
          .toLowerCase(),
      ),
    );
    const albums = Number((await c.execute("SELECT count(*) AS n FROM albums")).rows[0]?.n);
    expect(albums).toBe(expectedAlbums.size);
    const sample = lib.tracks.find((tr) => tr.artists.length > 1 && !tr.untagged);
    expect(sample).toBeDefined();
    const row = await c.execute({
      sql: `SELECT t.title, a.name AS album, (SELECT group_concat(ar.name, '|') FROM track_artists ta
              JOIN artists ar ON ar.id = ta.artist_id WHERE ta.track_id = t.id AND ta.role = 'artist') AS artists
            FROM tracks t JOIN albums a ON a.id = t.album_id WHERE t.path = ?`,
      args: [sample?.relPath ?? ""],
    });
    expect(row.rows[0]?.title).toBe(sample?.title ?? "");
    expect(String(row.rows[0]?.artists).split("|").sort()).toEqual(
      [...(sample?.artists ?? [])].sort(),
    );
  }, 60_000);

  test("a text search finds a track by title words", async () => {
    const target = lib.tracks.find((tr) => !tr.untagged && tr.title.split(" ").length >= 2);
    const r = await subsonic(
      "search3",
      `query=${encodeURIComponent(target?.title ?? "")}&songCount=50`,
    );
    const songs = (r.searchResult3 as { song: { title: string }[] }).song;
    expect(songs.map((s) => s.title)).toContain(target?.title ?? "");
  }, 60_000);

  test("an unchanged rescan reads nothing", async () => {
    const r = await scan();
    expect(r).toMatchObject({ processed: 0, problems: 0, removed: 0 });
    expect(await trackCount()).toBe(lib.tracks.length);
  }, 60_000);

  test("touched files are read again; deleted files go, and empty albums with them", async () => {
    const [a, b] = lib.tracks.filter((tr) => !tr.untagged);
    if (!a || !b) throw new Error("library too small");
    const future = new Date(Date.now() + 5000);
    utimesSync(join(music, a.relPath), future, future);
    rmSync(join(music, b.relPath));
    const r = await scan();
    expect(r.processed).toBe(1);
    expect(r.removed).toBe(1);
    expect(await trackCount()).toBe(lib.tracks.length - 1);
    const orphans = await t.ctx.database.client.execute(
      "SELECT count(*) AS n FROM albums WHERE id NOT IN (SELECT album_id FROM tracks WHERE album_id IS NOT NULL)",
    );
    expect(Number(orphans.rows[0]?.n)).toBe(0);
  }, 60_000);

  test("sidecar lyrics (.lrc, .LRC) found by the listing are read", async () => {
    const [a, b] = lib.tracks.filter((tr) => !tr.untagged).slice(10, 12);
    if (!a || !b) throw new Error("library too small");
    const stem = (p: string) => p.slice(0, p.lastIndexOf("."));
    await Bun.write(join(music, `${stem(a.relPath)}.lrc`), "[00:01.00]lower\n[00:02.00]case\n");
    await Bun.write(join(music, `${stem(b.relPath)}.LRC`), "[00:01.00]upper case\n");
    const future = new Date(Date.now() + 5000);
    for (const tr of [a, b]) utimesSync(join(music, tr.relPath), future, future);
    expect((await scan()).processed).toBe(2);
    const rows = await t.ctx.database.client.execute({
      sql: "SELECT path, lyrics, synced_lyrics FROM tracks WHERE path IN (?, ?) ORDER BY path",
      args: [a.relPath, b.relPath],
    });
    const byPath = new Map(rows.rows.map((r) => [String(r.path), r]));
    expect(byPath.get(a.relPath)?.lyrics).toBe("lower\ncase");
    expect(byPath.get(b.relPath)?.lyrics).toBe("upper case");
    expect(String(byPath.get(b.relPath)?.synced_lyrics)).toContain("upper case");
  }, 60_000);

  test("a moved track keeps its id, stars and playlist places", async () => {
    const c = t.ctx.database.client;
    const target = lib.tracks.filter((tr) => !tr.untagged)[5];
    if (!target) throw new Error("library too small");
    const before = await c.execute({
      sql: "SELECT id FROM tracks WHERE path = ?",
      args: [target.relPath],
    });
    const id = Number(before.rows[0]?.id);
    await c.execute({
      sql: "INSERT INTO stars (user_id, item_type, item_id) VALUES ((SELECT id FROM users WHERE username = 'admin'), 'track', ?)",
      args: [id],
    });
    const moved = `Moved/${target.relPath.split("/").pop()}`;
    mkdirSync(join(music, "Moved"), { recursive: true });
    renameSync(join(music, target.relPath), join(music, moved));
    const r = await scan();
    expect(r.removed).toBe(0);
    const after = await c.execute({ sql: "SELECT id FROM tracks WHERE path = ?", args: [moved] });
    expect(Number(after.rows[0]?.id)).toBe(id);
    const star = await c.execute({
      sql: "SELECT count(*) AS n FROM stars WHERE item_id = ?",
      args: [id],
    });
    expect(Number(star.rows[0]?.n)).toBe(1);
  }, 60_000);

  test("links out of the folder and link loops are not followed", async () => {
    const outside = tempDir("bandstand-outside-");
    await Bun.write(
      join(outside, "secret.mp3"),
      Bun.file(join(music, lib.tracks[0]?.relPath ?? "")),
    );
    symlinkSync(outside, join(music, "escape"));
    symlinkSync(music, join(music, "loop"));
    const r = await scan();
    expect(r.processed).toBe(0);
    const leaked = await t.ctx.database.client.execute(
      "SELECT count(*) AS n FROM tracks WHERE path LIKE 'escape/%' OR path LIKE 'loop/%'",
    );
    expect(Number(leaked.rows[0]?.n)).toBe(0);
    rmSync(join(music, "escape"));
    rmSync(join(music, "loop"));
    rmSync(outside, { recursive: true, force: true });
  }, 60_000);

  test("Subsonic startScan needs an admin, getScanStatus reports", async () => {
    const user = await t.ctx.users.create({ username: "u", password: "u-pw-1" });
    const userKey = (await t.ctx.apiKeys.create(user.id, "t")).key;
    const denied = await (await t.request(`/rest/startScan?f=json&apiKey=${userKey}`)).json();
    expect(
      (denied as { "subsonic-response": { error: { code: number } } })["subsonic-response"].error
        .code,
    ).toBe(50);
    const started = await subsonic("startScan");
    expect(started.status).toBe("ok");
    expect((started.scanStatus as { scanning: boolean }).scanning).toBe(true);
    await (t.ctx.queue as LocalDispatcher).drain(60_000);
    const status = await subsonic("getScanStatus");
    expect(status.scanStatus).toEqual({ scanning: false, count: await trackCount() });
  }, 60_000);
});
