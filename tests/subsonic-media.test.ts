import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";
import { pruneTranscodeCache } from "../audio/transcode.ts";
import type { LocalDispatcher } from "../jobs/local-dispatcher.ts";
import { startTestApp, type TestApp, tempDir } from "./helpers/app.ts";
import { makeTone } from "./helpers/audio-files.ts";

// biome-ignore lint/suspicious/noExplicitAny: answers are walked loosely in assertions.
type Json = { [k: string]: any };

let t: TestApp;
let key: string;
const root = tempDir("bandstand-media-");
const music = join(root, "music");
const withArt = join(music, "Artist A", "Album One", "01 Tone.mp3");
const noArt = join(music, "Artist B", "Album Two", "01 Long.flac");
const ids: Record<string, string> = {};

beforeAll(async () => {
  await makeTone(withArt, {
    seconds: 20,
    tags: { title: "Tone", artist: "Artist A", album: "Album One", track: "1" },
    args: ["-b:a", "192k"],
  });
  await makeTone(noArt, {
    seconds: 40,
    frequency: 660,
    tags: { title: "Long", artist: "Artist B", album: "Album Two", track: "1" },
  });
  const cover = await sharp({
    create: { width: 600, height: 400, channels: 3, background: { r: 200, g: 40, b: 40 } },
  })
    .jpeg()
    .toBuffer();
  writeFileSync(join(music, "Artist A", "Album One", "cover.jpg"), cover);
  // One transcode at a time, so the 429 test can hold the only slot.
  t = await startTestApp({
    BANDSTAND_MUSIC_DIR: music,
    BANDSTAND_AUTO_ANALYZE: "false",
    BANDSTAND_MAX_TRANSCODES: "1",
    BANDSTAND_TRANSCODE_CACHE_MB: "1",
  });
  await t.ctx.library.syncFolders();
  const admin = await t.ctx.users.create({
    username: "admin",
    password: "pw-pw-pw",
    role: "admin",
  });
  key = (await t.ctx.apiKeys.create(admin.id, "t")).key;
  const job = await t.ctx.jobs.enqueue("scan", {});
  await (t.ctx.queue as LocalDispatcher).drain(60_000);
  expect((await t.ctx.jobs.get(job.id))?.state).toBe("finished");
  const rs = await t.ctx.database.client.execute(
    "SELECT t.id, t.title, t.album_id, a.cover_art_id FROM tracks t JOIN albums a ON a.id = t.album_id",
  );
  for (const r of rs.rows) {
    ids[`tr:${r.title}`] = `tr-${r.id}`;
    ids[`al:${r.title}`] = `al-${r.album_id}`;
    if (r.cover_art_id) ids.cover = `co-${r.cover_art_id}`;
  }
}, 60_000);
afterAll(async () => {
  await t.close();
  rmSync(root, { recursive: true, force: true });
});

const get = (method: string, query = "", init?: RequestInit) =>
  t.request(`/rest/${method}?c=test&apiKey=${key}&${query}`, init);

async function failure(method: string, query = ""): Promise<number | undefined> {
  const res = await get(method, `f=json&${query}`);
  expect(res.status).toBe(200);
  const body = ((await res.json()) as { "subsonic-response": Json })["subsonic-response"];
  expect(body.status).toBe("failed");
  return body.error?.code;
}

/** Duration in seconds and codec of audio bytes, as ffprobe reads them. */
async function probe(bytes: Uint8Array): Promise<{ seconds: number; codec: string }> {
  const file = join(root, `probe-${crypto.randomUUID()}`);
  writeFileSync(file, bytes);
  const proc = Bun.spawn(
    [
      "ffprobe",
      "-v",
      "error",
      "-show_entries",
      "format=duration:stream=codec_name",
      "-of",
      "json",
      file,
    ],
    { stdout: "pipe", stderr: "ignore" },
  );
  const out = JSON.parse(await new Response(proc.stdout).text()) as Json;
  await proc.exited;
  return { seconds: Number(out.format.duration), codec: out.streams[0].codec_name };
}

const cacheDir = () => join(t.dataDir, "transcode-cache");
const cached = () => readdirSync(cacheDir()).filter((f) => !f.endsWith(".tmp"));

describe("stream and download", () => {
  test("the whole file, byte for byte, with its headers", async () => {
    const res = await get("stream", `id=${ids["tr:Tone"]}`);
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const file = await Bun.file(withArt).bytes();
    expect(bytes).toEqual(file);
    expect(res.headers.get("content-type")).toBe("audio/mpeg");
    expect(res.headers.get("content-length")).toBe(String(file.length));
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(Date.parse(res.headers.get("last-modified") ?? "")).toBeGreaterThan(0);
  });

  test("Range answers 206 with the slice; suffix ranges; 416 past the end", async () => {
    const file = await Bun.file(withArt).bytes();
    const res = await get("stream.view", `id=${ids["tr:Tone"]}`, {
      headers: { Range: "bytes=100-1099" },
    });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 100-1099/${file.length}`);
    expect(res.headers.get("content-length")).toBe("1000");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(file.slice(100, 1100));
    const tail = await get("stream", `id=${ids["tr:Tone"]}`, { headers: { Range: "bytes=-10" } });
    expect(tail.status).toBe(206);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(file.slice(-10));
    const past = await get("stream", `id=${ids["tr:Tone"]}`, {
      headers: { Range: `bytes=${file.length}-` },
    });
    expect(past.status).toBe(416);
  });

  test("HEAD: headers and length, no body; POST works too", async () => {
    const size = Bun.file(withArt).size;
    const head = await get("stream", `id=${ids["tr:Tone"]}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(size));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    const post = await t.request("/rest/download.view", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `c=test&apiKey=${key}&id=${ids["tr:Tone"]}`,
    });
    expect(post.status).toBe(200);
    expect((await post.arrayBuffer()).byteLength).toBe(size);
    expect(post.headers.get("content-disposition")).toContain('filename="01 Tone.mp3"');
  });

  test("streaming never records a play", async () => {
    await (await get("stream", `id=${ids["tr:Tone"]}`)).arrayBuffer();
    const rs = await t.ctx.database.client.execute("SELECT count(*) AS n FROM plays");
    expect(Number(rs.rows[0]?.n)).toBe(0);
  });

  test("now playing is written when the track changes, not for every Range request", async () => {
    const entry = async () =>
      (
        await t.ctx.database.client.execute(
          "SELECT track_id, updated_at FROM now_playing WHERE player = 'np-test'",
        )
      ).rows.map((r) => [Number(r.track_id), Number(r.updated_at)]);
    const tone = ids["tr:Tone"] ?? "";
    const long = ids["tr:Long"] ?? "";
    const stream = (id: string, init?: RequestInit) =>
      t.request(`/rest/stream?c=np-test&apiKey=${key}&id=${id}`, init);
    await (await stream(tone)).arrayBuffer();
    const first = await entry();
    expect(first).toHaveLength(1);
    await Bun.sleep(5);
    const range = { headers: { range: "bytes=0-99" } };
    await (await stream(tone, range)).arrayBuffer();
    expect(await entry()).toEqual(first);
    await (await stream(long, range)).arrayBuffer();
    const next = await entry();
    expect(next[0]?.[0]).toBe(Number(long.slice(3)));
    expect(next[0]?.[1]).toBeGreaterThan(first[0]?.[1] ?? 0);
  });

  test("bad ids: missing 10, unknown / wrong kind / path tricks 70", async () => {
    expect(await failure("stream")).toBe(10);
    expect(await failure("download")).toBe(10);
    for (const id of ["tr-999999", "al-1", "tr-../../etc/passwd", "tr-1/../../x", "../etc"]) {
      expect(await failure("stream", `id=${encodeURIComponent(id)}`)).toBe(70);
      expect(await failure("download", `id=${encodeURIComponent(id)}`)).toBe(70);
    }
    expect(await failure("stream", `id=${ids["tr:Tone"]}&timeOffset=abc`)).toBe(0);
  });
});

describe("transcoding", () => {
  test("mp3 at 96 kbps: audio/mpeg that ffprobe reads, with the source's duration", async () => {
    const started = performance.now();
    const res = await get("stream", `id=${ids["tr:Tone"]}&format=mp3&maxBitRate=96`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("audio/mpeg");
    const bytes = new Uint8Array(await res.arrayBuffer());
    const elapsed = performance.now() - started;
    const p = await probe(bytes);
    expect(p.codec).toBe("mp3");
    expect(Math.abs(p.seconds - 20)).toBeLessThan(0.5);
    // 96 kbps for 20 s ≈ 240 kB (the 192 kbps source is twice that).
    expect(bytes.length).toBeGreaterThan(200_000);
    expect(bytes.length).toBeLessThan(280_000);
    console.log(`transcode 20 s → mp3 96k: ${elapsed.toFixed(0)} ms`);
  });

  test("the same request again comes from the cache, with Range", async () => {
    expect(cached().length).toBe(1);
    const full = await (
      await get("stream", `id=${ids["tr:Tone"]}&format=mp3&maxBitRate=96`)
    ).arrayBuffer();
    const res = await get("stream", `id=${ids["tr:Tone"]}&format=mp3&maxBitRate=96`, {
      headers: { Range: "bytes=0-99" },
    });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 0-99/${full.byteLength}`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array(full).slice(0, 100));
    expect(cached().length).toBe(1);
  });

  test("maxBitRate alone transcodes to mp3 only when the source exceeds it", async () => {
    const size = Bun.file(withArt).size;
    const under = await get("stream", `id=${ids["tr:Tone"]}&maxBitRate=320`);
    expect((await under.arrayBuffer()).byteLength).toBe(size);
    const raw = await get("stream", `id=${ids["tr:Tone"]}&format=raw&maxBitRate=64`);
    expect((await raw.arrayBuffer()).byteLength).toBe(size);
    const over = await get("stream", `id=${ids["tr:Long"]}&maxBitRate=64`);
    expect(over.headers.get("content-type")).toBe("audio/mpeg");
    expect((await probe(new Uint8Array(await over.arrayBuffer()))).codec).toBe("mp3");
  });

  test("timeOffset skips the start; opus and aac come out as such", async () => {
    const res = await get("stream", `id=${ids["tr:Tone"]}&format=mp3&timeOffset=15`);
    const p = await probe(new Uint8Array(await res.arrayBuffer()));
    expect(Math.abs(p.seconds - 5)).toBeLessThan(0.5);
    for (const [format, codec, mime] of [
      ["opus", "opus", "audio/ogg"],
      ["aac", "aac", "audio/aac"],
    ]) {
      const r = await get("stream", `id=${ids["tr:Tone"]}&format=${format}&timeOffset=17`);
      expect(r.headers.get("content-type")).toBe(mime ?? "");
      expect((await probe(new Uint8Array(await r.arrayBuffer()))).codec).toBe(codec ?? "");
    }
  });

  test("over the transcode limit: 429 with Retry-After; the slot frees when the client leaves", async () => {
    const held = await get("stream", `id=${ids["tr:Long"]}&format=mp3&maxBitRate=128`);
    expect(held.status).toBe(200);
    const reader = held.body?.getReader();
    await reader?.read();
    // Unread output stalls ffmpeg (backpressure), so the slot is still taken a while later.
    await Bun.sleep(1500);
    const busy = await get("stream", `id=${ids["tr:Tone"]}&format=opus&maxBitRate=64`);
    expect(busy.status).toBe(429);
    expect(Number(busy.headers.get("retry-after"))).toBeGreaterThan(0);
    // A cached transcode needs no slot.
    const hit = await get("stream", `id=${ids["tr:Tone"]}&format=mp3&maxBitRate=96`);
    expect(hit.status).toBe(200);
    await hit.arrayBuffer();
    await reader?.cancel();
    let status = 429;
    for (let i = 0; i < 50 && status === 429; i++) {
      const r = await get("stream", `id=${ids["tr:Tone"]}&format=opus&maxBitRate=64`);
      status = r.status;
      await r.arrayBuffer();
      if (status === 429) await Bun.sleep(50);
    }
    expect(status).toBe(200);
    // The abandoned transcode left no partial file behind.
    expect(readdirSync(cacheDir()).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  test("HLS playlist: 10 s segments pointing at stream with the caller's credentials", async () => {
    const res = await get("hls.m3u8", `id=${ids["tr:Tone"]}&bitRate=128`);
    expect(res.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
    const text = await res.text();
    const lines = text.trim().split("\n");
    expect(lines[0]).toBe("#EXTM3U");
    expect(text).toContain("#EXT-X-TARGETDURATION:10");
    expect(lines.at(-1)).toBe("#EXT-X-ENDLIST");
    const segments = lines.filter((l) => l.startsWith("stream?"));
    expect(segments.length).toBe(2);
    expect(lines.filter((l) => l.startsWith("#EXTINF:")).length).toBe(2);
    const url = new URL(segments[1] ?? "", "http://x/rest/");
    expect(url.searchParams.get("apiKey")).toBe(key);
    expect(url.searchParams.get("timeOffset")).toBe("10");
    const seg = await t.request(`/rest/${segments[1]}`);
    expect(seg.headers.get("content-type")).toBe("audio/mpeg");
    const p = await probe(new Uint8Array(await seg.arrayBuffer()));
    expect(Math.abs(p.seconds - 10)).toBeLessThan(0.5);
  });

  test("clean-cache trims the transcode cache to its bound, oldest used first", async () => {
    const dir = cacheDir();
    const before = cached();
    const now = Date.now() / 1000;
    // Four 400 kB entries against a 1 MB bound: the two most recently used stay.
    for (let i = 0; i < 4; i++) {
      const path = join(dir, `fake-${i}.mp3`);
      writeFileSync(path, new Uint8Array(400_000));
      utimesSync(path, now - 1000 * (i + 1), now - 1000 * (i + 1));
    }
    for (const f of before) utimesSync(join(dir, f), now - 10_000, now - 10_000);
    const job = await t.ctx.jobs.enqueue("clean-cache", {});
    await (t.ctx.queue as LocalDispatcher).drain(30_000);
    expect((await t.ctx.jobs.get(job.id))?.state).toBe("finished");
    expect(cached().sort()).toEqual(["fake-0.mp3", "fake-1.mp3"]);
    // Under the bound nothing goes.
    expect((await pruneTranscodeCache(dir, 10_000_000)).deleted).toBe(0);
  });
});

describe("cover art", () => {
  const decode = async (res: Response) => sharp(Buffer.from(await res.arrayBuffer())).metadata();

  test("an album's folder cover, resized, with ETag and 304", async () => {
    const started = performance.now();
    const res = await get("getCoverArt", `id=${ids["al:Tone"]}&size=128`);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/jpeg");
    const meta = await decode(res);
    expect([meta.width, meta.height]).toEqual([128, 85]);
    const etag = res.headers.get("etag") ?? "";
    expect(etag).toBe(`"${ids.cover}-128"`);
    const again = await get("getCoverArt", `id=${ids["al:Tone"]}&size=128`, {
      headers: { "If-None-Match": etag },
    });
    expect(again.status).toBe(304);
    console.log(`cover resize 600×400 → 128: ${elapsed.toFixed(0)} ms`);
  });

  test("co- ids are immutable; tr- ids resolve to their album's cover; no size = original", async () => {
    const co = await get("getCoverArt", `id=${ids.cover}&size=300`);
    expect(co.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await decode(co)).width).toBe(300);
    const tr = await get("getCoverArt", `id=${ids["tr:Tone"]}&size=64`);
    expect(tr.headers.get("etag")).toBe(`"${ids.cover}-64"`);
    expect((await decode(tr)).width).toBe(64);
    const orig = await get("getCoverArt", `id=${ids.cover}`);
    expect((await decode(orig)).width).toBe(600);
  });

  test("an album without art gets a placeholder of the requested size", async () => {
    const res = await get("getCoverArt", `id=${ids["al:Long"]}&size=77`);
    expect(res.headers.get("content-type")).toBe("image/png");
    const meta = await decode(res);
    expect([meta.width, meta.height]).toEqual([77, 77]);
  });

  test("bad ids and sizes are Subsonic errors", async () => {
    expect(await failure("getCoverArt")).toBe(10);
    expect(await failure("getCoverArt", `id=co-${"0".repeat(64)}`)).toBe(70);
    expect(await failure("getCoverArt", "id=al-999999")).toBe(70);
    expect(await failure("getCoverArt", "id=co-../../secret.key")).toBe(70);
    for (const size of ["0", "2049", "abc", "-5"]) {
      expect(await failure("getCoverArt", `id=${ids.cover}&size=${size}`)).toBe(0);
    }
  });

  test("getAvatar: a placeholder for a user, 70 for nobody", async () => {
    const res = await get("getAvatar", "username=admin");
    expect(res.headers.get("content-type")).toBe("image/png");
    expect((await decode(res)).width).toBe(256);
    expect(await failure("getAvatar", "username=nobody")).toBe(70);
    expect(await failure("getAvatar")).toBe(10);
  });
});

describe("video", () => {
  test("no videos; video info and captions are not found", async () => {
    const res = await get("getVideos", "f=json");
    const body = ((await res.json()) as Json)["subsonic-response"];
    expect(body.status).toBe("ok");
    expect(body.videos).toEqual({ video: [] });
    expect(await failure("getVideoInfo", "id=v-1")).toBe(70);
    expect(await failure("getCaptions", "id=v-1")).toBe(70);
  });
});
