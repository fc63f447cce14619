import type { Row } from "@libsql/client";
import type { Database } from "../db/client.ts";

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

function inOrder<T extends { id: number }>(ids: number[], rows: T[]): T[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    return r ? [r] : [];
  });
}

/**
 * The ids as one JSON parameter: the statement text stays the same whatever the count,
 * and preparing a list of hundreds of "?" costs more than the query it guards.
 */
const ID_LIST = "SELECT value FROM json_each(?)";

export async function tracksByIds(database: Database, ids: number[]): Promise<TrackView[]> {
  if (ids.length === 0) return [];
  const rs = await database.client.execute({
    sql: `SELECT t.*, a.name AS album_name, a.rg_album_gain, a.rg_album_peak,
            (SELECT artist_id FROM track_artists WHERE track_id = t.id AND role = 'artist' ORDER BY position LIMIT 1) AS artist_id,
            (SELECT artist_id FROM album_artists WHERE album_id = t.album_id ORDER BY position LIMIT 1) AS album_artist_id,
            (SELECT group_concat(g.name, char(31)) FROM track_genres tg JOIN genres g ON g.id = tg.genre_id WHERE tg.track_id = t.id) AS genre_names
          FROM tracks t LEFT JOIN albums a ON a.id = t.album_id WHERE t.id IN (${ID_LIST})`,
    args: [JSON.stringify(ids)],
  });
  return inOrder(ids, rs.rows.map(trackView));
}

function trackView(r: Row): TrackView {
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

export async function albumsByIds(database: Database, ids: number[]): Promise<AlbumView[]> {
  if (ids.length === 0) return [];
  const rs = await database.client.execute({
    sql: `SELECT a.*, count(t.id) AS song_count, coalesce(sum(t.duration_ms), 0) AS duration,
            (SELECT artist_id FROM album_artists WHERE album_id = a.id ORDER BY position LIMIT 1) AS artist_id,
            (SELECT group_concat(DISTINCT g.name) FROM tracks t2 JOIN track_genres tg ON tg.track_id = t2.id
               JOIN genres g ON g.id = tg.genre_id WHERE t2.album_id = a.id) AS genre_names
          FROM albums a LEFT JOIN tracks t ON t.album_id = a.id
          WHERE a.id IN (${ID_LIST}) GROUP BY a.id`,
    args: [JSON.stringify(ids)],
  });
  return inOrder(
    ids,
    rs.rows.map((r) => ({
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
    })),
  );
}

export async function artistsByIds(database: Database, ids: number[]): Promise<ArtistView[]> {
  if (ids.length === 0) return [];
  const rs = await database.client.execute({
    sql: `SELECT ar.id, ar.name, ar.mbid, ar.cover_art_id,
            (SELECT count(*) FROM album_artists aa WHERE aa.artist_id = ar.id) AS album_count
          FROM artists ar WHERE ar.id IN (${ID_LIST})`,
    args: [JSON.stringify(ids)],
  });
  return inOrder(
    ids,
    rs.rows.map((r) => ({
      id: Number(r.id),
      name: String(r.name),
      albumCount: Number(r.album_count),
      coverArtId: str(r.cover_art_id),
      mbid: str(r.mbid),
    })),
  );
}

export async function countTracks(database: Database): Promise<number> {
  const rs = await database.client.execute("SELECT count(*) AS n FROM tracks");
  return Number(rs.rows[0]?.n ?? 0);
}
