import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { generateLibrary } from "../scripts/generate-library.ts";
import { scanLibrary, startTestApp, type TestApp, tempDir, userWithKey } from "./helpers/app.ts";
import { type Json, subsonicCaller } from "./helpers/subsonic.ts";

let t: TestApp;
let key: string;
let otherKey: string;
const music = join(tempDir("bandstand-browse-"), "music");

beforeAll(async () => {
  await generateLibrary(music, { tracks: 200, seed: 11, brokenEvery: 0 });
  // No audio analysis after the scan: these tests only need the tags.
  t = await startTestApp({ BANDSTAND_MUSIC_DIR: music, BANDSTAND_AUTO_ANALYZE: "false" });
  key = await userWithKey(t, "admin", "admin");
  otherKey = await userWithKey(t, "guest");
  await scanLibrary(t);
}, 120_000);
afterAll(async () => {
  await t.close();
  rmSync(join(music, ".."), { recursive: true, force: true });
});

const { ok, code } = subsonicCaller(
  () => t,
  () => key,
  "test",
);

async function one(sql: string, args: (string | number)[] = []): Promise<number> {
  const rs = await t.ctx.database.client.execute({ sql, args });
  return Number(rs.rows[0]?.n ?? 0);
}

/** Minimal XML well-formedness check: balanced tags, quoted attributes; returns element names. */
function parseXml(xml: string): string[] {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, "");
  const names: string[] = [];
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < body.length) {
    token.lastIndex = pos;
    m = token.exec(body);
    if (!m) throw new Error(`bad XML at ${pos}: ${body.slice(pos, pos + 60)}`);
    pos = token.lastIndex;
    if (m[5] !== undefined) continue;
    const name = m[2] ?? "";
    if (m[1]) {
      if (stack.pop() !== name) throw new Error(`unbalanced </${name}>`);
    } else {
      names.push(name);
      if (!m[4]) stack.push(name);
    }
  }
  if (stack.length) throw new Error(`unclosed ${stack.join(",")}`);
  return names;
}

describe("browsing (ID3)", () => {
  test("getArtists indexes every album artist by letter, # last, sorted without articles", async () => {
    const r = await ok("getArtists");
    expect(r.artists.ignoredArticles).toBe("The El La Los Las Le Les");
    const index = r.artists.index as { name: string; artist: { id: string; name: string }[] }[];
    const all = index.flatMap((i) => i.artist);
    expect(all.length).toBe(await one("SELECT count(DISTINCT artist_id) AS n FROM album_artists"));
    const names = index.map((i) => i.name);
    expect(names.filter((n) => n !== "#")).toEqual([...names.filter((n) => n !== "#")].sort());
    if (names.includes("#")) expect(names.at(-1)).toBe("#");
    for (const i of index) {
      for (const a of i.artist) {
        const bare = a.name.replace(/^(The|El|La|Los|Las|Le|Les)\s+/i, "");
        const c = bare.normalize("NFKD").charAt(0).toUpperCase();
        expect(i.name).toBe(c >= "A" && c <= "Z" ? c : "#");
      }
    }
    expect(await code("getArtists", "musicFolderId=999")).toBe(70);
    const folders = (await ok("getMusicFolders")).musicFolders.musicFolder as { id: number }[];
    const lib = await ok("getArtists", `musicFolderId=${folders[0]?.id}`);
    expect(lib.artists.index.flatMap((i: Json) => i.artist).length).toBe(all.length);
  });

  test("getArtists and getAlbum render as well-formed XML", async () => {
    const xml = await (await t.request(`/rest/getArtists?apiKey=${key}`)).text();
    const names = parseXml(xml);
    expect(names).toContain("index");
    expect(names).toContain("artist");
    const albumId = (await ok("getAlbumList2", "type=alphabeticalByName&size=1")).albumList2
      .album[0].id;
    const albumXml = await (await t.request(`/rest/getAlbum?apiKey=${key}&id=${albumId}`)).text();
    const albumNames = parseXml(albumXml);
    expect(albumNames.filter((n) => n === "album").length).toBe(1);
    expect(albumNames).toContain("song");
  });

  test("getArtist lists its albums; getAlbum lists songs by disc then track; getSong", async () => {
    const artistId = (await ok("getArtists")).artists.index[0].artist[0].id as string;
    const r = await ok("getArtist", `id=${artistId}`);
    const n = Number(artistId.slice(3));
    expect(r.artist.album.length).toBe(
      await one("SELECT count(DISTINCT album_id) AS n FROM album_artists WHERE artist_id = ?", [n]),
    );
    for (const a of r.artist.album) {
      const album = (await ok("getAlbum", `id=${a.id}`)).album;
      expect(album.song.length).toBe(album.songCount);
      const order = album.song.map((s: Json) => [s.discNumber ?? 0, s.track ?? 0]);
      const sorted = [...order].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      expect(order).toEqual(sorted);
      const song = (await ok("getSong", `id=${album.song[0].id}`)).song;
      expect(song.title).toBe(album.song[0].title);
    }
  });

  test("strict ids and required parameters", async () => {
    expect(await code("getAlbum")).toBe(10);
    expect(await code("getAlbum", "id=ar-1")).toBe(70);
    expect(await code("getAlbum", "id=al-999999")).toBe(70);
    expect(await code("getAlbum", "id=1")).toBe(70);
    expect(await code("getArtist", "id=al-1")).toBe(70);
    expect(await code("getSong", "id=tr-abc")).toBe(70);
    expect(await code("getSong", "id=tr-999999")).toBe(70);
    expect(await code("getMusicDirectory")).toBe(10);
    expect(await code("getAlbumList2")).toBe(10);
    expect(await code("getAlbumList2", "type=nope")).toBe(0);
    expect(await code("getAlbumList2", "type=byGenre")).toBe(10);
    expect(await code("getAlbumList2", "type=byYear&fromYear=1990")).toBe(10);
    expect(await code("getSongsByGenre")).toBe(10);
    expect(await code("star")).toBe(10);
    expect(await code("star", "id=tr-999999")).toBe(70);
    expect(await code("star", "albumId=tr-1")).toBe(70);
    expect(await code("setRating", "id=tr-1")).toBe(10);
    expect(await code("setRating", "id=zz-1&rating=3")).toBe(70);
    expect(await code("scrobble")).toBe(10);
    expect(await code("scrobble", "id=al-1")).toBe(70);
    expect(await code("getTopSongs")).toBe(10);
    expect(await code("getSimilarSongs2", "id=tr-1")).toBe(70);
    expect(await code("getArtistInfo2", "id=ar-999999")).toBe(70);
    expect(await code("getAlbumInfo2", "id=ar-1")).toBe(70);
  });

  test("getGenres counts songs and albums", async () => {
    const genres = (await ok("getGenres")).genres.genre as Json[];
    expect(genres.length).toBe(await one("SELECT count(*) AS n FROM genres"));
    for (const g of genres) {
      const songCount = await one(
        "SELECT count(*) AS n FROM track_genres tg JOIN genres g ON g.id = tg.genre_id WHERE g.name = ?",
        [g.value],
      );
      expect(g.songCount).toBe(songCount);
      expect(g.albumCount).toBeGreaterThan(0);
      const page = (await ok("getSongsByGenre", `genre=${encodeURIComponent(g.value)}&count=500`))
        .songsByGenre.song;
      expect(page.length).toBe(Math.min(songCount, 500));
      const paged = (
        await ok("getSongsByGenre", `genre=${encodeURIComponent(g.value)}&count=2&offset=1`)
      ).songsByGenre.song;
      expect(paged.map((s: Json) => s.id)).toEqual(page.slice(1, 3).map((s: Json) => s.id));
    }
    const empty = await ok("getSongsByGenre", "genre=NoSuchGenre");
    expect(empty.songsByGenre).toEqual({ song: [] });
  });
});

describe("browsing (folders)", () => {
  test("getIndexes lists top directories; getMusicDirectory walks the tree to the songs", async () => {
    const r = await ok("getIndexes");
    expect(typeof r.indexes.lastModified).toBe("number");
    const dirs = (r.indexes.index as Json[]).flatMap((i) => i.artist) as Json[];
    expect(dirs.length).toBeGreaterThan(0);
    let songsSeen = 0;
    for (const top of dirs) {
      const d = (await ok("getMusicDirectory", `id=${top.id}`)).directory;
      expect(d.name).toBe(top.name);
      for (const c of d.child as Json[]) {
        expect(c.parent).toBe(top.id);
        if (!c.isDir) {
          songsSeen++;
          continue;
        }
        const sub = (await ok("getMusicDirectory", `id=${c.id}`)).directory;
        expect(sub.parent).toBe(top.id);
        songsSeen += (sub.child as Json[]).filter((x) => !x.isDir).length;
        for (const s of sub.child as Json[])
          if (!s.isDir) expect(s.path).toStartWith(`${top.name}/`);
      }
    }
    expect(songsSeen).toBe(await one("SELECT count(*) AS n FROM tracks"));
    const unchanged = await ok("getIndexes", `ifModifiedSince=${r.indexes.lastModified}`);
    expect(unchanged.indexes.index).toEqual([]);
  });

  test("directory ids are strict and never reach outside stored paths", async () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64url");
    for (const id of [
      `dir-1-${b64("..")}`,
      `dir-1-${b64("../etc")}`,
      `dir-1-${b64("/etc")}`,
      `dir-1-${b64("a//b")}`,
      `dir-1-${b64("no such dir")}`,
      "dir-999-",
      "dir-1-!!",
      "dir-x-",
      `dir-1-${b64("a")}=`,
    ]) {
      expect(await code("getMusicDirectory", `id=${encodeURIComponent(id)}`)).toBe(70);
    }
    const root = (await ok("getMusicDirectory", "id=dir-1-")).directory;
    expect(root.child.length).toBeGreaterThan(0);
  });

  test("album and artist ids open as directories (getAlbumList children)", async () => {
    const list = (await ok("getAlbumList", "type=alphabeticalByName&size=3")).albumList.album;
    expect(list.length).toBe(3);
    for (const a of list) {
      expect(a.isDir).toBe(true);
      const d = (await ok("getMusicDirectory", `id=${a.id}`)).directory;
      expect(d.child.length).toBeGreaterThan(0);
      const up = (await ok("getMusicDirectory", `id=${d.parent}`)).directory;
      expect(up.child.map((c: Json) => c.id)).toContain(a.id);
    }
  });
});

describe("album lists and songs", () => {
  test("alphabetical, newest, byYear and byGenre orders; size, offset, max", async () => {
    const total = await one("SELECT count(*) AS n FROM albums");
    const byName = (await ok("getAlbumList2", "type=alphabeticalByName&size=500")).albumList2
      .album as Json[];
    expect(byName.length).toBe(total);
    const names = await t.ctx.database.client.execute(
      "SELECT id FROM albums ORDER BY sort_name, id",
    );
    expect(byName.map((a) => a.id)).toEqual(names.rows.map((r) => `al-${r.id}`));
    const page = (await ok("getAlbumList2", "type=alphabeticalByName&size=5&offset=3")).albumList2
      .album;
    expect(page.map((a: Json) => a.id)).toEqual(byName.slice(3, 8).map((a) => a.id));
    expect((await ok("getAlbumList2", "type=newest")).albumList2.album.length).toBe(
      Math.min(10, total),
    );
    expect((await ok("getAlbumList2", "type=random&size=1000")).albumList2.album.length).toBe(
      Math.min(total, 500),
    );

    const byArtist = (await ok("getAlbumList2", "type=alphabeticalByArtist&size=500")).albumList2
      .album as Json[];
    expect(byArtist.length).toBe(total);

    const years = byName.map((a) => a.year).filter((y) => y !== undefined) as number[];
    const lo = Math.min(...years);
    const hi = Math.max(...years);
    const up = (await ok("getAlbumList2", `type=byYear&fromYear=${lo}&toYear=${hi}&size=500`))
      .albumList2.album as Json[];
    expect(up.length).toBe(years.length);
    expect(up.map((a) => a.year)).toEqual([...years].sort((a, b) => a - b));
    const down = (await ok("getAlbumList2", `type=byYear&fromYear=${hi}&toYear=${lo}&size=500`))
      .albumList2.album as Json[];
    expect(down.map((a) => a.year)).toEqual([...years].sort((a, b) => b - a));

    const genre = ((await ok("getGenres")).genres.genre as Json[])[0]?.value as string;
    const g = (
      await ok("getAlbumList2", `type=byGenre&genre=${encodeURIComponent(genre)}&size=500`)
    ).albumList2.album as Json[];
    expect(g.length).toBe(
      await one(
        `SELECT count(DISTINCT t.album_id) AS n FROM tracks t JOIN track_genres tg ON tg.track_id = t.id
         JOIN genres ge ON ge.id = tg.genre_id WHERE ge.name = ?`,
        [genre],
      ),
    );
    expect(await code("getAlbumList2", "type=newest&musicFolderId=999")).toBe(70);
  });

  test("getRandomSongs filters by genre and years", async () => {
    const r = (await ok("getRandomSongs", "size=20")).randomSongs.song as Json[];
    expect(r.length).toBe(20);
    expect(new Set(r.map((s) => s.id)).size).toBe(20);
    const all = (await ok("getRandomSongs", "size=500")).randomSongs.song as Json[];
    expect(all.length).toBe(await one("SELECT count(*) AS n FROM tracks"));
    const year = all.find((s) => s.year)?.year as number;
    const inYear = (await ok("getRandomSongs", `size=500&fromYear=${year}&toYear=${year}`))
      .randomSongs.song as Json[];
    expect(inYear.length).toBe(
      await one("SELECT count(*) AS n FROM tracks WHERE year = ?", [year]),
    );
    const genre = ((await ok("getGenres")).genres.genre as Json[])[0];
    const inGenre = (
      await ok("getRandomSongs", `size=500&genre=${encodeURIComponent(genre?.value)}`)
    ).randomSongs.song;
    expect(inGenre.length).toBe(genre?.songCount);
  });
});

describe("annotations", () => {
  test("star/unstar change getStarred, getStarred2 and the starred album list", async () => {
    const empty = await ok("getStarred2");
    expect(empty.starred2).toEqual({ artist: [], album: [], song: [] });
    const albums = (await ok("getAlbumList2", "type=alphabeticalByName&size=3")).albumList2.album;
    const album = (await ok("getAlbum", `id=${albums[0].id}`)).album;
    const [s1, s2] = album.song as Json[];
    await ok(
      "star",
      `id=${s1?.id}&id=${s2?.id}&albumId=${albums[1].id}&artistId=${album.artistId}&id=${albums[2].id}`,
    );
    const r = (await ok("getStarred2")).starred2;
    expect(r.song.map((s: Json) => s.id).sort()).toEqual([s1?.id, s2?.id].sort());
    expect(r.album.map((a: Json) => a.id).sort()).toEqual([albums[1].id, albums[2].id].sort());
    expect(r.artist.map((a: Json) => a.id)).toEqual([album.artistId]);
    for (const item of [...r.song, ...r.album, ...r.artist]) {
      expect(new Date(item.starred).toISOString()).toBe(item.starred);
    }
    const legacy = (await ok("getStarred")).starred;
    expect(legacy.album.every((a: Json) => a.isDir === true)).toBe(true);
    expect(legacy.song.length).toBe(2);
    const song = (await ok("getSong", `id=${s1?.id}`)).song;
    expect(song.starred).toBeString();
    const starredList = (await ok("getAlbumList2", "type=starred")).albumList2.album;
    expect(starredList.map((a: Json) => a.id).sort()).toEqual([albums[1].id, albums[2].id].sort());
    // Stars are per user.
    expect((await ok("getStarred2", "", otherKey)).starred2.song).toEqual([]);
    await ok("unstar", `id=${s2?.id}&albumId=${albums[2].id}`);
    const after = (await ok("getStarred2")).starred2;
    expect(after.song.map((s: Json) => s.id)).toEqual([s1?.id]);
    expect(after.album.map((a: Json) => a.id)).toEqual([albums[1].id]);
    expect((await ok("getSong", `id=${s2?.id}`)).song.starred).toBeUndefined();
  });

  test("setRating drives highest and userRating; 0 removes", async () => {
    const albums = (await ok("getAlbumList2", "type=newest&size=3")).albumList2.album as Json[];
    await ok("setRating", `id=${albums[0]?.id}&rating=2`);
    await ok("setRating", `id=${albums[1]?.id}&rating=5`);
    await ok("setRating", `id=${albums[2]?.id}&rating=4`);
    let highest = (await ok("getAlbumList2", "type=highest")).albumList2.album as Json[];
    expect(highest.map((a) => a.id)).toEqual([albums[1]?.id, albums[2]?.id, albums[0]?.id]);
    expect(highest.map((a) => a.userRating)).toEqual([5, 4, 2]);
    await ok("setRating", `id=${albums[1]?.id}&rating=0`);
    highest = (await ok("getAlbumList2", "type=highest")).albumList2.album as Json[];
    expect(highest.map((a) => a.id)).toEqual([albums[2]?.id, albums[0]?.id]);
    expect(await code("setRating", `id=${albums[0]?.id}&rating=6`)).toBe(0);
    const song = (await ok("getAlbum", `id=${albums[0]?.id}`)).album.song[0];
    await ok("setRating", `id=${song.id}&rating=3`);
    expect((await ok("getSong", `id=${song.id}`)).song.userRating).toBe(3);
  });

  test("scrobble submissions drive frequent, recent, playCount and getTopSongs", async () => {
    const albums = (await ok("getAlbumList2", "type=alphabeticalByName&size=2")).albumList2
      .album as Json[];
    const a = (await ok("getAlbum", `id=${albums[0]?.id}`)).album;
    const b = (await ok("getAlbum", `id=${albums[1]?.id}`)).album;
    const now = Date.now();
    const aSong = a.song[0].id;
    await ok(
      "scrobble",
      `id=${aSong}&id=${aSong}&id=${aSong}&time=${now - 4000}&time=${now - 3000}&time=${now - 2000}`,
    );
    await ok("scrobble", `id=${b.song[0].id}&time=${now - 1000}&submission=true`);
    const frequent = (await ok("getAlbumList2", "type=frequent")).albumList2.album as Json[];
    expect(frequent.map((x) => x.id)).toEqual([a.id, b.id]);
    expect(frequent[0]?.playCount).toBe(3);
    const recent = (await ok("getAlbumList2", "type=recent")).albumList2.album as Json[];
    expect(recent.map((x) => x.id)).toEqual([b.id, a.id]);
    expect((await ok("getSong", `id=${aSong}`)).song.playCount).toBe(3);
    expect(await one("SELECT count(*) AS n FROM plays")).toBe(4);

    // Not a submission: now playing only, no play counted.
    await ok("scrobble", `id=${b.song[0].id}&submission=false`);
    expect(await one("SELECT count(*) AS n FROM plays")).toBe(4);
    const np = (await ok("getNowPlaying")).nowPlaying.entry as Json[];
    expect(np.length).toBe(1);
    expect(np[0]).toMatchObject({ id: b.song[0].id, username: "admin", playerName: "test" });
    expect(np[0]?.minutesAgo).toBe(0);
    await t.ctx.database.client.execute("UPDATE now_playing SET updated_at = updated_at - 700000");
    expect((await ok("getNowPlaying")).nowPlaying).toEqual({ entry: [] });

    const artist = (await ok("getSong", `id=${aSong}`)).song.artist as string;
    const top = (await ok("getTopSongs", `artist=${encodeURIComponent(artist)}&count=5`)).topSongs
      .song as Json[];
    if (top.length) expect(top[0]?.id).toBe(aSong);
    expect((await ok("getTopSongs", "artist=Nobody%20At%20All")).topSongs).toEqual({ song: [] });
  });

  test("similar songs share an artist or genre; info endpoints answer valid empty shapes", async () => {
    const song = (await ok("getRandomSongs", "size=1")).randomSongs.song[0];
    const similar = (await ok("getSimilarSongs", `id=${song.id}&count=10`)).similarSongs
      .song as Json[];
    expect(similar.length).toBeGreaterThan(0);
    expect(similar.length).toBeLessThanOrEqual(10);
    expect(similar.map((s) => s.id)).not.toContain(song.id);
    const artistId = (await ok("getArtists")).artists.index[0].artist[0].id;
    const s2 = (await ok("getSimilarSongs2", `id=${artistId}&count=5`)).similarSongs2.song;
    expect(s2.length).toBeGreaterThan(0);
    const info = (await ok("getArtistInfo2", `id=${artistId}`)).artistInfo2;
    expect(info.similarArtist).toEqual([]);
    expect((await ok("getArtistInfo", `id=${artistId}`)).artistInfo).toBeObject();
    const album = (await ok("getAlbumList2", "type=newest&size=1")).albumList2.album[0];
    expect((await ok("getAlbumInfo", `id=${album.id}`)).albumInfo).toBeObject();
    expect((await ok("getAlbumInfo2", `id=${album.id}`)).albumInfo).toBeObject();
    const xml = await (await t.request(`/rest/getArtistInfo2?apiKey=${key}&id=${artistId}`)).text();
    parseXml(xml);
  });

  test("info image URLs load without credentials, and only as signed", async () => {
    const albums = (await ok("getAlbumList2", "type=alphabeticalByName&size=500")).albumList2
      .album as Json[];
    const withCover = albums.find((a) => a.coverArt) as Json;
    expect(withCover).toBeDefined();
    const info = (await ok("getAlbumInfo2", `id=${withCover.id}`)).albumInfo;
    const large = new URL(info.largeImageUrl);
    expect(large.pathname).toBe(`/img/${withCover.coverArt}`);
    expect(large.searchParams.get("size")).toBe("600");
    const path = large.pathname + large.search;
    const image = await t.request(path);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toStartWith("image/");
    const forged = new URLSearchParams(large.search);
    forged.set("size", "2000");
    expect((await t.request(`${large.pathname}?${forged}`)).status).toBe(403);
    forged.set("size", "600");
    forged.set("sig", "A".repeat(22));
    expect((await t.request(`${large.pathname}?${forged}`)).status).toBe(403);
    const other = `/img/co-${"0".repeat(64)}${large.search}`;
    expect((await t.request(other)).status).toBe(403);
    expect((await t.request(`/img/../../etc/passwd${large.search}`)).status).toBe(404);
  });

  test("POST form bodies work like GET", async () => {
    const song = (await ok("getRandomSongs", "size=1")).randomSongs.song[0];
    const res = await t.request("/rest/getSong", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `f=json&apiKey=${key}&id=${song.id}`,
    });
    const r = ((await res.json()) as { "subsonic-response": Json })["subsonic-response"];
    expect(r.song.id).toBe(song.id);
  });
});
