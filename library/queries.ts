import { type Database, LIBRARY_FAMILY, type ReadRow } from "../db/client.ts";

export interface TrackView {
  id: number;
  albumId: number | null;
  album: string | null;
  title: string;
  artist: string;
  artistId: number | null;
  albumArtistId: number | null;
  trackNumber: number | null;
  discNumber: number | null;
  discSubtitle: string | null;
  year: number | null;
  genres: string[];
  coverArtId: string | null;
  size: number;
  contentType: string;
  suffix: string;
  durationMs: number;
  bitRate: number | null;
  sampleRate: number | null;
  bitDepth: number | null;
  channels: number | null;
  path: string;
  folderId: number;
  createdAt: number;
  mbid: string | null;
  isrc: string | null;
  bpm: number | null;
  comment: string | null;
  trackGain: number | null;
  trackPeak: number | null;
  albumGain: number | null;
  albumPeak: number | null;
}

export interface AlbumView {
  id: number;
  name: string;
  artist: string;
  artistId: number | null;
  year: number | null;
  coverArtId: string | null;
  songCount: number;
  durationMs: number;
  createdAt: number;
  compilation: boolean;
  mbid: string | null;
  genres: string[];
}

export interface ArtistView {
  id: number;
  name: string;
  albumCount: number;
  coverArtId: string | null;
  mbid: string | null;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

/**
 * The ids as one JSON parameter: the statement text stays the same whatever the count,
 * and preparing a list of hundreds of "?" costs more than the query it guards.
 */
const ID_LIST = "SELECT value FROM json_each(?)";

/**
 * Views by id, kept per library version: a list page or a random pick mostly hydrates rows
 * read before. Callers get shared objects and must not change them.
 */
interface Memo {
  token: string;
  tracks: Map<number, TrackView>;
  albums: Map<number, AlbumView>;
  artists: Map<number, ArtistView>;
  /** Every id of a table, for random picks without sorting the table by random(). */
  ids: Partial<Record<"tracks" | "albums", Promise<number[]>>>;
}

const memos = new WeakMap<Database, Memo>();
/** Views kept per kind; past it, the oldest quarter goes (a 10k library fits whole). */
const MEMO_MAX = 20_000;

async function memo(database: Database): Promise<Memo> {
  const token = await database.freshness(LIBRARY_FAMILY);
  let m = memos.get(database);
  if (m?.token !== token) {
    m = { token, tracks: new Map(), albums: new Map(), artists: new Map(), ids: {} };
    memos.set(database, m);
  }
  return m;
}

async function memoized<T extends { id: number }>(
  database: Database,
  ids: number[],
  pick: (m: Memo) => Map<number, T>,
  load: (ids: number[]) => Promise<T[]>,
): Promise<T[]> {
  if (ids.length === 0) return [];
  // The token is taken before reading, so rows read across a write land in a stale memo.
  const map = pick(await memo(database));
  const out: (T | undefined)[] = ids.map((id) => map.get(id));
  const missing = ids.filter((_, i) => out[i] === undefined);
  if (missing.length > 0) {
    const rows = await load([...new Set(missing)]);
    if (map.size + rows.length > MEMO_MAX) {
      let drop = Math.max(rows.length, MEMO_MAX / 4);
      for (const key of map.keys()) {
        if (drop-- <= 0) break;
        map.delete(key);
      }
    }
    const read = new Map<number, T>();
    for (const row of rows) {
      map.set(row.id, row);
      read.set(row.id, row);
    }
    for (let i = 0; i < ids.length; i++) out[i] ??= read.get(ids[i] as number);
  }
  return out.filter((row): row is T => row !== undefined);
}

/** Every track or album id, ascending (kept per library version: 8 bytes an item). */
export async function allIds(database: Database, table: "tracks" | "albums"): Promise<number[]> {
  const m = await memo(database);
  let ids = m.ids[table];
  if (!ids) {
    const read = database
      .all(`SELECT id FROM ${table} ORDER BY id`)
      .then((rows) => rows.map((r) => Number(r.id)));
    // A failed read is not kept.
    read.catch(() => {
      if (m.ids[table] === read) delete m.ids[table];
    });
    ids = m.ids[table] = read;
  }
  return ids;
}

/** `size` distinct items of `items`, in random order (all of them, shuffled, when fewer). */
export function randomPick<T>(items: readonly T[], size: number): T[] {
  if (size >= items.length / 2) {
    const copy = items.slice();
    const n = Math.min(size, copy.length);
    // A partial Fisher–Yates: the first n places end up a uniform sample.
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(Math.random() * (copy.length - i));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy.slice(0, n);
  }
  const picked = new Set<number>();
  while (picked.size < size) picked.add(Math.floor(Math.random() * items.length));
  return [...picked].map((i) => items[i] as T);
}

export function tracksByIds(database: Database, ids: number[]): Promise<TrackView[]> {
  return memoized(
    database,
    ids,
    (m) => m.tracks,
    (missing) => loadTracks(database, missing),
  );
}

async function loadTracks(database: Database, ids: number[]): Promise<TrackView[]> {
  const rows = await database.all(
    `SELECT t.*, a.name AS album_name, a.rg_album_gain, a.rg_album_peak,
            (SELECT artist_id FROM track_artists WHERE track_id = t.id AND role = 'artist' ORDER BY position LIMIT 1) AS artist_id,
            (SELECT artist_id FROM album_artists WHERE album_id = t.album_id ORDER BY position LIMIT 1) AS album_artist_id,
            (SELECT group_concat(g.name, char(31)) FROM track_genres tg JOIN genres g ON g.id = tg.genre_id WHERE tg.track_id = t.id) AS genre_names
          FROM tracks t LEFT JOIN albums a ON a.id = t.album_id WHERE t.id IN (${ID_LIST})`,
    [JSON.stringify(ids)],
  );
  return rows.map(trackView);
}

function trackView(r: ReadRow): TrackView {
  return {
    id: Number(r.id),
    albumId: num(r.album_id),
    album: str(r.album_name),
    title: String(r.title),
    artist: String(r.display_artist),
    artistId: num(r.artist_id),
    albumArtistId: num(r.album_artist_id),
    trackNumber: num(r.track_number),
    discNumber: num(r.disc_number),
    discSubtitle: str(r.disc_subtitle),
    year: num(r.year),
    genres: r.genre_names ? String(r.genre_names).split("\u001f") : [],
    coverArtId: str(r.cover_art_id),
    size: Number(r.size),
    contentType: String(r.content_type),
    suffix: String(r.suffix),
    durationMs: Number(r.duration_ms),
    bitRate: num(r.bit_rate),
    sampleRate: num(r.sample_rate),
    bitDepth: num(r.bit_depth),
    channels: num(r.channels),
    path: String(r.path),
    folderId: Number(r.folder_id),
    createdAt: Number(r.created_at),
    mbid: str(r.mbid),
    isrc: str(r.isrc),
    bpm: num(r.bpm),
    comment: str(r.comment),
    trackGain: num(r.rg_track_gain),
    trackPeak: num(r.rg_track_peak),
    albumGain: num(r.rg_album_gain),
    albumPeak: num(r.rg_album_peak),
  };
}

export function albumsByIds(database: Database, ids: number[]): Promise<AlbumView[]> {
  return memoized(
    database,
    ids,
    (m) => m.albums,
    (missing) => loadAlbums(database, missing),
  );
}

async function loadAlbums(database: Database, ids: number[]): Promise<AlbumView[]> {
  const rows = await database.all(
    `SELECT a.*, count(t.id) AS song_count, coalesce(sum(t.duration_ms), 0) AS duration,
            (SELECT artist_id FROM album_artists WHERE album_id = a.id ORDER BY position LIMIT 1) AS artist_id,
            (SELECT group_concat(DISTINCT g.name) FROM tracks t2 JOIN track_genres tg ON tg.track_id = t2.id
               JOIN genres g ON g.id = tg.genre_id WHERE t2.album_id = a.id) AS genre_names
          FROM albums a LEFT JOIN tracks t ON t.album_id = a.id
          WHERE a.id IN (${ID_LIST}) GROUP BY a.id`,
    [JSON.stringify(ids)],
  );
  return rows.map(
    (r): AlbumView => ({
      id: Number(r.id),
      name: String(r.name),
      artist: String(r.display_artist),
      artistId: num(r.artist_id),
      year: num(r.year),
      coverArtId: str(r.cover_art_id),
      songCount: Number(r.song_count),
      durationMs: Number(r.duration),
      createdAt: Number(r.created_at),
      compilation: Number(r.compilation) === 1,
      mbid: str(r.mbid),
      genres: r.genre_names ? String(r.genre_names).split(",") : [],
    }),
  );
}

export function artistsByIds(database: Database, ids: number[]): Promise<ArtistView[]> {
  return memoized(
    database,
    ids,
    (m) => m.artists,
    (missing) => loadArtists(database, missing),
  );
}

async function loadArtists(database: Database, ids: number[]): Promise<ArtistView[]> {
  const rows = await database.all(
    `SELECT ar.id, ar.name, ar.mbid, ar.cover_art_id,
            (SELECT count(*) FROM album_artists aa WHERE aa.artist_id = ar.id) AS album_count
          FROM artists ar WHERE ar.id IN (${ID_LIST})`,
    [JSON.stringify(ids)],
  );
  return rows.map(
    (r): ArtistView => ({
      id: Number(r.id),
      name: String(r.name),
      albumCount: Number(r.album_count),
      coverArtId: str(r.cover_art_id),
      mbid: str(r.mbid),
    }),
  );
}

export async function countTracks(database: Database): Promise<number> {
  const [row] = await database.all("SELECT count(*) AS n FROM tracks");
  return Number(row?.n ?? 0);
}
