import type { InStatement, Row } from "@libsql/client";
import type { Database } from "../db/client.ts";

export interface PlaylistView {
  id: number;
  ownerId: number;
  owner: string;
  name: string;
  comment: string | null;
  public: boolean;
  songCount: number;
  durationMs: number;
  coverArtId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface PlaylistChanges {
  name?: string;
  comment?: string;
  public?: boolean;
  add?: number[];
  /** Positions in the list as it was before this update. */
  removeIndexes?: number[];
}

// Counts, duration and cover are derived on read: they can never drift from the entries.
const SUMMARY = `SELECT p.id, p.owner_id, u.username AS owner, p.name, p.comment, p.public,
    p.created_at, p.updated_at,
    (SELECT count(*) FROM playlist_entries e WHERE e.playlist_id = p.id) AS song_count,
    (SELECT coalesce(sum(t.duration_ms), 0) FROM playlist_entries e JOIN tracks t ON t.id = e.track_id
      WHERE e.playlist_id = p.id) AS duration_ms,
    (SELECT coalesce(t.cover_art_id, a.cover_art_id) FROM playlist_entries e
      JOIN tracks t ON t.id = e.track_id LEFT JOIN albums a ON a.id = t.album_id
      WHERE e.playlist_id = p.id ORDER BY e.position LIMIT 1) AS cover_art_id
  FROM playlists p JOIN users u ON u.id = p.owner_id`;

function view(r: Row): PlaylistView {
  return {
    id: Number(r.id),
    ownerId: Number(r.owner_id),
    owner: String(r.owner),
    name: String(r.name),
    comment: r.comment === null ? null : String(r.comment),
    public: Boolean(Number(r.public)),
    songCount: Number(r.song_count),
    durationMs: Number(r.duration_ms),
    coverArtId: r.cover_art_id === null ? null : String(r.cover_art_id),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** A user's own playlists, plus the public ones of others when `withPublic`. */
export async function listPlaylists(
  database: Database,
  userId: number,
  withPublic: boolean,
): Promise<PlaylistView[]> {
  const rs = await database.client.execute({
    sql: `${SUMMARY} WHERE p.owner_id = ? ${withPublic ? "OR p.public = 1" : ""}
          ORDER BY p.name COLLATE NOCASE, p.id`,
    args: [userId],
  });
  return rs.rows.map(view);
}

export async function playlistById(
  database: Database,
  id: number,
): Promise<PlaylistView | undefined> {
  const rs = await database.client.execute({ sql: `${SUMMARY} WHERE p.id = ?`, args: [id] });
  const r = rs.rows[0];
  return r ? view(r) : undefined;
}

export async function playlistTrackIds(database: Database, id: number): Promise<number[]> {
  const rs = await database.client.execute({
    sql: "SELECT track_id FROM playlist_entries WHERE playlist_id = ? ORDER BY position",
    args: [id],
  });
  return rs.rows.map((r) => Number(r.track_id));
}

/**
 * Inserts of the entries, chunked so a long list stays under SQLite's parameter
 * limit. `playlistSql` is the expression yielding the playlist id (a bound `?`
 * or a sub-select in the same batch).
 */
export function entryInserts(
  table: string,
  ownerColumn: string,
  owner: { sql: string; args: (number | string)[] },
  trackIds: number[],
): InStatement[] {
  const out: InStatement[] = [];
  for (let start = 0; start < trackIds.length; start += 300) {
    const chunk = trackIds.slice(start, start + 300);
    out.push({
      sql: `INSERT INTO ${table} (${ownerColumn}, position, track_id) VALUES ${chunk
        .map(() => `(${owner.sql}, ?, ?)`)
        .join(", ")}`,
      args: chunk.flatMap((trackId, i) => [...owner.args, start + i, trackId]),
    });
  }
  return out;
}

/** Creates a playlist with its songs in one transaction; answers its id. */
export async function createPlaylist(
  database: Database,
  ownerId: number,
  name: string,
  trackIds: number[],
): Promise<number> {
  const now = Date.now();
  const results = await database.write(() =>
    database.client.batch(
      [
        {
          sql: `INSERT INTO playlists (owner_id, name, public, created_at, updated_at)
                VALUES (?, ?, 0, ?, ?) RETURNING id`,
          args: [ownerId, name, now, now],
        },
        // AUTOINCREMENT ids only grow, and the batch is one write transaction:
        // the largest id is the row just inserted.
        ...entryInserts(
          "playlist_entries",
          "playlist_id",
          { sql: "(SELECT max(id) FROM playlists)", args: [] },
          trackIds,
        ),
      ],
      "write",
    ),
  );
  return Number(results[0]?.rows[0]?.id);
}

/** Replaces the songs of a playlist (createPlaylist with playlistId). */
export async function replacePlaylistTracks(
  database: Database,
  id: number,
  trackIds: number[],
  name?: string,
): Promise<void> {
  await database.write(() =>
    database.client.batch(
      [
        { sql: "DELETE FROM playlist_entries WHERE playlist_id = ?", args: [id] },
        ...entryInserts("playlist_entries", "playlist_id", { sql: "?", args: [id] }, trackIds),
        {
          sql: "UPDATE playlists SET updated_at = ?, name = coalesce(?, name) WHERE id = ?",
          args: [Date.now(), name ?? null, id],
        },
      ],
      "write",
    ),
  );
}

/**
 * Applies an update. Removal indexes refer to the list before the update, so
 * they are applied first, then additions are appended. The read and the write
 * run under the process write lock so two updates in this process cannot
 * interleave; the rewrite itself is one transaction.
 */
export async function updatePlaylist(
  database: Database,
  id: number,
  changes: PlaylistChanges,
): Promise<void> {
  await database.write(async () => {
    const statements: InStatement[] = [];
    const sets: string[] = ["updated_at = ?"];
    const args: (string | number | null)[] = [Date.now()];
    if (changes.name !== undefined) {
      sets.push("name = ?");
      args.push(changes.name);
    }
    if (changes.comment !== undefined) {
      sets.push("comment = ?");
      args.push(changes.comment);
    }
    if (changes.public !== undefined) {
      sets.push("public = ?");
      args.push(changes.public ? 1 : 0);
    }
    statements.push({
      sql: `UPDATE playlists SET ${sets.join(", ")} WHERE id = ?`,
      args: [...args, id],
    });
    if (changes.removeIndexes?.length || changes.add?.length) {
      const current = await playlistTrackIds(database, id);
      const drop = new Set(changes.removeIndexes ?? []);
      const next = current.filter((_, i) => !drop.has(i)).concat(changes.add ?? []);
      statements.push(
        { sql: "DELETE FROM playlist_entries WHERE playlist_id = ?", args: [id] },
        ...entryInserts("playlist_entries", "playlist_id", { sql: "?", args: [id] }, next),
      );
    }
    await database.client.batch(statements, "write");
  });
}

export async function deletePlaylist(database: Database, id: number): Promise<void> {
  // Entries go by ON DELETE CASCADE, but deleting them explicitly does not rely on the pragma.
  await database.write(() =>
    database.client.batch(
      [
        { sql: "DELETE FROM playlist_entries WHERE playlist_id = ?", args: [id] },
        { sql: "DELETE FROM playlists WHERE id = ?", args: [id] },
      ],
      "write",
    ),
  );
}
