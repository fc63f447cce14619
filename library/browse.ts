import type { InValue } from "@libsql/client";
import type { Database, ReadRow } from "../db/client.ts";
import type { ItemRef } from "./annotations.ts";
import { type ArtistView, allIds, randomPick } from "./queries.ts";

/** The articles the Subsonic indexes skip, as announced to clients in `ignoredArticles`. */
export const IGNORED_ARTICLES = "The El La Los Las Le Les";
const ARTICLE = new RegExp(`^(${IGNORED_ARTICLES.split(" ").join("|")})\\s+`, "i");

/** Sort key for index pages: without a leading article, accents folded, case folded. */
export function indexSortKey(name: string): string {
  return name.trim().replace(ARTICLE, "").normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

/** The index a name is filed under: its first letter A–Z, else `#`. */
export function indexLetter(name: string): string {
  const c = indexSortKey(name).charAt(0).toUpperCase();
  return c >= "A" && c <= "Z" ? c : "#";
}

/** Groups named items into alphabetical indexes, `#` last. */
export function groupByIndex<T>(items: T[], nameOf: (t: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  const sorted = items
    .map((item) => ({ item, key: indexSortKey(nameOf(item)) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { item, key } of sorted) {
    // The letter comes from the key already computed: indexLetter would fold the name again.
    const c = key.charAt(0).toUpperCase();
    const letter = c >= "A" && c <= "Z" ? c : "#";
    const list = groups.get(letter) ?? [];
    list.push(item);
    groups.set(letter, list);
  }
  return [...groups.entries()].sort(([a], [b]) =>
    a === "#" ? 1 : b === "#" ? -1 : a < b ? -1 : a > b ? 1 : 0,
  );
}

/** Album artists (the ID3 artist list), optionally only those with albums in one folder. */
export async function albumArtists(database: Database, folderId?: number): Promise<ArtistView[]> {
  // Aggregating album_artists first walks the (artist_id, album_id) index in group order,
  // then joins each artist once: no temporary B-tree for the GROUP BY.
  const rows = await database.all(
    `SELECT ar.id, ar.name, ar.mbid, x.n AS album_count,
            coalesce(ar.cover_art_id, x.cover) AS cover
          FROM (SELECT aa.artist_id AS id, count(DISTINCT aa.album_id) AS n,
                  max(al.cover_art_id) AS cover
                FROM album_artists aa JOIN albums al ON al.id = aa.album_id
                  ${folderId !== undefined ? "AND al.folder_id = ?" : ""}
                GROUP BY aa.artist_id) x
          JOIN artists ar ON ar.id = x.id
          ORDER BY ar.id`,
    folderId !== undefined ? [folderId] : [],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    name: String(r.name),
    albumCount: Number(r.album_count),
    coverArtId: r.cover === null ? null : String(r.cover),
    mbid: r.mbid === null ? null : String(r.mbid),
  }));
}

/** When the library last changed (getIndexes' `lastModified`). */
export async function lastModified(database: Database): Promise<number> {
  const rows = await database.all("SELECT max(updated_at) AS m FROM tracks");
  return Number(rows[0]?.m ?? 0);
}

export interface DirListing {
  subdirs: { name: string; coverArtId: string | null; trackCount: number }[];
  trackIds: number[];
}

/**
 * One level of a music folder's tree, built only from stored track paths: `path`
 * ("" for the folder root) is a string prefix in SQL, never a filesystem path.
 * Undefined when no track lies under a non-root path.
 */
export async function listDirectory(
  database: Database,
  folderId: number,
  path: string,
): Promise<DirListing | undefined> {
  const prefix = path ? `${path}/` : "";
  // [prefix, path + "0") is every path under prefix ('0' follows '/'), served by tracks_folder_path.
  const range = path ? "AND path >= ? AND path < ?" : "";
  const args: InValue[] = [prefix, folderId, ...(path ? [prefix, `${path}0`] : [])];
  const rows = await database.all(
    `SELECT CASE WHEN instr(rest, '/') > 0 THEN substr(rest, 1, instr(rest, '/') - 1) END AS dir,
            CASE WHEN instr(rest, '/') = 0 THEN id END AS tid,
            max(cover_art_id) AS cover, count(*) AS n
          FROM (SELECT id, cover_art_id, substr(path, length(?) + 1) AS rest
                FROM tracks WHERE folder_id = ? ${range})
          GROUP BY dir, tid`,
    args,
  );
  if (path && rows.length === 0) return undefined;
  const listing: DirListing = { subdirs: [], trackIds: [] };
  for (const r of rows) {
    if (r.tid !== null) listing.trackIds.push(Number(r.tid));
    else if (r.dir !== null && r.dir !== "") {
      listing.subdirs.push({
        name: String(r.dir),
        coverArtId: r.cover === null ? null : String(r.cover),
        trackCount: Number(r.n),
      });
    }
  }
  listing.subdirs.sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
  return listing;
}

export interface GenreCount {
  name: string;
  songCount: number;
  albumCount: number;
}

export async function genreCounts(database: Database): Promise<GenreCount[]> {
  const rows =
    await database.all(`SELECT g.name, count(*) AS songs, count(DISTINCT t.album_id) AS albums
     FROM genres g JOIN track_genres tg ON tg.genre_id = g.id JOIN tracks t ON t.id = tg.track_id
     GROUP BY g.id ORDER BY g.name COLLATE NOCASE`);
  return rows.map((r) => ({
    name: String(r.name),
    songCount: Number(r.songs),
    albumCount: Number(r.albums),
  }));
}

const ids = (rows: ReadRow[]) => rows.map((r) => Number(r.id));

/** An artist's albums (as album artist), oldest first. */
export async function albumIdsOfArtist(database: Database, artistId: number): Promise<number[]> {
  const rows = await database.all(
    `SELECT al.id FROM album_artists aa JOIN albums al ON al.id = aa.album_id
          WHERE aa.artist_id = ? GROUP BY al.id
          ORDER BY al.year IS NULL, al.year, al.sort_name, al.id`,
    [artistId],
  );
  return ids(rows);
}

/** An album's tracks in play order: disc, then track number (index tracks_album). */
export async function trackIdsOfAlbum(database: Database, albumId: number): Promise<number[]> {
  const rows = await database.all(
    `SELECT id FROM tracks WHERE album_id = ?
          ORDER BY disc_number, track_number, sort_title, id`,
    [albumId],
  );
  return ids(rows);
}

export const ALBUM_LIST_TYPES = [
  "random",
  "newest",
  "highest",
  "frequent",
  "recent",
  "alphabeticalByName",
  "alphabeticalByArtist",
  "starred",
  "byYear",
  "byGenre",
] as const;
export type AlbumListType = (typeof ALBUM_LIST_TYPES)[number];

export interface AlbumListQuery {
  type: AlbumListType;
  userId: number;
  size: number;
  offset: number;
  folderId?: number;
  fromYear?: number;
  toYear?: number;
  genre?: string;
}

const GENRE_TRACKS =
  "SELECT tg.track_id FROM track_genres tg JOIN genres g ON g.id = tg.genre_id WHERE g.name = ?";

/** One page of album ids for getAlbumList/getAlbumList2. */
export async function albumList(database: Database, q: AlbumListQuery): Promise<number[]> {
  // A page of a random order is just a random pick (the offset means nothing).
  if (q.type === "random" && q.folderId === undefined) {
    return randomPick(await allIds(database, "albums"), q.size);
  }
  const joins: string[] = [];
  const where: string[] = [];
  const joinArgs: InValue[] = [];
  const whereArgs: InValue[] = [];
  let order: string;
  // The caller's plays per album: one pass over their plays (index plays_user_time).
  const playsJoin = `JOIN (SELECT t.album_id AS id, count(*) AS n, max(p.played_at) AS last
                     FROM plays p JOIN tracks t ON t.id = p.track_id
                     WHERE p.user_id = ? AND t.album_id IS NOT NULL GROUP BY t.album_id) x ON x.id = a.id`;
  switch (q.type) {
    case "random":
      order = "random()";
      break;
    case "newest":
      order = "a.created_at DESC, a.id DESC";
      break;
    case "alphabeticalByName":
      order = "a.sort_name, a.id";
      break;
    case "alphabeticalByArtist":
      order = `(SELECT ar.sort_name FROM album_artists aa JOIN artists ar ON ar.id = aa.artist_id
                WHERE aa.album_id = a.id ORDER BY aa.position LIMIT 1), a.sort_name, a.id`;
      break;
    case "highest":
      joins.push("JOIN ratings r ON r.user_id = ? AND r.item_type = 'album' AND r.item_id = a.id");
      joinArgs.push(q.userId);
      order = "r.rating DESC, a.sort_name, a.id";
      break;
    case "starred":
      joins.push("JOIN stars s ON s.user_id = ? AND s.item_type = 'album' AND s.item_id = a.id");
      joinArgs.push(q.userId);
      order = "s.created_at DESC, a.id";
      break;
    case "frequent":
      joins.push(playsJoin);
      joinArgs.push(q.userId);
      order = "x.n DESC, x.last DESC, a.id";
      break;
    case "recent":
      joins.push(playsJoin);
      joinArgs.push(q.userId);
      order = "x.last DESC, a.id";
      break;
    case "byYear": {
      const from = q.fromYear ?? 0;
      const to = q.toYear ?? 9999;
      where.push("a.year BETWEEN ? AND ?");
      whereArgs.push(Math.min(from, to), Math.max(from, to));
      order = `a.year ${from > to ? "DESC" : "ASC"}, a.sort_name, a.id`;
      break;
    }
    case "byGenre":
      where.push(`a.id IN (SELECT t.album_id FROM tracks t WHERE t.id IN (${GENRE_TRACKS}))`);
      whereArgs.push(q.genre ?? "");
      order = "a.sort_name, a.id";
      break;
  }
  if (q.folderId !== undefined) {
    where.push("a.folder_id = ?");
    whereArgs.push(q.folderId);
  }
  const rows = await database.all(
    `SELECT a.id FROM albums a ${joins.join(" ")}
          ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
          ORDER BY ${order} LIMIT ? OFFSET ?`,
    [...joinArgs, ...whereArgs, q.size, q.offset],
  );
  return ids(rows);
}

export interface TrackFilter {
  folderId?: number;
  genre?: string;
  fromYear?: number;
  toYear?: number;
}

function trackWhere(f: TrackFilter): { sql: string; args: InValue[] } {
  const where: string[] = [];
  const args: InValue[] = [];
  if (f.folderId !== undefined) {
    where.push("t.folder_id = ?");
    args.push(f.folderId);
  }
  if (f.fromYear !== undefined) {
    where.push("t.year >= ?");
    args.push(f.fromYear);
  }
  if (f.toYear !== undefined) {
    where.push("t.year <= ?");
    args.push(f.toYear);
  }
  if (f.genre !== undefined) {
    where.push(`t.id IN (${GENRE_TRACKS})`);
    args.push(f.genre);
  }
  return { sql: where.length ? `WHERE ${where.join(" AND ")}` : "", args };
}

/**
 * Random tracks. Unfiltered, a uniform pick from every track id (kept in memory per library
 * version): no query at all, where sorting the table by random() reads all of it. Filtered,
 * only ids are shuffled, so the sort is over a narrow column.
 */
export async function randomTrackIds(
  database: Database,
  filter: TrackFilter,
  size: number,
): Promise<number[]> {
  const w = trackWhere(filter);
  if (w.args.length === 0) return randomPick(await allIds(database, "tracks"), size);
  const rows = await database.all(`SELECT t.id FROM tracks t ${w.sql} ORDER BY random() LIMIT ?`, [
    ...w.args,
    size,
  ]);
  return ids(rows);
}

export async function trackIdsByGenre(
  database: Database,
  genre: string,
  page: { count: number; offset: number; folderId?: number },
): Promise<number[]> {
  const folder = page.folderId !== undefined;
  const rows = await database.all(
    `SELECT tg.track_id AS id FROM genres g JOIN track_genres tg ON tg.genre_id = g.id
          ${folder ? "JOIN tracks t ON t.id = tg.track_id AND t.folder_id = ?" : ""}
          WHERE g.name = ? ORDER BY tg.track_id LIMIT ? OFFSET ?`,
    [...(folder ? [page.folderId ?? 0] : []), genre, page.count, page.offset],
  );
  return ids(rows);
}

/**
 * An artist's most played tracks (all users), then the caller's rating. The artist is given by
 * id, or by name (every artist of that name).
 */
export async function topTrackIds(
  database: Database,
  artist: { id: number } | { name: string },
  userId: number,
  count: number,
): Promise<number[]> {
  const byId = "id" in artist;
  const rows = await database.all(
    `SELECT t.id FROM artists ar
          JOIN track_artists ta ON ta.artist_id = ar.id AND ta.role = 'artist'
          JOIN tracks t ON t.id = ta.track_id
          WHERE ${byId ? "ar.id" : "ar.name"} = ?
          ORDER BY (SELECT count(*) FROM plays p WHERE p.track_id = t.id) DESC,
            coalesce((SELECT rating FROM ratings r
                      WHERE r.user_id = ? AND r.item_type = 'track' AND r.item_id = t.id), 0) DESC,
            t.id
          LIMIT ?`,
    [byId ? artist.id : artist.name, userId, count],
  );
  return ids(rows);
}

/**
 * "Similar" from the local library alone: tracks sharing an artist or a genre
 * with the seed, in random order (the seed track itself left out).
 */
export async function similarTrackIds(
  database: Database,
  seed: ItemRef,
  count: number,
): Promise<number[]> {
  const seedArtists = {
    track: "SELECT artist_id FROM track_artists WHERE track_id = ? AND role = 'artist'",
    album: "SELECT artist_id FROM album_artists WHERE album_id = ?",
    artist: "SELECT ?",
  }[seed.type];
  const seedGenres = {
    track: "SELECT genre_id FROM track_genres WHERE track_id = ?",
    album:
      "SELECT tg.genre_id FROM tracks t JOIN track_genres tg ON tg.track_id = t.id WHERE t.album_id = ?",
    artist: `SELECT tg.genre_id FROM track_artists ta JOIN track_genres tg ON tg.track_id = ta.track_id
             WHERE ta.artist_id = ? AND ta.role = 'artist'`,
  }[seed.type];
  const rows = await database.all(
    `SELECT id FROM tracks WHERE id IN (
            SELECT track_id FROM track_artists WHERE role = 'artist' AND artist_id IN (${seedArtists})
            UNION SELECT track_id FROM track_genres WHERE genre_id IN (${seedGenres}))
          AND id <> ? ORDER BY random() LIMIT ?`,
    [seed.id, seed.id, seed.type === "track" ? seed.id : -1, count],
  );
  return ids(rows);
}
