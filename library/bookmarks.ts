import type { Database } from "../db/client.ts";

export interface BookmarkRow {
  trackId: number;
  positionMs: number;
  comment: string | null;
  createdAt: number;
  updatedAt: number;
}

export async function listBookmarks(database: Database, userId: number): Promise<BookmarkRow[]> {
  const rs = await database.client.execute({
    sql: `SELECT track_id, position_ms, comment, created_at, updated_at FROM bookmarks
          WHERE user_id = ? ORDER BY updated_at DESC, track_id`,
    args: [userId],
  });
  return rs.rows.map((r) => ({
    trackId: Number(r.track_id),
    positionMs: Number(r.position_ms),
    comment: r.comment === null ? null : String(r.comment),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  }));
}

/** One bookmark per user and track: a second one moves it. */
export async function upsertBookmark(
  database: Database,
  userId: number,
  trackId: number,
  positionMs: number,
  comment: string | null,
): Promise<void> {
  const now = Date.now();
  await database.write(() =>
    database.client.execute({
      sql: `INSERT INTO bookmarks (user_id, track_id, position_ms, comment, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (user_id, track_id) DO UPDATE SET position_ms = excluded.position_ms,
              comment = excluded.comment, updated_at = excluded.updated_at`,
      args: [userId, trackId, positionMs, comment, now, now],
    }),
  );
}

/** True when there was one to delete. */
export async function deleteBookmark(
  database: Database,
  userId: number,
  trackId: number,
): Promise<boolean> {
  const rs = await database.write(() =>
    database.client.execute({
      sql: "DELETE FROM bookmarks WHERE user_id = ? AND track_id = ?",
      args: [userId, trackId],
    }),
  );
  return rs.rowsAffected > 0;
}
