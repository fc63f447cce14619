import type { Database } from "../db/client.ts";
import { entryInserts } from "./playlists.ts";

export interface PlayQueue {
  trackIds: number[];
  currentIndex: number;
  positionMs: number;
  changedAt: number;
  changedBy: string | null;
}

export async function loadPlayQueue(
  database: Database,
  userId: number,
): Promise<PlayQueue | undefined> {
  const [head, entries] = await database.client.batch(
    [
      {
        sql: "SELECT current_index, position_ms, changed_at, changed_by FROM play_queues WHERE user_id = ?",
        args: [userId],
      },
      {
        sql: "SELECT track_id FROM play_queue_entries WHERE user_id = ? ORDER BY position",
        args: [userId],
      },
    ],
    "read",
  );
  const r = head?.rows[0];
  if (!r) return undefined;
  return {
    trackIds: (entries?.rows ?? []).map((e) => Number(e.track_id)),
    currentIndex: Number(r.current_index),
    positionMs: Number(r.position_ms),
    changedAt: Number(r.changed_at),
    changedBy: r.changed_by === null ? null : String(r.changed_by),
  };
}

/** Replaces the saved queue in one transaction; an empty list clears it. */
export async function savePlayQueue(
  database: Database,
  userId: number,
  queue: Omit<PlayQueue, "changedAt">,
): Promise<void> {
  const clear = [
    { sql: "DELETE FROM play_queue_entries WHERE user_id = ?", args: [userId] },
    { sql: "DELETE FROM play_queues WHERE user_id = ?", args: [userId] },
  ];
  const fill =
    queue.trackIds.length === 0
      ? []
      : [
          {
            sql: `INSERT INTO play_queues (user_id, current_index, position_ms, changed_at, changed_by)
                  VALUES (?, ?, ?, ?, ?)`,
            args: [userId, queue.currentIndex, queue.positionMs, Date.now(), queue.changedBy],
          },
          ...entryInserts(
            "play_queue_entries",
            "user_id",
            { sql: "?", args: [userId] },
            queue.trackIds,
          ),
        ];
  await database.write(() => database.client.batch([...clear, ...fill], "write"));
}
