import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  MAX_PLAY_THRESHOLD_MS,
  type PlaybackReport,
  playThresholdMs,
  SESSION_GRACE_MS,
  type Session,
  step,
} from "../library/playback.ts";
import { generateLibrary } from "../scripts/generate-library.ts";
import { scanLibrary, startTestApp, type TestApp, tempDir, userWithKey } from "./helpers/app.ts";
import { validate } from "./helpers/json-schema.ts";
import { OPENAPI_ENDPOINTS } from "./helpers/shared.ts";
import { type Json, subsonicCaller } from "./helpers/subsonic.ts";

let t: TestApp;
let key: string;
let otherKey: string;
const root = tempDir("bandstand-opensubsonic-");
const music = join(root, "music");
/** Tracks with a known length, and a podcast episode (inserted directly: no feed needed). */
let tracks: { id: string; n: number; durationMs: number }[] = [];
let episode = "";

beforeAll(async () => {
  await generateLibrary(music, { tracks: 40, seed: 21, brokenEvery: 0 });
  t = await startTestApp({ BANDSTAND_MUSIC_DIR: music, BANDSTAND_AUTO_ANALYZE: "false" });
  key = await userWithKey(t, "admin", "admin");
  otherKey = await userWithKey(t, "bob");
  await scanLibrary(t);
  // The generated files last a second or two: give them a song's length, so that request
  // latency is noise next to the play thresholds (the counting only reads duration_ms).
  await t.ctx.database.client.execute("UPDATE tracks SET duration_ms = 180000 + id * 1000");
  const rs = await t.ctx.database.client.execute(
    "SELECT id, duration_ms FROM tracks ORDER BY id LIMIT 16",
  );
  tracks = rs.rows.map((r) => ({
    id: `tr-${r.id}`,
    n: Number(r.id),
    durationMs: Number(r.duration_ms),
  }));
  const db = t.ctx.database.client;
  await db.execute(
    "INSERT INTO podcast_channels (url, title) VALUES ('http://pod.test/f', 'Cast')",
  );
  const ep = await db.execute(
    `INSERT INTO podcast_episodes (channel_id, guid, title, duration_seconds, status)
     VALUES ((SELECT max(id) FROM podcast_channels), 'g-1', 'Episode', 600, 'completed')
     RETURNING id`,
  );
  episode = `pe-${ep.rows[0]?.id}`;
}, 120_000);

afterAll(async () => {
  await t?.close();
  rmSync(root, { recursive: true, force: true });
});

/** A Subsonic client with its own name (`c`): each is its own player. */
const as = (client: string, apiKey = () => key) => subsonicCaller(() => t, apiKey, client);
const { ok, code } = as("test");

function track(i: number) {
  const x = tracks[i];
  if (!x) throw new Error(`no track ${i}`);
  return x;
}

async function one(sql: string, args: (string | number)[] = []): Promise<number> {
  const rs = await t.ctx.database.client.execute({ sql, args });
  return Number(rs.rows[0]?.n ?? 0);
}
const playsOf = (n: number) => one("SELECT count(*) AS n FROM plays WHERE track_id = ?", [n]);

/** As if `ms` passed since the reports: the session's times move into the past. */
async function rewind(ms: number): Promise<void> {
  await t.ctx.database.client.execute({
    sql: `UPDATE now_playing SET reported_at = reported_at - ?, started_at = started_at - ?,
            expires_at = expires_at - ? WHERE state IS NOT NULL`,
    args: [ms, ms, ms],
  });
}

const EMPTY_RESPONSE = join(OPENAPI_ENDPOINTS, "..", "responses", "EmptySubsonicResponse.json");

/** One reportPlayback call; the answer is checked against the spec's empty response. */
async function report(
  client: ReturnType<typeof as>,
  mediaId: string,
  state: string,
  positionMs: number,
  extra = "",
): Promise<void> {
  const type = mediaId.startsWith("pe-") ? "podcast" : "song";
  const r = await client.ok(
    "reportPlayback",
    `mediaId=${mediaId}&mediaType=${type}&positionMs=${positionMs}&state=${state}&${extra}`,
  );
  expect(validate(EMPTY_RESPONSE, { "subsonic-response": r })).toEqual([]);
}

async function entries(client = ok): Promise<Json[]> {
  return (await client("getNowPlaying")).nowPlaying.entry as Json[];
}
const entryOf = async (player: string) =>
  (await entries()).find((e) => e.playerName === player && e.username === "admin");

describe("getOpenSubsonicExtensions", () => {
  test("advertises playbackReport and topSongsByArtistId, version 1", async () => {
    const r = await ok("getOpenSubsonicExtensions");
    const list = r.openSubsonicExtensions as { name: string; versions: number[] }[];
    expect(list).toContainEqual({ name: "playbackReport", versions: [1] });
    expect(list).toContainEqual({ name: "topSongsByArtistId", versions: [1] });
    // Unauthenticated, as the spec requires for this method.
    const res = await t.request("/rest/getOpenSubsonicExtensions?f=json");
    const open = ((await res.json()) as Json)["subsonic-response"];
    expect(open.openSubsonicExtensions.map((e: Json) => e.name)).toContain("playbackReport");
  });
});

describe("reportPlayback: bad input", () => {
  const q = (over: Record<string, string | undefined>) => {
    const base: Record<string, string | undefined> = {
      mediaId: track(0).id,
      mediaType: "song",
      positionMs: "0",
      state: "playing",
      ...over,
    };
    return Object.entries(base)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${encodeURIComponent(v ?? "")}`)
      .join("&");
  };

  test("missing parameters answer 10, malformed ones 0, unknown media 70", async () => {
    const c = as("bad-input");
    expect(await c.code("reportPlayback")).toBe(10);
    for (const name of ["mediaId", "mediaType", "positionMs", "state"]) {
      expect({ name, code: await c.code("reportPlayback", q({ [name]: undefined })) }).toEqual({
        name,
        code: 10,
      });
      expect(await c.code("reportPlayback", q({ [name]: "" }))).toBe(10);
    }
    const malformed: Record<string, string>[] = [
      { mediaType: "video" },
      { mediaType: "Song" },
      { positionMs: "-1" },
      { positionMs: "1.5" },
      { positionMs: "abc" },
      { positionMs: "1e3" },
      { positionMs: "9999999999999999" },
      { state: "done" },
      { state: "PLAYING" },
      { playbackRate: "0" },
      { playbackRate: "-1" },
      { playbackRate: "abc" },
      { playbackRate: "Infinity" },
      { playbackRate: "1000" },
      { ignoreScrobble: "maybe" },
    ];
    for (const over of malformed) {
      expect({ over, code: await c.code("reportPlayback", q(over)) }).toEqual({ over, code: 0 });
    }
    const missing: Record<string, string>[] = [
      { mediaId: "tr-999999" },
      { mediaId: "al-1" },
      { mediaId: "1" },
      { mediaId: "tr-abc" },
      { mediaId: episode },
      { mediaType: "podcast" },
      { mediaType: "podcast", mediaId: "pe-999999" },
    ];
    for (const over of missing) {
      expect({ over, code: await c.code("reportPlayback", q(over)) }).toEqual({ over, code: 70 });
    }
    // Nothing was recorded by any of them.
    expect(await one("SELECT count(*) AS n FROM now_playing WHERE player = 'bad-input'")).toBe(0);
    expect(await one("SELECT count(*) AS n FROM plays")).toBe(0);
  });

  test("the spec's optional parameters take their defaults; a form POST works too", async () => {
    const c = as("defaults");
    await c.ok("reportPlayback", q({ playbackRate: "", ignoreScrobble: "" }));
    expect((await entryOf("defaults"))?.playbackRate).toBe(1);
    await c.ok("reportPlayback", q({ playbackRate: "1.5", ignoreScrobble: "true" }));
    expect((await entryOf("defaults"))?.playbackRate).toBe(1.5);
    const res = await t.request("/rest/reportPlayback", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `f=json&c=defaults&apiKey=${key}&${q({ state: "stopped", positionMs: "10" })}`,
    });
    expect(((await res.json()) as Json)["subsonic-response"].status).toBe("ok");
    expect(await entryOf("defaults")).toBeUndefined();
  });
});

describe("reportPlayback: now playing", () => {
  test("each state shows in getNowPlaying with its position; stopped removes the entry", async () => {
    const c = as("timeline");
    const song = track(1);
    await report(c, song.id, "starting", 0);
    let e = await entryOf("timeline");
    expect(e).toMatchObject({ id: song.id, state: "starting", positionMs: 0, playbackRate: 1 });
    expect(e).toMatchObject({ username: "admin", minutesAgo: 0 });
    expect(e?.playerId).toBeNumber();
    // Starting: the clock does not run (buffering).
    await rewind(1000);
    expect((await entryOf("timeline"))?.positionMs).toBe(0);

    await report(c, song.id, "playing", 100, "playbackRate=0.5");
    await rewind(1000);
    e = await entryOf("timeline");
    expect(e?.state).toBe("playing");
    // Estimated from the last report: 100 + 1000 ms × 0.5 (a few ms more for the request itself).
    expect(e?.positionMs).toBeGreaterThanOrEqual(600);
    expect(e?.positionMs).toBeLessThan(700);
    // Never past the end.
    await rewind(song.durationMs * 4);
    expect((await entryOf("timeline"))?.positionMs).toBe(song.durationMs);

    await report(c, song.id, "paused", 300);
    await rewind(60_000);
    e = await entryOf("timeline");
    expect(e).toMatchObject({ state: "paused", positionMs: 300, minutesAgo: 1 });

    // Another user sees it too.
    const other = as("bob-player", () => otherKey);
    const seen = (await entries(other.ok)).find((x) => x.playerName === "timeline");
    expect(seen).toMatchObject({ id: song.id, username: "admin", state: "paused" });

    await report(c, song.id, "stopped", 300);
    expect(await entryOf("timeline")).toBeUndefined();
  });

  test("a paused session ends 30 minutes after its last report", async () => {
    const c = as("long-pause");
    await report(c, track(2).id, "paused", 5);
    await rewind(SESSION_GRACE_MS - 5_000);
    expect(await entryOf("long-pause")).toBeDefined();
    await rewind(10_000);
    expect(await entryOf("long-pause")).toBeUndefined();
  });

  test("a live report wins over stream / scrobble entries of the same player", async () => {
    const c = as("mixed");
    const [a, b] = [track(3), track(4)];
    await c.ok("scrobble", `id=${a.id}&submission=false`);
    expect((await entryOf("mixed"))?.id).toBe(a.id);
    expect((await entryOf("mixed"))?.state).toBeUndefined();
    await report(c, b.id, "playing", 0, "ignoreScrobble=true");
    // A prefetch of the next track (stream or now-playing scrobble) does not replace the report.
    await c.ok("scrobble", `id=${a.id}&submission=false`);
    expect(await entryOf("mixed")).toMatchObject({ id: b.id, state: "playing" });
    const mine = (await entries()).filter((e) => e.playerName === "mixed");
    expect(mine.length).toBe(1);
    // Once the report stops, the plain entry shows again.
    await report(c, b.id, "stopped", 10, "ignoreScrobble=true");
    expect(await entryOf("mixed")).toMatchObject({ id: a.id });
    expect((await entryOf("mixed"))?.state).toBeUndefined();
  });

  test("podcast episodes show as now playing and never count a play", async () => {
    const c = as("podcatcher");
    const before = await one("SELECT count(*) AS n FROM plays");
    await report(c, episode, "starting", 0);
    await report(c, episode, "playing", 0);
    const e = await entryOf("podcatcher");
    expect(e).toMatchObject({ id: episode, type: "podcast", state: "playing", title: "Episode" });
    await rewind(400_000);
    await report(c, episode, "stopped", 400_000);
    expect(await entryOf("podcatcher")).toBeUndefined();
    expect(await one("SELECT count(*) AS n FROM plays")).toBe(before);
  });

  test("XML: OpenSubsonic clients get the timeline, legacy clients the 1.16.1 entry", async () => {
    const c = as("xml-player");
    await report(c, track(5).id, "playing", 1234);
    const normal = await (await t.request(`/rest/getNowPlaying?c=Symfonium&apiKey=${key}`)).text();
    const entry = normal.match(/<entry [^>]*playerName="xml-player"[^>]*\/?>/)?.[0] ?? "";
    expect(entry).toContain('state="playing"');
    expect(entry).toMatch(/positionMs="\d+"/);
    expect(entry).toContain('playbackRate="1"');
    const legacy = await (await t.request(`/rest/getNowPlaying?c=DSub&apiKey=${key}`)).text();
    const old = legacy.match(/<entry [^>]*playerName="xml-player"[^>]*\/?>/)?.[0] ?? "";
    expect(old).toContain(`id="${track(5).id}"`);
    expect(old).not.toContain("state=");
    expect(old).not.toContain("positionMs=");
    await report(c, track(5).id, "stopped", 1300);
  });
});

describe("reportPlayback: play counting", () => {
  test("a stop after half the song (or 4 minutes) counts one play, once", async () => {
    const c = as("counter");
    const song = track(6);
    await report(c, song.id, "starting", 0);
    await report(c, song.id, "playing", 0);
    await rewind(playThresholdMs(song.durationMs) + 50);
    await report(c, song.id, "stopped", Math.round(song.durationMs / 2) + 50);
    expect(await playsOf(song.n)).toBe(1);
    expect((await ok("getSong", `id=${song.id}`)).song.playCount).toBe(1);
    // Repeated stops, and the client's own scrobble of the same listen, count nothing more.
    await report(c, song.id, "stopped", song.durationMs);
    await c.ok("scrobble", `id=${song.id}&submission=true`);
    const startedAt = Date.now() - playThresholdMs(song.durationMs) - 50;
    await c.ok("scrobble", `id=${song.id}&submission=true&time=${startedAt}`);
    expect(await playsOf(song.n)).toBe(1);
    // A play from long before this listen (an offline scrobble) is another play.
    await c.ok("scrobble", `id=${song.id}&submission=true&time=${Date.now() - 3_600_000}`);
    expect(await playsOf(song.n)).toBe(2);
    // The same song again, from a new `starting`: a new listen, a new play.
    await report(c, song.id, "starting", 0);
    await report(c, song.id, "playing", 0);
    await rewind(song.durationMs);
    await report(c, song.id, "stopped", song.durationMs);
    expect(await playsOf(song.n)).toBe(3);
  });

  test("too little heard counts nothing; paused and starting time is not heard", async () => {
    const c = as("short-listen");
    const song = track(7);
    const threshold = playThresholdMs(song.durationMs);
    await report(c, song.id, "starting", 0);
    await rewind(threshold * 4); // buffering
    await report(c, song.id, "playing", 0);
    await rewind(threshold / 2);
    await report(c, song.id, "paused", Math.round(threshold / 2));
    await rewind(threshold * 4); // paused
    await report(c, song.id, "stopped", Math.round(threshold / 2));
    expect(await playsOf(song.n)).toBe(0);
    // Playing, pausing, playing again: the heard parts add up.
    await report(c, song.id, "starting", 0);
    await report(c, song.id, "playing", 0);
    await rewind(threshold * 0.6);
    await report(c, song.id, "paused", 0);
    await rewind(threshold * 10);
    await report(c, song.id, "playing", 0);
    expect(await playsOf(song.n)).toBe(0);
    await rewind(threshold * 0.6);
    await report(c, song.id, "playing", 0);
    // Counted as soon as a report shows enough heard, not only at the stop.
    expect(await playsOf(song.n)).toBe(1);
    await report(c, song.id, "stopped", 0);
    expect(await playsOf(song.n)).toBe(1);
  });

  test("a restart (`starting` again) begins a new listen: halves do not add up", async () => {
    const c = as("restarter");
    const song = track(8);
    const threshold = playThresholdMs(song.durationMs);
    for (let i = 0; i < 2; i++) {
      await report(c, song.id, "starting", 0);
      await report(c, song.id, "playing", 0);
      await rewind(threshold * 0.6);
    }
    await report(c, song.id, "stopped", 0);
    expect(await playsOf(song.n)).toBe(0);
  });

  test("playbackRate speeds up the heard time", async () => {
    const c = as("fast");
    const song = track(9);
    const threshold = playThresholdMs(song.durationMs);
    await report(c, song.id, "playing", 0, "playbackRate=2");
    await rewind(threshold * 0.6);
    await report(c, song.id, "stopped", 0);
    expect(await playsOf(song.n)).toBe(1);
  });

  test("ignoreScrobble: timeline only; the client's scrobble then counts, once", async () => {
    const c = as("self-scrobbler");
    const song = track(10);
    await report(c, song.id, "starting", 0, "ignoreScrobble=true");
    await report(c, song.id, "playing", 0, "ignoreScrobble=true");
    expect((await entryOf("self-scrobbler"))?.state).toBe("playing");
    await rewind(song.durationMs);
    await report(c, song.id, "stopped", song.durationMs, "ignoreScrobble=true");
    expect(await playsOf(song.n)).toBe(0);
    await c.ok("scrobble", `id=${song.id}&submission=true`);
    expect(await playsOf(song.n)).toBe(1);
    await c.ok("scrobble", `id=${song.id}&submission=true`);
    expect(await playsOf(song.n)).toBe(1);
  });

  test("a scrobble during the listen counts it; the stop then does not count again", async () => {
    const c = as("early-scrobbler");
    const song = track(11);
    await report(c, song.id, "starting", 0);
    await report(c, song.id, "playing", 0);
    await c.ok("scrobble", `id=${song.id}&submission=true`);
    expect(await playsOf(song.n)).toBe(1);
    await rewind(song.durationMs);
    await report(c, song.id, "stopped", song.durationMs);
    expect(await playsOf(song.n)).toBe(1);
    // Another player's scrobble of the same song is another listen.
    await as("elsewhere").ok("scrobble", `id=${song.id}&submission=true`);
    expect(await playsOf(song.n)).toBe(2);
  });

  test("the next song without a stop closes the previous listen", async () => {
    const c = as("gapless");
    const [a, b] = [track(12), track(13)];
    await report(c, a.id, "starting", 0);
    await report(c, a.id, "playing", 0);
    await rewind(a.durationMs);
    await report(c, b.id, "starting", 0);
    expect(await playsOf(a.n)).toBe(1);
    expect(await playsOf(b.n)).toBe(0);
    expect((await entryOf("gapless"))?.id).toBe(b.id);
    await report(c, b.id, "stopped", 0);
    // A stop for a song the player is not playing changes nothing.
    await report(c, a.id, "stopped", a.durationMs);
    expect(await playsOf(a.n)).toBe(1);
  });

  test("30 minutes after the planned end the session is over; a late stop counts nothing", async () => {
    const c = as("vanished");
    const song = track(14);
    await report(c, song.id, "starting", 0);
    await report(c, song.id, "playing", 0);
    expect(await entryOf("vanished")).toBeDefined();
    await rewind(song.durationMs + SESSION_GRACE_MS + 1000);
    expect(await entryOf("vanished")).toBeUndefined();
    await report(c, song.id, "stopped", song.durationMs);
    expect(await playsOf(song.n)).toBe(0);
    expect(await entryOf("vanished")).toBeUndefined();
  });

  test("players are independent: another client's reports do not touch this session", async () => {
    const [p1, p2] = [as("phone"), as("desktop")];
    const song = track(15);
    await report(p1, song.id, "playing", 0);
    await report(p2, song.id, "starting", 0);
    await rewind(song.durationMs);
    await report(p2, song.id, "stopped", 0);
    expect(await playsOf(song.n)).toBe(0);
    await report(p1, song.id, "stopped", song.durationMs);
    expect(await playsOf(song.n)).toBe(1);
  });
});

describe("step (the counting rule, clock-free)", () => {
  const song = { type: "song" as const, id: 1 };
  const r = (state: PlaybackReport["state"], extra: Partial<PlaybackReport> = {}) => ({
    media: song,
    positionMs: 0,
    state,
    playbackRate: 1,
    ignoreScrobble: false,
    ...extra,
  });
  const run = (reports: [number, PlaybackReport][], durationMs = 600_000) => {
    let s: Session | undefined;
    const counts: string[] = [];
    for (const [at, rep] of reports) {
      const out = step(s, rep, durationMs, at);
      if (out.count) counts.push(`${out.count}@${at}`);
      if (out.next) s = { ...out.next, counted: s?.counted || out.count === "current" };
    }
    return { s, counts };
  };

  test("thresholds: half the song, at most 4 minutes", () => {
    expect(playThresholdMs(60_000)).toBe(30_000);
    expect(playThresholdMs(3_600_000)).toBe(MAX_PLAY_THRESHOLD_MS);
    expect(playThresholdMs(0)).toBe(MAX_PLAY_THRESHOLD_MS);
  });

  test("a 10-minute song counts after 4 minutes heard, once", () => {
    const { counts, s } = run([
      [0, r("starting")],
      [5_000, r("playing")],
      [5_000 + 239_000, r("playing", { positionMs: 239_000 })],
      [5_000 + 241_000, r("playing", { positionMs: 241_000 })],
      [5_000 + 300_000, r("stopped", { positionMs: 300_000 })],
    ]);
    expect(counts).toEqual(["current@246000"]);
    expect(s?.heardMs).toBe(300_000);
    expect(s?.startedAt).toBe(0);
  });

  test("seeking never credits more than what is left of the song", () => {
    const { counts } = run(
      [
        [0, r("playing", { positionMs: 59_000 })],
        [120_000, r("stopped", { positionMs: 60_000 })],
      ],
      60_000,
    );
    expect(counts).toEqual([]);
  });

  test("podcasts and ignored reports never count", () => {
    const pod = { type: "podcast" as const, id: 1 };
    expect(
      run([
        [0, r("playing", { media: pod })],
        [700_000, r("stopped", { media: pod })],
      ]).counts,
    ).toEqual([]);
    expect(
      run([
        [0, r("playing", { ignoreScrobble: true })],
        [700_000, r("stopped", { ignoreScrobble: true })],
      ]).counts,
    ).toEqual([]);
  });

  test("a stray stop starts nothing; a stop ends the session", () => {
    expect(step(undefined, r("stopped"), 1000, 0)).toEqual({ continues: false });
    const { s } = run([
      [0, r("playing")],
      [1000, r("stopped")],
    ]);
    expect(s?.state).toBe("stopped");
    expect(step(s, r("stopped"), 600_000, 2000).next).toBeUndefined();
    // After a stop, playing again is a new listen.
    const again = step(s, r("playing", { positionMs: 10_000 }), 600_000, 3000);
    expect(again.continues).toBe(false);
    expect(again.next?.startedAt).toBe(3000 - 10_000);
  });
});

describe("getTopSongs by artist id (topSongsByArtistId)", () => {
  test("an artist id lists that artist's songs, most played first; id wins over the name", async () => {
    const song = (await ok("getSong", `id=${track(6).id}`)).song;
    const artistId = song.artistId as string;
    const top = (await ok("getTopSongs", `id=${artistId}&count=500`)).topSongs.song as Json[];
    const n = Number(artistId.slice(3));
    expect(top.length).toBe(
      await one(
        "SELECT count(DISTINCT track_id) AS n FROM track_artists WHERE artist_id = ? AND role = 'artist'",
        [n],
      ),
    );
    // track(6) has the most plays of all (3, from the counting tests above).
    expect(top[0]?.id).toBe(track(6).id);
    const limited = (await ok("getTopSongs", `id=${artistId}&count=1`)).topSongs.song as Json[];
    expect(limited.map((s) => s.id)).toEqual([track(6).id]);
    const byBoth = await ok("getTopSongs", `id=${artistId}&artist=Nobody%20At%20All&count=500`);
    expect(byBoth.topSongs.song.map((s: Json) => s.id)).toEqual(top.map((s) => s.id));
    // The name alone still works as before.
    const name = await t.ctx.database.client.execute({
      sql: "SELECT name FROM artists WHERE id = ?",
      args: [n],
    });
    const artistName = String(name.rows[0]?.name);
    const byName = await ok("getTopSongs", `artist=${encodeURIComponent(artistName)}&count=500`);
    expect(byName.topSongs.song[0]?.id).toBe(track(6).id);
  });

  test("bad input: wrong ids answer 70, nothing at all 10, a bad count 0", async () => {
    expect(await code("getTopSongs")).toBe(10);
    expect(await code("getTopSongs", "id=&artist=")).toBe(10);
    expect(await code("getTopSongs", "id=ar-999999")).toBe(70);
    expect(await code("getTopSongs", "id=al-1")).toBe(70);
    expect(await code("getTopSongs", "id=ar-x")).toBe(70);
    expect(await code("getTopSongs", "id=1&artist=Someone")).toBe(70);
    const artistId = (await ok("getArtists")).artists.index[0].artist[0].id;
    expect(await code("getTopSongs", `id=${artistId}&count=-1`)).toBe(0);
    expect((await ok("getTopSongs", `id=${artistId}&count=0`)).topSongs).toEqual({ song: [] });
  });
});
