import type { Database } from "../db/client.ts";
import { entryInserts } from "./playlists.ts";

export interface JukeboxState {
  trackIds: number[];
  currentIndex: number;
  playing: boolean;
  gain: number;
  /** Seconds into the current track. */
  position: number;
}

export const EMPTY_JUKEBOX: JukeboxState = {
  trackIds: [],
  currentIndex: 0,
  playing: false,
  gain: 0.75,
  position: 0,
};

async function load(database: Database, userId: number): Promise<JukeboxState> {
  const [head, entries] = await database.client.batch(
    [
      {
        sql: "SELECT current_index, playing, gain, position FROM jukebox_states WHERE user_id = ?",
        args: [userId],
      },
      {
        sql: "SELECT track_id FROM jukebox_entries WHERE user_id = ? ORDER BY position",
        args: [userId],
      },
    ],
    "read",
  );
  const r = head?.rows[0];
  if (!r) return { ...EMPTY_JUKEBOX, trackIds: [] };
  return {
    trackIds: (entries?.rows ?? []).map((e) => Number(e.track_id)),
    currentIndex: Number(r.current_index),
    playing: Boolean(Number(r.playing)),
    gain: Number(r.gain),
    position: Number(r.position),
  };
}

export function jukeboxState(database: Database, userId: number): Promise<JukeboxState> {
  return load(database, userId);
}

/**
 * Reads the user's jukebox, applies `change` and writes the whole state back in
 * one transaction. The read and write run under the process write lock, so two
 * commands in this process never lose each other's change. `change` may throw
 * to refuse the command; nothing is written then.
 */
export async function changeJukebox(
  database: Database,
  userId: number,
  change: (state: JukeboxState) => JukeboxState,
): Promise<JukeboxState> {
  return database.write(async () => {
    const next = change(await load(database, userId));
    await database.client.batch(
      [
        { sql: "DELETE FROM jukebox_entries WHERE user_id = ?", args: [userId] },
        {
          sql: `INSERT INTO jukebox_states (user_id, current_index, playing, gain, position, changed_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (user_id) DO UPDATE SET current_index = excluded.current_index,
                  playing = excluded.playing, gain = excluded.gain, position = excluded.position,
                  changed_at = excluded.changed_at`,
          args: [
            userId,
            next.currentIndex,
            next.playing ? 1 : 0,
            next.gain,
            next.position,
            Date.now(),
          ],
        },
        ...entryInserts("jukebox_entries", "user_id", { sql: "?", args: [userId] }, next.trackIds),
      ],
      "write",
    );
    return next;
  });
}

/** Fisher–Yates with the current track moved to the front, so it keeps playing. */
export function shuffled(state: JukeboxState, random = Math.random): JukeboxState {
  const rest = state.trackIds.filter((_, i) => i !== state.currentIndex);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rest[i], rest[j]] = [rest[j] as number, rest[i] as number];
  }
  const current = state.trackIds[state.currentIndex];
  return {
    ...state,
    trackIds: current === undefined ? rest : [current, ...rest],
    currentIndex: 0,
  };
}
