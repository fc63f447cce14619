/**
 * A third-party Subsonic client (`subsonic-api` from npm) against a real server process:
 * token and API-key auth, GET and form POST. The client never checks `status`, so every
 * answer goes through `ok()` and its content is asserted.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import SubsonicAPI, { type Child, type SubsonicBaseResponse } from "subsonic-api";
import { generateLibrary } from "../scripts/generate-library.ts";
import { tempDir } from "./helpers/app.ts";
import { runCli, type ServerProcess, startServer } from "./helpers/process.ts";

const dir = tempDir("bandstand-client-");
const env = {
  BANDSTAND_DATA_DIR: join(dir, "data"),
  BANDSTAND_MUSIC_DIR: join(dir, "music"),
  BANDSTAND_ADMIN_USER: "admin",
  BANDSTAND_ADMIN_PASSWORD: "admin-pw",
  BANDSTAND_AUTO_ANALYZE: "false",
};
const TRACKS = 150;

let server: ServerProcess;
let tokenGet: SubsonicAPI;
let tokenPost: SubsonicAPI;
let keyGet: SubsonicAPI;
let keyPost: SubsonicAPI;
const transports = () =>
  [
    ["token GET", tokenGet],
    ["token POST", tokenPost],
    ["apiKey GET", keyGet],
    ["apiKey POST", keyPost],
  ] as const;

/** Throws the server's error when the answer is not "ok" (the client itself never looks). */
async function ok<T extends SubsonicBaseResponse>(answer: Promise<T>): Promise<T> {
  const r = await answer;
  if (r.status !== "ok") throw new Error(`failed: ${JSON.stringify(r.error)}`);
  return r;
}

async function failed(answer: Promise<SubsonicBaseResponse>): Promise<number> {
  const r = await answer;
  if (r.status !== "failed") throw new Error("expected a failed answer");
  return r.error.code;
}

function must<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`missing: ${what}`);
  return value;
}

const ids = (xs: { id: string }[] | undefined) => (xs ?? []).map((x) => x.id);

beforeAll(async () => {
  await generateLibrary(env.BANDSTAND_MUSIC_DIR, { tracks: TRACKS, seed: 11, brokenEvery: 0 });
  server = await startServer(env);
  const created = await runCli(["apikey", "create", "admin"], env);
  expect(created.code).toBe(0);
  const apiKey = created.stdout.trim();
  const auth = { username: "admin", password: "admin-pw" };
  tokenGet = new SubsonicAPI({ url: server.url, auth });
  tokenPost = new SubsonicAPI({ url: server.url, auth, post: true });
  keyGet = new SubsonicAPI({ url: server.url, auth: { apiKey } });
  keyPost = new SubsonicAPI({ url: server.url, auth: { apiKey }, post: true });
  // The start enqueues a scan: wait until it has finished and counted every track.
  const until = Date.now() + 30_000;
  for (;;) {
    const s = (await ok(keyGet.getScanStatus())).scanStatus;
    if (!s.scanning && (s.count ?? 0) >= TRACKS) break;
    if (Date.now() > until) throw new Error(`scan did not finish: ${JSON.stringify(s)}`);
    await Bun.sleep(100);
  }
}, 60_000);

afterAll(async () => {
  if (server && server.proc.exitCode === null) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("subsonic-api client against a real server", () => {
  test("ping, license, extensions and folders over every auth × transport", async () => {
    await Promise.all(
      transports().map(async ([name, api]) => {
        const pong = await ok(api.ping());
        expect(pong.version, name).toMatch(/^1\.\d+\.\d+$/);
        expect((await ok(api.getLicense())).license.valid).toBe(true);
        const ext = (await ok(api.getOpenSubsonicExtensions())).openSubsonicExtensions;
        expect(ext.map((e) => e.name)).toContain("formPost");
        expect(ext.map((e) => e.name)).toContain("apiKeyAuthentication");
        const folders = (await ok(api.getMusicFolders())).musicFolders.musicFolder ?? [];
        expect(folders.length).toBeGreaterThanOrEqual(1);
      }),
    );
    // A wrong password fails with 40 whatever the transport.
    const wrong = new SubsonicAPI({
      url: server.url,
      auth: { username: "admin", password: "nope" },
      post: true,
    });
    expect(await failed(wrong.ping())).toBe(40);
  });

  test("browse by tags: artists → artist → album → song, over every auth × transport", async () => {
    await Promise.all(
      transports().map(async ([name, api]) => {
        const index = (await ok(api.getArtists())).artists.index ?? [];
        const artists = index.flatMap((i) => i.artist ?? []);
        expect(artists.length, name).toBeGreaterThan(3);
        const artist = (await ok(api.getArtist({ id: must(artists[0], "artist").id }))).artist;
        expect(artist.album?.length).toBe(artist.albumCount);
        const album = (await ok(api.getAlbum({ id: must(artist.album?.[0], "album").id }))).album;
        expect(album.artistId).toBe(artist.id);
        expect(album.song?.length).toBe(album.songCount);
        const first = must(album.song?.[0], "song");
        const song = (await ok(api.getSong({ id: first.id }))).song;
        expect(song.title).toBe(first.title);
        expect(song.albumId).toBe(album.id);
      }),
    );
  });

  test("folder browsing, genres, lists, random songs and search", async () => {
    const api = keyPost;
    const [indexes, genres, alpha, newest, random, total] = await Promise.all([
      ok(api.getIndexes()),
      ok(api.getGenres()),
      ok(api.getAlbumList2({ type: "alphabeticalByName", size: 500 })),
      ok(api.getAlbumList({ type: "newest", size: 5 })),
      ok(api.getRandomSongs({ size: 7 })),
      ok(api.getScanStatus()),
    ]);
    const dirs = (indexes.indexes.index ?? []).flatMap((i) => i.artist ?? []);
    expect(dirs.length).toBeGreaterThan(0);
    const listing = (await ok(api.getMusicDirectory({ id: must(dirs[0], "dir").id }))).directory;
    expect(listing.child?.length).toBeGreaterThan(0);

    const albums = alpha.albumList2.album ?? [];
    const songTotal = albums.reduce((n, a) => n + a.songCount, 0);
    expect(songTotal).toBe(total.scanStatus.count ?? -1);
    const names = albums.map((a) => a.name);
    expect(names).toEqual(
      [...names].sort((a, b) => a.localeCompare(b, "en", { sensitivity: "base" })),
    );
    expect(newest.albumList.album?.length).toBe(5);
    expect(random.randomSongs.song?.length).toBe(7);

    const genre = must(genres.genres.genre?.[0], "genre");
    expect(genre.songCount).toBeGreaterThan(0);
    const byGenre = (await ok(api.getSongsByGenre({ genre: genre.value, count: 500 }))).songsByGenre
      .song;
    expect(byGenre?.length).toBe(genre.songCount);

    // Search by a word of an album name finds that album; an empty query pages everything.
    const target = must(albums[3], "album");
    const word = must(
      target.name.split(/\s+/).find((w) => w.length > 2),
      "word",
    );
    const [s3, s2, all, deep] = await Promise.all([
      ok(api.search3({ query: word })),
      ok(api.search2({ query: word })),
      ok(api.search3({ query: "", artistCount: 0, albumCount: 0, songCount: 500 })),
      ok(api.search3({ query: "", artistCount: 0, albumCount: 0, songCount: 50, songOffset: 140 })),
    ]);
    expect(ids(s3.searchResult3.album)).toContain(target.id);
    expect(ids(s2.searchResult2.album)).toContain(target.id);
    expect(all.searchResult3.song?.length).toBe(total.scanStatus.count);
    expect(deep.searchResult3.song?.length).toBe((total.scanStatus.count ?? 0) - 140);
  });

  test("info, top and similar songs, lyrics", async () => {
    const api = tokenGet;
    const albums = (await ok(api.getAlbumList2({ type: "alphabeticalByArtist", size: 3 })))
      .albumList2.album;
    const album = must(albums?.[0], "album");
    const artistId = must(album.artistId, "artistId");
    const song = must((await ok(api.getAlbum({ id: album.id }))).album.song?.[0], "song");
    const [ai, ai2, bi, bi2, top, sim, sim2, lyrics, byId] = await Promise.all([
      ok(api.getArtistInfo({ id: artistId })),
      ok(api.getArtistInfo2({ id: artistId })),
      ok(api.getAlbumInfo({ id: album.id })),
      ok(api.getAlbumInfo2({ id: album.id })),
      ok(api.getTopSongs({ artist: must(album.artist, "artist"), count: 5 })),
      ok(api.getSimilarSongs({ id: song.id, count: 5 })),
      ok(api.getSimilarSongs2({ id: artistId, count: 5 })),
      ok(api.getLyrics({ artist: song.artist, title: song.title })),
      ok(api.getLyricsBySongId({ id: song.id })),
    ]);
    expect(ai.artistInfo).toBeDefined();
    expect(ai2.artistInfo2).toBeDefined();
    expect(bi.albumInfo).toBeDefined();
    expect(bi2.albumInfo).toBeDefined();
    expect(top.topSongs.song?.length).toBeGreaterThan(0);
    for (const s of top.topSongs.song ?? []) expect(s.artist).toContain(album.artist ?? "");
    expect(Array.isArray(sim.similarSongs.song ?? [])).toBe(true);
    expect(Array.isArray(sim2.similarSongs2.song ?? [])).toBe(true);
    expect(typeof lyrics.lyrics.value).toBe("string");
    // The client types lyricsList as an array; the spec (and this server) nest it in an object.
    const list = byId.lyricsList as unknown as { structuredLyrics?: unknown[] };
    expect(Array.isArray(byId.lyricsList)).toBe(false);
    expect(Array.isArray(list.structuredLyrics ?? [])).toBe(true);
  });

  test("star and rate, then getStarred/getStarred2; unstar removes", async () => {
    const api = keyGet;
    const album = must(
      (await ok(api.getAlbumList2({ type: "alphabeticalByName", size: 5, offset: 2 }))).albumList2
        .album?.[0],
      "album",
    );
    const song = must((await ok(api.getAlbum({ id: album.id }))).album.song?.[0], "song");
    const artistId = must(album.artistId, "artistId");
    await ok(api.star({ id: song.id, albumId: album.id, artistId }));
    await ok(api.setRating({ id: album.id, rating: 4 }));
    const [s2, s1, rated, starredList] = await Promise.all([
      ok(api.getStarred2()),
      ok(api.getStarred()),
      ok(api.getAlbum({ id: album.id })),
      ok(api.getAlbumList2({ type: "starred", size: 50 })),
    ]);
    expect(ids(s2.starred2.song)).toEqual([song.id]);
    expect(ids(s2.starred2.album)).toEqual([album.id]);
    expect(ids(s2.starred2.artist)).toEqual([artistId]);
    expect(ids(s1.starred.song)).toEqual([song.id]);
    expect(rated.album.userRating).toBe(4);
    expect(rated.album.starred).toBeTruthy();
    expect(ids(starredList.albumList2.album)).toContain(album.id);

    await ok(api.unstar({ id: song.id, albumId: album.id, artistId }));
    const after = (await ok(api.getStarred2())).starred2;
    expect(after.song ?? []).toEqual([]);
    expect(after.album ?? []).toEqual([]);
    expect(after.artist ?? []).toEqual([]);
    expect(await failed(api.star({ id: "tr-999999" }))).toBe(70);
  });

  test("scrobble: now playing, then a submission counts for frequent and recent", async () => {
    const api = tokenPost;
    const album = must(
      (await ok(api.getAlbumList2({ type: "alphabeticalByName", size: 1, offset: 7 }))).albumList2
        .album?.[0],
      "album",
    );
    const song = must((await ok(api.getAlbum({ id: album.id }))).album.song?.[0], "song");
    await ok(api.scrobble({ id: song.id, submission: false }));
    const playing = (await ok(api.getNowPlaying())).nowPlaying.entry ?? [];
    expect(playing.map((e) => e.id)).toContain(song.id);
    expect(playing.find((e) => e.id === song.id)?.username).toBe("admin");

    await ok(api.scrobble({ id: song.id, submission: true, time: Date.now() - 1000 }));
    const [frequent, recent, again] = await Promise.all([
      ok(api.getAlbumList2({ type: "frequent", size: 10 })),
      ok(api.getAlbumList2({ type: "recent", size: 10 })),
      ok(api.getSong({ id: song.id })),
    ]);
    expect(ids(frequent.albumList2.album)[0]).toBe(album.id);
    expect(ids(recent.albumList2.album)[0]).toBe(album.id);
    expect(again.song.playCount).toBe(1);
  });

  test("playlists: create keeps order, update, replace, list, delete", async () => {
    const api = keyPost;
    const pool = (await ok(api.getRandomSongs({ size: 6 }))).randomSongs.song ?? [];
    const picked = pool.map((s) => s.id);
    const order = [picked[2], picked[0], picked[2], picked[1]].map((id) => must(id, "song"));
    const created = (await ok(api.createPlaylist({ name: "Client & mix", songId: order })))
      .playlist;
    expect(created.songCount).toBe(4);
    const got = (await ok(api.getPlaylist({ id: created.id }))).playlist;
    expect(ids(got.entry)).toEqual(order);
    expect(got.name).toBe("Client & mix");

    await ok(
      api.updatePlaylist({
        playlistId: created.id,
        name: "Renamed",
        comment: "via client",
        public: true,
        songIndexToRemove: [0],
        songIdToAdd: [must(picked[5], "song")],
      }),
    );
    const updated = (await ok(api.getPlaylist({ id: created.id }))).playlist;
    expect(updated.name).toBe("Renamed");
    expect(updated.comment).toBe("via client");
    expect(updated.public).toBe(true);
    expect(ids(updated.entry)).toEqual([...order.slice(1), must(picked[5], "song")]);

    // createPlaylist with playlistId replaces the songs.
    const replaced = (
      await ok(api.createPlaylist({ playlistId: created.id, songId: [must(picked[4], "song")] }))
    ).playlist;
    expect(ids(replaced.entry)).toEqual([must(picked[4], "song")]);
    const listed = (await ok(api.getPlaylists())).playlists.playlist ?? [];
    expect(listed.find((p) => p.id === created.id)?.songCount).toBe(1);

    await ok(api.deletePlaylist({ id: created.id }));
    expect(ids((await ok(api.getPlaylists())).playlists.playlist)).not.toContain(created.id);
    expect(await failed(api.getPlaylist({ id: created.id }))).toBe(70);
  });

  test("play queue and bookmarks round-trip", async () => {
    const api = tokenGet;
    const songs = ((await ok(api.getRandomSongs({ size: 3 }))).randomSongs.song ?? []).map(
      (s: Child) => s.id,
    );
    await ok(api.savePlayQueue({ id: songs, current: songs[1], position: 12_345 }));
    const queue = must((await ok(api.getPlayQueue())).playQueue, "playQueue");
    expect(ids(queue.entry)).toEqual(songs);
    expect(queue.current).toBe(must(songs[1], "song"));
    expect(queue.position).toBe(12_345);
    expect(queue.username).toBe("admin");
    expect(queue.changedBy).toBe("subsonic-api");

    const target = must(songs[0], "song");
    await ok(api.createBookmark({ id: target, position: 5000, comment: "here" }));
    const marks = (await ok(api.getBookmarks())).bookmarks.bookmark ?? [];
    expect(marks.map((b) => [b.entry.id, b.position, b.comment])).toEqual([[target, 5000, "here"]]);
    await ok(api.deleteBookmark({ id: target }));
    expect((await ok(api.getBookmarks())).bookmarks.bookmark ?? []).toEqual([]);
  });

  test("shares, radio stations and chat", async () => {
    const api = keyGet;
    const album = must(
      (await ok(api.getAlbumList2({ type: "alphabeticalByName", size: 1 }))).albumList2.album?.[0],
      "album",
    );
    const share = must(
      (await ok(api.createShare({ id: album.id, description: "for you" }))).shares.share?.[0],
      "share",
    );
    expect(share.description).toBe("for you");
    expect(share.entry?.length).toBe(album.songCount);
    expect(share.url).toMatch(/^https?:\/\//);
    await ok(api.updateShare({ id: share.id, description: "changed" }));
    const shares = (await ok(api.getShares())).shares.share ?? [];
    expect(shares.find((s) => s.id === share.id)?.description).toBe("changed");
    await ok(api.deleteShare({ id: share.id }));
    expect(ids((await ok(api.getShares())).shares.share)).not.toContain(share.id);

    await ok(
      api.createInternetRadioStation({
        name: "Client FM",
        streamUrl: "http://radio.example/stream",
        homepageUrl: "http://radio.example/",
      }),
    );
    const stations = (await ok(api.getInternetRadioStations())).internetRadioStations
      .internetRadioStation;
    const station = must(
      stations?.find((s) => s.name === "Client FM"),
      "station",
    );
    expect(station.streamUrl).toBe("http://radio.example/stream");
    await ok(
      api.updateInternetRadioStation({
        id: station.id,
        name: "Client FM 2",
        streamUrl: "https://radio.example/hq",
      }),
    );
    const changed = (await ok(api.getInternetRadioStations())).internetRadioStations
      .internetRadioStation;
    expect(changed?.find((s) => s.id === station.id)?.streamUrl).toBe("https://radio.example/hq");
    await ok(api.deleteInternetRadioStation({ id: station.id }));
    expect(
      ids((await ok(api.getInternetRadioStations())).internetRadioStations.internetRadioStation),
    ).not.toContain(station.id);

    const since = Date.now() - 1;
    await ok(api.addChatMessage({ message: "hello <b>world</b>" }));
    const chat = (await ok(api.getChatMessages({ since }))).chatMessages.chatMessage ?? [];
    expect(chat.map((m) => [m.username, m.message])).toContainEqual([
      "admin",
      "hello <b>world</b>",
    ]);
  });

  test("jukebox: set, get, add, skip, remove, gain, stop, clear", async () => {
    const api = tokenPost;
    const songs = ((await ok(api.getRandomSongs({ size: 3 }))).randomSongs.song ?? []).map(
      (s) => s.id,
    );
    await ok(api.jukeboxControl({ action: "set", id: songs.slice(0, 2) }));
    await ok(api.jukeboxControl({ action: "add", id: must(songs[2], "song") }));
    const list = (await ok(api.jukeboxControl({ action: "get" }))).jukeboxPlaylist;
    expect(ids(list.entry)).toEqual(songs);
    const skipped = (await ok(api.jukeboxControl({ action: "skip", index: 1, offset: 3 })))
      .jukeboxStatus;
    expect(skipped).toMatchObject({ currentIndex: 1, playing: true, position: 3 });
    await ok(api.jukeboxControl({ action: "remove", index: 0 }));
    await ok(api.jukeboxControl({ action: "setGain", gain: 0.5 }));
    await ok(api.jukeboxControl({ action: "shuffle" }));
    const status = (await ok(api.jukeboxControl({ action: "stop" }))).jukeboxStatus;
    expect(status.playing).toBe(false);
    expect(status.gain).toBeCloseTo(0.5);
    await ok(api.jukeboxControl({ action: "start" }));
    await ok(api.jukeboxControl({ action: "clear" }));
    const cleared = (await ok(api.jukeboxControl({ action: "status" }))).jukeboxStatus;
    expect(cleared).toMatchObject({ currentIndex: -1, playing: false });
  });

  test("users: create, get, list, update, change password, delete", async () => {
    const admin = keyPost;
    await ok(admin.createUser({ username: "carol", password: "carol-pw", email: "c@example.org" }));
    const carol = (await ok(admin.getUser({ username: "carol" }))).user;
    expect(carol).toMatchObject({ username: "carol", adminRole: false, email: "c@example.org" });
    expect((await ok(admin.getUsers())).users.user?.map((u) => u.username)).toContain("carol");
    await ok(admin.updateUser({ username: "carol", password: "carol-pw", email: "d@example.org" }));
    expect((await ok(admin.getUser({ username: "carol" }))).user.email).toBe("d@example.org");

    // carol herself, with token auth over POST: she may change her own password only.
    const asCarol = new SubsonicAPI({
      url: server.url,
      auth: { username: "carol", password: "carol-pw" },
      post: true,
    });
    expect((await ok(asCarol.getUser({ username: "carol" }))).user.username).toBe("carol");
    expect(await failed(asCarol.getUsers())).toBe(50);
    expect(await failed(asCarol.startScan())).toBe(50);
    await ok(asCarol.changePassword({ username: "carol", password: "new-pw" }));
    expect(await failed(asCarol.ping())).toBe(40);
    const renewed = new SubsonicAPI({
      url: server.url,
      auth: { username: "carol", password: "new-pw" },
    });
    await ok(renewed.ping());

    await ok(admin.deleteUser({ username: "carol" }));
    expect(await failed(admin.getUser({ username: "carol" }))).toBe(70);
  });

  test("stream, download, hls, cover art and avatar return media", async () => {
    const api = keyGet;
    const albums = (await ok(api.getAlbumList2({ type: "alphabeticalByName", size: 500 })))
      .albumList2.album;
    const withCover = must(
      albums?.find((a) => a.coverArt),
      "album with cover",
    );
    const song = must((await ok(api.getAlbum({ id: withCover.id }))).album.song?.[0], "song");
    const [stream, download, hls, cover, avatar] = await Promise.all([
      api.stream({ id: song.id, format: "raw" }),
      tokenPost.download({ id: song.id }),
      api.hls({ id: song.id }),
      tokenGet.getCoverArt({ id: must(withCover.coverArt, "coverArt"), size: 120 }),
      keyPost.getAvatar({ username: "admin" }),
    ]);
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toBe(must(song.contentType, "contentType"));
    const bytes = new Uint8Array(await stream.arrayBuffer());
    expect(bytes.length).toBe(must(song.size, "size"));
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(bytes);

    expect(hls.status).toBe(200);
    expect(await hls.text()).toStartWith("#EXTM3U");

    for (const image of [cover, avatar]) {
      expect(image.status).toBe(200);
      expect(image.headers.get("content-type")).toMatch(/^image\//);
      const head = new Uint8Array(await image.arrayBuffer()).slice(0, 4);
      const jpeg = head[0] === 0xff && head[1] === 0xd8;
      const png = head[0] === 0x89 && head[1] === 0x50;
      const webp = head[0] === 0x52 && head[1] === 0x49;
      expect(jpeg || png || webp).toBe(true);
    }
    // Binary methods answer a Subsonic error envelope when the id is unknown.
    const missing = await api.stream({ id: "tr-999999" });
    const env = (await missing.json()) as { "subsonic-response": SubsonicBaseResponse };
    expect(env["subsonic-response"].status).toBe("failed");
  });

  test("no video: getVideos is empty, getVideoInfo and getCaptions are not found", async () => {
    const api = tokenGet;
    expect((await ok(api.getVideos())).videos.video ?? []).toEqual([]);
    expect(await failed(api.getVideoInfo({ id: "vi-1" }))).toBe(70);
    const captions = await api.getCaptions({ id: "vi-1" });
    const body = (await captions.json()) as { "subsonic-response": SubsonicBaseResponse };
    expect(body["subsonic-response"].status).toBe("failed");
  });

  test("index-based play queue through the client's untyped customJSON", async () => {
    const api = keyPost;
    const songs = ((await ok(api.getRandomSongs({ size: 4 }))).randomSongs.song ?? []).map(
      (s) => s.id,
    );
    type Queue = SubsonicBaseResponse & {
      playQueueByIndex: { currentIndex?: number; position?: number; entry?: Child[] };
    };
    await ok(
      api.customJSON<SubsonicBaseResponse>("savePlayQueueByIndex", {
        id: songs,
        currentIndex: 2,
        position: 777,
      }),
    );
    const q = (await ok(api.customJSON<Queue>("getPlayQueueByIndex", {}))).playQueueByIndex;
    expect(ids(q.entry)).toEqual(songs);
    expect(q.currentIndex).toBe(2);
    expect(q.position).toBe(777);
  });

  test("podcasts answer either content or a Subsonic error envelope", async () => {
    // Podcasts are being added separately: accept both, but never a malformed answer.
    const r = await keyGet.getPodcasts({ includeEpisodes: false });
    if (r.status === "ok") expect(Array.isArray(r.podcasts.channel ?? [])).toBe(true);
    else expect(typeof r.error.code).toBe("number");
  });

  test("methods the server lacks answer a Subsonic error, not a crash", async () => {
    const api = keyGet;
    const r = await api.customJSON<SubsonicBaseResponse>("getTranscodeDecision.view", {
      mediaId: "tr-1",
    });
    if (r.status !== "failed") throw new Error("expected a failed answer");
    expect(r.error.code).toBe(0);
  });

  test("reportPlayback and getTopSongs by artist id, as the client sends them", async () => {
    // One after the other: the client always names itself `subsonic-api`, one player.
    for (const api of [keyGet, tokenPost]) {
      const album = must(
        (await ok(api.getAlbumList2({ type: "alphabeticalByName", size: 1, offset: 3 }))).albumList2
          .album?.[0],
        "album",
      );
      const song = must((await ok(api.getAlbum({ id: album.id }))).album.song?.[0], "song");
      const base = { mediaId: song.id, mediaType: "song" as const, ignoreScrobble: true };
      await ok(api.reportPlayback({ ...base, positionMs: 0, state: "starting" }));
      await ok(api.reportPlayback({ ...base, positionMs: 250, state: "paused", playbackRate: 1 }));
      const entry = ((await ok(api.getNowPlaying())).nowPlaying.entry ?? []).find(
        (e) => e.playerName === "subsonic-api",
      );
      expect(entry).toMatchObject({ id: song.id, state: "paused", positionMs: 250 });
      await ok(api.reportPlayback({ ...base, positionMs: 250, state: "stopped" }));
      const artistId = must(song.artistId, "artistId");
      const top = await api.customJSON<SubsonicBaseResponse & { topSongs: { song?: Child[] } }>(
        "getTopSongs.view",
        { id: artistId, count: 500 },
      );
      expect(top.status).toBe("ok");
      expect(top.topSongs.song?.map((x) => x.id)).toContain(song.id);
    }
  });

  test("startScan then getScanStatus returns to idle with the same count", async () => {
    const api = tokenGet;
    const started = (await ok(api.startScan())).scanStatus;
    expect(typeof started.scanning).toBe("boolean");
    const until = Date.now() + 15_000;
    for (;;) {
      const s = (await ok(api.getScanStatus())).scanStatus;
      if (!s.scanning) {
        expect(s.count).toBe(TRACKS);
        break;
      }
      if (Date.now() > until) throw new Error("rescan did not finish");
      await Bun.sleep(100);
    }
  });
});
