import type { Database } from "../db/client.ts";

export interface PlayEntry {
  trackId: number;
  playedAt: number;
}

/**
 * A user's counted plays, newest first (index plays_user_time), one page at a time. Asks for one
 * row more than the page so the caller knows whether a next page exists without counting.
 */
export async function playHistory(
  database: Database,
  userId: number,
  page: { size: number; offset: number },
): Promise<{ plays: PlayEntry[]; more: boolean }> {
  const rs = await database.client.execute({
    sql: `SELECT track_id, played_at FROM plays WHERE user_id = ?
          ORDER BY played_at DESC, id DESC LIMIT ? OFFSET ?`,
    args: [userId, page.size + 1, page.offset],
  });
  const plays = rs.rows.map((r) => ({
    trackId: Number(r.track_id),
    playedAt: Number(r.played_at),
  }));
  return { plays: plays.slice(0, page.size), more: plays.length > page.size };
}
