import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { LocalDispatcher } from "../jobs/local-dispatcher.ts";
import { parseDuration, parseFeed } from "../library/podcast-feed.ts";
import { startTestApp, type TestApp, tempDir } from "./helpers/app.ts";
import { makeTone } from "./helpers/audio-files.ts";
import { type Json, subsonicCaller } from "./helpers/subsonic.ts";

let t: TestApp;
let adminKey: string;
let userKey: string;
let server: ReturnType<typeof Bun.serve>;
let base = "";
let episodeBytes: Uint8Array<ArrayBuffer>;
const work = tempDir("bandstand-podcasts-");
const music = join(work, "music");

const feed = (items: string) => `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
  <channel>
    <title>Test &amp; Cast</title>
    <description><![CDATA[A <b>podcast</b> for tests]]></description>
    <itunes:image href="${base}/cover.jpg"/>
    ${items}
  </channel>
</rss>`;

const goodFeed = () =>
  feed(`
    <item>
      <title>Episode One</title>
      <guid isPermaLink="false">ep-1</guid>
      <pubDate>Tue, 02 Jan 2024 10:00:00 GMT</pubDate>
      <description>First &lt;episode&gt;</description>
      <enclosure url="${base}/ep1.mp3" length="${episodeBytes.length}" type="audio/mpeg"/>
      <itunes:duration>01:05</itunes:duration>
    </item>
    <item>
      <title>Episode Two</title>
      <guid>ep-2</guid>
      <pubDate>the day after yesterday</pubDate>
      <enclosure url="${base}/ep2.mp3" length="123" type="audio/mpeg"/>
      <itunes:duration>1:02:03</itunes:duration>
    </item>
    <item>
      <title>Episode Three (no audio)</title>
      <guid>ep-3</guid>
      <pubDate>Wed, 03 Jan 2024 10:00:00 GMT</pubDate>
    </item>`);

beforeAll(async () => {
  const mp3 = await makeTone(join(work, "ep1.mp3"), { seconds: 2 });
  episodeBytes = new Uint8Array(readFileSync(mp3));
  await makeTone(join(music, "Artist", "song.mp3"), {
    seconds: 1,
    tags: { title: "Song", artist: "Artist", album: "Album" },
  });
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      const path = new URL(req.url).pathname;
      switch (path) {
        case "/feed.xml":
          return new Response(goodFeed(), { headers: { "Content-Type": "application/rss+xml" } });
        case "/big-feed.xml":
          return new Response(feed(`<!-- ${"x".repeat(6 * 1024 * 1024)} -->`));
        case "/bad.xml":
          return new Response("<rss><channel><title>broken</title><item></channel></rss>");
        case "/html":
          return new Response("<html><body>not a feed</body></html>");
        case "/bomb.xml":
          return new Response(
            `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]><rss><channel><title>&b;</title></channel></rss>`,
          );
        case "/to-file":
          return new Response(null, { status: 302, headers: { Location: "file:///etc/passwd" } });
        case "/huge-feed.xml":
          return new Response(
            feed(`<item><guid>h</guid><enclosure url="${base}/huge.mp3"/></item>`),
          );
        case "/huge.mp3":
          return new Response(new Uint8Array(1024 * 1024 + 10), {
            headers: { "Content-Type": "audio/mpeg" },
          });
        case "/ep1.mp3":
          return new Response(episodeBytes, { headers: { "Content-Type": "audio/mpeg" } });
        default:
          return new Response("not found", { status: 404 });
      }
    },
  });
  base = `http://127.0.0.1:${server.port}`;
  t = await startTestApp({
    BANDSTAND_MUSIC_DIR: music,
    BANDSTAND_AUTO_ANALYZE: "false",
    BANDSTAND_PODCAST_MAX_MB: "1",
  });
  await t.ctx.library.syncFolders();
  const admin = await t.ctx.users.create({
    username: "admin",
    password: "pass-word",
    role: "admin",
  });
  adminKey = (await t.ctx.apiKeys.create(admin.id, "t")).key;
  const user = await t.ctx.users.create({ username: "alice", password: "pass-word" });
  userKey = (await t.ctx.apiKeys.create(user.id, "t")).key;
}, 60_000);

afterAll(async () => {
  await t.close();
  server.stop(true);
  rmSync(work, { recursive: true, force: true });
});

const { ok, code } = subsonicCaller(
  () => t,
  () => adminKey,
  "pod-client",
);

const drain = () => (t.ctx.queue as LocalDispatcher).drain(20_000);

/** Subscribes (as admin), runs the refresh and answers the channel as getPodcasts shows it. */
async function subscribe(path: string): Promise<Json> {
  await ok("createPodcastChannel", `url=${encodeURIComponent(base + path)}`);
  await drain();
  const channels = (await ok("getPodcasts")).podcasts.channel as Json[];
  const c = channels.find((ch) => ch.url === base + path);
  if (!c) throw new Error(`no channel for ${path}`);
  return c;
}

const byTitle = (episodes: Json[], title: string): Json => {
  const e = episodes.find((x) => x.title === title);
  if (!e) throw new Error(`no episode ${title}`);
  return e;
};

describe("podcast feed parsing", () => {
  test("durations and hostile input", () => {
    expect(parseDuration("65")).toBe(65);
    expect(parseDuration("01:05")).toBe(65);
    expect(parseDuration("1:02:03")).toBe(3723);
    expect(parseDuration("soon")).toBeNull();
    expect(() => parseFeed("<rss><channel>")).toThrow();
    expect(() => parseFeed("")).toThrow();
    expect(() => parseFeed("<html/>")).toThrow(/RSS/);
    const f = parseFeed(
      `<rss><channel><item><guid>a</guid><enclosure url="javascript:alert(1)"/></item><item><guid>a</guid></item><item/></channel></rss>`,
    );
    // Non-http enclosures are dropped, repeated guids and key-less items are ignored.
    expect(f.items.length).toBe(1);
    expect(f.items[0]?.enclosure).toBeNull();
  });
});

describe("podcasts", () => {
  let channel: Json;

  test("createPodcastChannel needs admin; a refresh stores the episodes", async () => {
    expect(
      await code("createPodcastChannel", `url=${encodeURIComponent(`${base}/feed.xml`)}`, userKey),
    ).toBe(50);
    expect(await code("createPodcastChannel", "url=ftp%3A%2F%2Fexample.org%2Ffeed")).toBe(0);
    expect(await code("createPodcastChannel")).toBe(10);

    channel = await subscribe("/feed.xml");
    expect(channel.id).toMatch(/^pc-\d+$/);
    expect(channel.title).toBe("Test & Cast");
    expect(channel.description).toBe("A <b>podcast</b> for tests");
    expect(channel.originalImageUrl).toBe(`${base}/cover.jpg`);
    expect(channel.status).toBe("completed");
    const episodes = channel.episode as Json[];
    expect(episodes.length).toBe(3);

    const one = byTitle(episodes, "Episode One");
    expect(one.id).toMatch(/^pe-\d+$/);
    expect(one.channelId).toBe(channel.id);
    expect(one.status).toBe("new");
    expect(one.streamId).toBeUndefined();
    expect(one.publishDate).toBe("2024-01-02T10:00:00.000Z");
    expect(one.duration).toBe(65);
    expect(one.size).toBe(episodeBytes.length);
    expect(one.contentType).toBe("audio/mpeg");
    expect(one.description).toBe("First <episode>");

    const two = byTitle(episodes, "Episode Two");
    expect(two.publishDate).toBeUndefined();
    expect(two.duration).toBe(3723);
    const three = byTitle(episodes, "Episode Three (no audio)");
    expect(three.status).toBe("skipped");

    // Users read podcasts; a refresh again (and a second subscribe) adds nothing.
    await ok("getPodcasts", "includeEpisodes=false", userKey);
    await ok("createPodcastChannel", `url=${encodeURIComponent(`${base}/feed.xml`)}`);
    await ok("refreshPodcasts");
    await drain();
    const again = (await ok("getPodcasts", `id=${channel.id}`, userKey)).podcasts.channel as Json[];
    expect(again.length).toBe(1);
    expect(again[0]?.episode.length).toBe(3);
    const bare = (await ok("getPodcasts", `id=${channel.id}&includeEpisodes=false`)).podcasts
      .channel[0];
    expect(bare.episode).toBeUndefined();
    expect(await code("getPodcasts", "id=pc-999999")).toBe(70);
    expect(await code("getPodcasts", "id=tr-1")).toBe(70);
    expect(await code("refreshPodcasts", "", userKey)).toBe(50);
  });

  test("getNewestPodcasts: newest first, undated last; getPodcastEpisode", async () => {
    const newest = (await ok("getNewestPodcasts", "count=10", userKey)).newestPodcasts
      .episode as Json[];
    expect(newest.map((e) => e.title)).toEqual([
      "Episode Three (no audio)",
      "Episode One",
      "Episode Two",
    ]);
    const limited = (await ok("getNewestPodcasts", "count=1")).newestPodcasts.episode as Json[];
    expect(limited.length).toBe(1);
    const id = byTitle(newest, "Episode One").id;
    const got = (await ok("getPodcastEpisode", `id=${id}`, userKey)).podcastEpisode;
    expect(got.id).toBe(id);
    expect(got.title).toBe("Episode One");
    expect(await code("getPodcastEpisode", "id=pe-999999")).toBe(70);
    const ext = (await ok("getOpenSubsonicExtensions")).openSubsonicExtensions as Json[];
    expect(ext.map((e) => e.name)).toContain("getPodcastEpisode");
  });

  test("download, stream with Range, delete", async () => {
    const one = byTitle(channel.episode, "Episode One");
    expect(await code("stream", `id=${one.id}`)).toBe(70);
    expect(await code("downloadPodcastEpisode", `id=${one.id}`, userKey)).toBe(50);
    await ok("downloadPodcastEpisode", `id=${one.id}`);
    await drain();
    const done = (await ok("getPodcastEpisode", `id=${one.id}`)).podcastEpisode;
    expect(done.status).toBe("completed");
    expect(done.streamId).toBe(one.id);
    const n = one.id.slice(3);
    const file = join(t.dataDir, "podcasts", channel.id.slice(3), `${n}.mp3`);
    expect(existsSync(file)).toBe(true);
    expect(new Uint8Array(readFileSync(file))).toEqual(episodeBytes);

    // Delivered twice (at-least-once): the second run leaves the file as it is.
    await t.ctx.jobs.enqueue("download-podcast-episode", { episodeId: Number(n) });
    await drain();
    expect(existsSync(file)).toBe(true);

    const whole = await t.request(`/rest/stream?apiKey=${userKey}&c=x&id=${one.id}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("audio/mpeg");
    expect(new Uint8Array(await whole.arrayBuffer())).toEqual(episodeBytes);
    const part = await t.request(`/rest/stream?apiKey=${userKey}&c=x&id=${one.id}`, {
      headers: { Range: "bytes=10-19" },
    });
    expect(part.status).toBe(206);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(episodeBytes.slice(10, 20));
    const dl = await t.request(`/rest/download?apiKey=${userKey}&id=${one.id}`);
    expect(dl.status).toBe(200);
    expect(dl.headers.get("content-disposition")).toContain("attachment");
    await dl.arrayBuffer();

    // A failing enclosure (404) marks the episode, not the channel.
    const two = byTitle(channel.episode, "Episode Two");
    await ok("downloadPodcastEpisode", `id=${two.id}`);
    await drain();
    const failed = (await ok("getPodcastEpisode", `id=${two.id}`)).podcastEpisode;
    expect(failed.status).toBe("error");
    const three = byTitle(channel.episode, "Episode Three (no audio)");
    expect(await code("downloadPodcastEpisode", `id=${three.id}`)).toBe(0);

    expect(await code("deletePodcastEpisode", `id=${one.id}`, userKey)).toBe(50);
    await ok("deletePodcastEpisode", `id=${one.id}`);
    expect(existsSync(file)).toBe(false);
    const deleted = (await ok("getPodcastEpisode", `id=${one.id}`)).podcastEpisode;
    expect(deleted.status).toBe("deleted");
    expect(await code("stream", `id=${one.id}`)).toBe(70);
    // A refresh does not bring a deleted episode back.
    await ok("refreshPodcasts");
    await drain();
    expect((await ok("getPodcastEpisode", `id=${one.id}`)).podcastEpisode.status).toBe("deleted");
    const newest = (await ok("getNewestPodcasts")).newestPodcasts.episode as Json[];
    expect(newest.map((e) => e.id)).not.toContain(one.id);
  });

  test("an episode over BANDSTAND_PODCAST_MAX_MB is refused and leaves no file", async () => {
    const c = await subscribe("/huge-feed.xml");
    const e = c.episode[0];
    await ok("downloadPodcastEpisode", `id=${e.id}`);
    await drain();
    const got = (await ok("getPodcastEpisode", `id=${e.id}`)).podcastEpisode;
    expect(got.status).toBe("error");
    const dir = join(t.dataDir, "podcasts", c.id.slice(3));
    expect(existsSync(dir) ? [...new Bun.Glob("*").scanSync({ cwd: dir, dot: true })] : []).toEqual(
      [],
    );
  });

  test("malformed, oversized, hostile and redirected feeds mark the channel", async () => {
    for (const path of ["/bad.xml", "/big-feed.xml", "/html", "/bomb.xml", "/to-file", "/404"]) {
      const c = await subscribe(path);
      expect(c.status).toBe("error");
      expect(typeof c.errorMessage).toBe("string");
      expect(c.episode).toEqual([]);
    }
    const big = await subscribe("/big-feed.xml");
    expect(big.errorMessage).toContain("larger than");
    const redirected = await subscribe("/to-file");
    expect(redirected.errorMessage).toContain("file:");
  });

  test("deletePodcastChannel removes the channel, its episodes and files", async () => {
    expect(await code("deletePodcastChannel", `id=${channel.id}`, userKey)).toBe(50);
    await ok("deletePodcastChannel", `id=${channel.id}`);
    expect(await code("getPodcasts", `id=${channel.id}`)).toBe(70);
    expect(existsSync(join(t.dataDir, "podcasts", channel.id.slice(3)))).toBe(false);
    expect(await code("deletePodcastChannel", `id=${channel.id}`)).toBe(70);
  });
});

describe("now playing from streams", () => {
  test("stream shows the track in getNowPlaying without counting a play", async () => {
    const job = await t.ctx.jobs.enqueue("scan", {});
    await drain();
    expect((await t.ctx.jobs.get(job.id))?.state).toBe("finished");
    const rs = await t.ctx.database.client.execute("SELECT id FROM tracks LIMIT 1");
    const id = `tr-${rs.rows[0]?.id}`;
    const res = await t.request(`/rest/stream?apiKey=${userKey}&c=streamer&id=${id}`);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const entries = (await ok("getNowPlaying", "", userKey)).nowPlaying.entry as Json[];
    const mine = entries.find((e) => e.username === "alice" && e.playerName === "streamer");
    expect(mine?.id).toBe(id);
    const plays = await t.ctx.database.client.execute("SELECT count(*) AS n FROM plays");
    expect(Number(plays.rows[0]?.n)).toBe(0);
  });
});
