import type { InStatement, InValue } from "@libsql/client";
import { type Database, LIBRARY_FAMILY } from "../db/client.ts";
import type { TrackTags } from "./tags.ts";

/** A parsed file, ready to become (or update) a track. */
export interface ScannedFile {
  folderId: number;
  relPath: string;
  size: number;
  mtime: number;
  tags: TrackTags;
  contentHash?: string;
  /** An existing track this file is (moved or retagged): keeps its id, stars and plays. */
  trackId?: number;
}

const VARIOUS = "Various Artists";
type Role = "artist" | "albumartist" | "composer" | "performer" | "conductor" | "lyricist";

/** "The Beatles" sorts as "Beatles, The"-ish: drop a leading article, fold case. */
export function sortKey(name: string): string {
  return name
    .replace(/^(the|a|an|die|der|das|le|la|les|el|los)\s+/i, "")
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase();
}

export function albumArtistOf(tags: TrackTags): string {
  if (tags.albumArtists.length) return tags.albumArtists.join(", ");
  if (tags.compilation) return VARIOUS;
  return tags.artists[0] ?? "Unknown Artist";
}

/** What groups tracks into one album: album artist + album (+ MusicBrainz album id). */
export function albumKey(tags: TrackTags): string {
  const artist = albumArtistOf(tags).toLowerCase();
  const album = (tags.album ?? "").toLowerCase();
  // Unit separator, not NUL: libSQL cuts text at a NUL byte.
  return tags.mbid.album
    ? `${artist}\u001f${album}\u001f${tags.mbid.album}`
    : `${artist}\u001f${album}`;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const n = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : v);
const s = (v: string | undefined) => (v === undefined || v === "" ? null : v);

/**
 * Writes scanned files into the library: artists, albums, genres and tracks
 * with their links. Each `write()` is one libSQL batch — all of it or none.
 * Name → id maps are cached so a scan resolves most names without a query.
 */
export class LibraryStore {
  private readonly artists = new Map<string, number>();
  private readonly albums = new Map<string, number>();
  private readonly genres = new Map<string, number>();

  constructor(private readonly database: Database) {}

  private get client() {
    return this.database.client;
  }

  /** The album id a written file's tags resolve to. */
  albumIdFor(tags: TrackTags): number | undefined {
    return this.albums.get(albumKey(tags));
  }

  async load(): Promise<void> {
    const [ar, al, ge] = await this.client.batch(
      [
        "SELECT id, name FROM artists",
        "SELECT id, group_key FROM albums",
        "SELECT id, name FROM genres",
      ],
      "read",
    );
    this.artists.clear();
    this.albums.clear();
    this.genres.clear();
    for (const r of ar?.rows ?? []) this.artists.set(String(r.name), Number(r.id));
    for (const r of al?.rows ?? []) this.albums.set(String(r.group_key), Number(r.id));
    for (const r of ge?.rows ?? []) this.genres.set(String(r.name), Number(r.id));
  }

  private async ensureNamed(
    table: "artists" | "genres",
    cache: Map<string, number>,
    names: Set<string>,
  ): Promise<void> {
    const missing = [...names].filter((name) => !cache.has(name));
    if (missing.length === 0) return;
    await this.database.write(() =>
      this.client.batch(
        missing.map((name) =>
          table === "artists"
            ? {
                sql: "INSERT INTO artists (name, sort_name) VALUES (?, ?) ON CONFLICT(name) DO NOTHING",
                args: [name, sortKey(name)],
              }
            : {
                sql: "INSERT INTO genres (name) VALUES (?) ON CONFLICT(name) DO NOTHING",
                args: [name],
              },
        ),
        "write",
      ),
    );
    for (const part of chunks(missing, 400)) {
      const rows = await this.client.execute({
        sql: `SELECT id, name FROM ${table} WHERE name IN (${part.map(() => "?").join(",")})`,
        args: part,
      });
      for (const r of rows.rows) cache.set(String(r.name), Number(r.id));
    }
  }

  private async ensureAlbums(files: ScannedFile[]): Promise<void> {
    const fresh = new Map<string, ScannedFile>();
    for (const f of files) {
      const key = albumKey(f.tags);
      if (!this.albums.has(key) && !fresh.has(key)) fresh.set(key, f);
    }
    if (fresh.size === 0) return;
    const statements: InStatement[] = [];
    for (const [key, f] of fresh) {
      const t = f.tags;
      const name = t.album ?? "Unknown Album";
      statements.push({
        sql: `INSERT INTO albums (group_key, name, sort_name, display_artist, year, release_date,
                original_date, mbid, compilation, release_types, folder_id, rg_album_gain, rg_album_peak)
              VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(group_key) DO NOTHING`,
        args: [
          key,
          name,
          sortKey(t.sortAlbum ?? name),
          albumArtistOf(t),
          n(t.year),
          s(t.date),
          s(t.originalDate),
          s(t.mbid.album),
          t.compilation ? 1 : 0,
          t.releaseTypes.length ? t.releaseTypes.join(";") : null,
          f.folderId,
          n(t.replayGain.albumGain),
          n(t.replayGain.albumPeak),
        ],
      });
      const albumArtists = t.albumArtists.length
        ? t.albumArtists
        : [t.compilation ? VARIOUS : (t.artists[0] ?? "Unknown Artist")];
      albumArtists.forEach((artist, position) => {
        statements.push({
          sql: `INSERT OR IGNORE INTO album_artists (album_id, artist_id, role, position)
                VALUES ((SELECT id FROM albums WHERE group_key = ?), ?, 'albumartist', ?)`,
          args: [key, this.artists.get(artist) ?? null, position],
        });
      });
    }
    await this.database.write(() => this.client.batch(statements, "write"));
    for (const part of chunks([...fresh.keys()], 400)) {
      const rows = await this.client.execute({
        sql: `SELECT id, group_key FROM albums WHERE group_key IN (${part.map(() => "?").join(",")})`,
        args: part,
      });
      for (const r of rows.rows) this.albums.set(String(r.group_key), Number(r.id));
    }
  }

  /** Upserts the files as tracks, in one atomic batch. */
  async write(files: ScannedFile[]): Promise<void> {
    if (files.length === 0) return;
    const artistNames = new Set<string>();
    const genreNames = new Set<string>();
    for (const { tags: t } of files) {
      for (const list of [
        t.artists,
        t.albumArtists,
        t.composers,
        t.performers,
        t.conductors,
        t.lyricists,
      ]) {
        for (const a of list) artistNames.add(a);
      }
      if (!t.albumArtists.length)
        artistNames.add(t.compilation ? VARIOUS : (t.artists[0] ?? "Unknown Artist"));
      for (const g of t.genres) genreNames.add(g);
    }
    await this.ensureNamed("artists", this.artists, artistNames);
    await this.ensureNamed("genres", this.genres, genreNames);
    await this.ensureAlbums(files);

    await this.database.write(() => this.client.batch(this.trackStatements(files), "write"));
    await this.database.changed(LIBRARY_FAMILY);
  }

  private trackRow(f: ScannedFile): Record<string, InValue> {
    const t = f.tags;
    const title = t.title ?? f.relPath;
    return {
      folder_id: f.folderId,
      path: f.relPath,
      size: f.size,
      mtime: f.mtime,
      content_hash: s(f.contentHash),
      album_id: this.albums.get(albumKey(t)) ?? null,
      title,
      sort_title: sortKey(t.sortTitle ?? title),
      display_artist: t.artists.join(", ") || "Unknown Artist",
      track_number: n(t.trackNumber),
      track_total: n(t.trackTotal),
      disc_number: n(t.discNumber),
      disc_total: n(t.discTotal),
      disc_subtitle: s(t.discSubtitle),
      year: n(t.year),
      date: s(t.date),
      original_date: s(t.originalDate),
      mbid: s(t.mbid.track ?? t.mbid.recording),
      isrc: s(t.isrc),
      bpm: t.bpm === undefined ? null : Math.round(t.bpm),
      comment: s(t.comment),
      lyrics: s(t.lyrics),
      synced_lyrics: t.syncedLyrics?.length ? JSON.stringify(t.syncedLyrics) : null,
      duration_ms: Math.round(t.durationMs || 0),
      bit_rate: n(t.bitRate),
      sample_rate: n(t.sampleRate),
      bit_depth: n(t.bitDepth),
      channels: n(t.channels),
      codec: s(t.codec),
      suffix: t.suffix,
      content_type: t.contentType,
      rg_track_gain: n(t.replayGain.trackGain),
      rg_track_peak: n(t.replayGain.trackPeak),
      updated_at: Date.now(),
    };
  }

  /**
   * Few, wide statements: one upsert of the tracks, one delete of their old links, one insert each
   * for artist and genre links. The rows travel as one JSON array parameter read by `json_each`:
   * a statement with thousands of placeholders cost more to prepare (SQLite compiles every
   * placeholder) than to run, while this SQL is short and the same for any number of rows.
   */
  private trackStatements(files: ScannedFile[]): InStatement[] {
    const out: InStatement[] = [];
    const fresh = files.filter((f) => f.trackId === undefined);
    const moved = files.filter((f) => f.trackId !== undefined);
    for (const part of chunks(fresh, 1000)) {
      const rows = part.map((f) => this.trackRow(f));
      const cols = Object.keys(rows[0] ?? {});
      out.push({
        sql: `INSERT INTO tracks (${cols.join(", ")})
              SELECT ${cols.map((_, i) => `value->>${i}`).join(", ")} FROM json_each(?) WHERE true
              ON CONFLICT(folder_id, path) DO UPDATE SET ${cols
                .filter((c) => c !== "folder_id" && c !== "path")
                .map((c) => `${c} = excluded.${c}`)
                .join(", ")}`,
        args: [JSON.stringify(rows.map((r) => Object.values(r)))],
      });
    }
    for (const f of moved) {
      const row = this.trackRow(f);
      out.push({
        sql: `UPDATE tracks SET ${Object.keys(row)
          .map((c) => `${c} = ?`)
          .join(", ")} WHERE id = ?`,
        args: [...Object.values(row), f.trackId ?? null],
      });
    }

    // Links are keyed by (folder, path), resolved to track ids inside SQLite.
    const keys = files.map((f) => [f.folderId, f.relPath]);
    for (const part of chunks(keys, 1000)) {
      const ids = `SELECT t.id FROM json_each(?) j CROSS JOIN tracks t
                   ON t.folder_id = j.value->>0 AND t.path = j.value->>1`;
      const args = [JSON.stringify(part)];
      out.push({ sql: `DELETE FROM track_artists WHERE track_id IN (${ids})`, args });
      out.push({ sql: `DELETE FROM track_genres WHERE track_id IN (${ids})`, args });
    }
    const artistLinks: InValue[][] = [];
    const genreLinks: InValue[][] = [];
    for (const f of files) {
      const t = f.tags;
      const roles: [Role, string[]][] = [
        ["artist", t.artists],
        ["albumartist", t.albumArtists],
        ["composer", t.composers],
        ["performer", t.performers],
        ["conductor", t.conductors],
        ["lyricist", t.lyricists],
      ];
      for (const [role, names] of roles) {
        names.forEach((name, position) => {
          const artistId = this.artists.get(name);
          if (artistId !== undefined) {
            artistLinks.push([f.folderId, f.relPath, artistId, role, position]);
          }
        });
      }
      for (const g of t.genres) {
        const genreId = this.genres.get(g);
        if (genreId !== undefined) genreLinks.push([f.folderId, f.relPath, genreId]);
      }
    }
    for (const part of chunks(artistLinks, 2000)) {
      out.push({
        sql: `INSERT OR IGNORE INTO track_artists (track_id, artist_id, role, position)
              SELECT t.id, j.value->>2, j.value->>3, j.value->>4
              FROM json_each(?) j CROSS JOIN tracks t
                ON t.folder_id = j.value->>0 AND t.path = j.value->>1`,
        args: [JSON.stringify(part)],
      });
    }
    for (const part of chunks(genreLinks, 2000)) {
      out.push({
        sql: `INSERT OR IGNORE INTO track_genres (track_id, genre_id)
              SELECT t.id, j.value->>2
              FROM json_each(?) j CROSS JOIN tracks t
                ON t.folder_id = j.value->>0 AND t.path = j.value->>1`,
        args: [JSON.stringify(part)],
      });
    }
    return out;
  }

  /**
   * Deletes tracks, then albums, artists and genres nothing refers to any more; `also` runs in
   * the same batch after the tracks go (all or nothing).
   */
  async remove(trackIds: number[], also: InStatement[] = []): Promise<void> {
    const statements: InStatement[] = chunks(trackIds, 400).map((part) => ({
      sql: `DELETE FROM tracks WHERE id IN (${part.map(() => "?").join(",")})`,
      args: part,
    }));
    statements.push(
      ...also,
      "DELETE FROM albums WHERE id NOT IN (SELECT album_id FROM tracks WHERE album_id IS NOT NULL)",
      `DELETE FROM artists WHERE id NOT IN (SELECT artist_id FROM track_artists)
         AND id NOT IN (SELECT artist_id FROM album_artists)`,
      "DELETE FROM genres WHERE id NOT IN (SELECT genre_id FROM track_genres)",
    );
    await this.database.write(() => this.client.batch(statements, "write"));
    await this.database.changed(LIBRARY_FAMILY);
    await this.load();
  }
}
