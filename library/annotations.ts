import type { InStatement } from "@libsql/client";
import type { Database } from "../db/client.ts";

/** What a user can mark: the `item_type` of stars and ratings. */
export type ItemType = "artist" | "album" | "track";

export interface ItemRef {
  type: ItemType;
  id: number;
}

/** The caller's own marks on one item. */
export interface Annotation {
  starredAt?: number;
  rating?: number;
  playCount?: number;
}

/** Plain now-playing entries (stream, scrobble submission=false) older than this are not shown. */
export const NOW_PLAYING_TTL_MS = 10 * 60_000;

/**
 * Deletes the rows whose plain entry is older than the TTL and whose playback report (see
 * library/playback.ts) has expired. Arguments: now - NOW_PLAYING_TTL_MS, now.
 */
export const PRUNE_NOW_PLAYING = `DELETE FROM now_playing
  WHERE (updated_at IS NULL OR updated_at < ?) AND (expires_at IS NULL OR expires_at < ?)`;

const TABLES: Record<ItemType, string> = { artist: "artists", album: "albums", track: "tracks" };
const marks = (n: number) => Array.from({ length: n }, () => "?").join(",");

/** The ids among `ids` with no row of that type: a caller answers "not found" for them. */
export async function missingItems(
  database: Database,
  type: ItemType,
  ids: number[],
): Promise<number[]> {
  if (ids.length === 0) return [];
  const unique = [...new Set(ids)];
  const rs = await database.client.execute({
    sql: `SELECT id FROM ${TABLES[type]} WHERE id IN (${marks(unique.length)})`,
    args: unique,
  });
  const found = new Set(rs.rows.map((r) => Number(r.id)));
  return unique.filter((id) => !found.has(id));
}

export async function star(database: Database, userId: number, items: ItemRef[]): Promise<void> {
  if (items.length === 0) return;
  const at = Date.now();
  const statements: InStatement[] = items.map((i) => ({
    sql: "INSERT OR IGNORE INTO stars (user_id, item_type, item_id, created_at) VALUES (?, ?, ?, ?)",
    args: [userId, i.type, i.id, at],
  }));
  await database.write(() => database.client.batch(statements, "write"));
}

export async function unstar(database: Database, userId: number, items: ItemRef[]): Promise<void> {
  if (items.length === 0) return;
  const statements: InStatement[] = items.map((i) => ({
    sql: "DELETE FROM stars WHERE user_id = ? AND item_type = ? AND item_id = ?",
    args: [userId, i.type, i.id],
  }));
  await database.write(() => database.client.batch(statements, "write"));
}

/** 1–5 sets the rating, 0 removes it. */
export async function setRating(
  database: Database,
  userId: number,
  item: ItemRef,
  rating: number,
): Promise<void> {
  await database.write(() =>
    database.client.execute(
      rating === 0
        ? {
            sql: "DELETE FROM ratings WHERE user_id = ? AND item_type = ? AND item_id = ?",
            args: [userId, item.type, item.id],
          }
        : {
            sql: `INSERT INTO ratings (user_id, item_type, item_id, rating) VALUES (?, ?, ?, ?)
                  ON CONFLICT (user_id, item_type, item_id) DO UPDATE SET rating = excluded.rating`,
            args: [userId, item.type, item.id, rating],
          },
    ),
  );
}

/** Counted plays (scrobble with submission=true). */
export async function recordPlays(
  database: Database,
  userId: number,
  plays: { trackId: number; at: number }[],
  client: string | null,
): Promise<void> {
  if (plays.length === 0) return;
  const statements: InStatement[] = plays.map((p) => ({
    sql: "INSERT INTO plays (user_id, track_id, played_at, client) VALUES (?, ?, ?, ?)",
    args: [userId, p.trackId, p.at, client],
  }));
  await database.write(() => database.client.batch(statements, "write"));
}

/**
 * The plain entry of a user's player; the stale rows are pruned in the same batch. A playback
 * report of the same player (library/playback.ts) is kept apart, and shown first while live.
 */
export async function setNowPlaying(
  database: Database,
  userId: number,
  player: string,
  trackId: number,
  at = Date.now(),
): Promise<void> {
  await database.write(() =>
    database.client.batch(
      [
        {
          sql: `INSERT INTO now_playing (user_id, player, track_id, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (user_id, player) DO UPDATE
                SET track_id = excluded.track_id, updated_at = excluded.updated_at`,
          args: [userId, player, trackId, at],
        },
        { sql: PRUNE_NOW_PLAYING, args: [at - NOW_PLAYING_TTL_MS, at] },
      ],
      "write",
    ),
  );
}

/**
 * The caller's stars, ratings and play counts for a page of items of one type,
 * in three indexed look-ups (never per item).
 */
export async function annotations(
  database: Database,
  userId: number,
  type: ItemType,
  ids: number[],
): Promise<Map<number, Annotation>> {
  const out = new Map<number, Annotation>();
  if (ids.length === 0) return out;
  const unique = [...new Set(ids)];
  // One JSON parameter instead of a "?" per id: getArtists asks about every artist at once.
  const m = "SELECT value FROM json_each(?)";
  const list = JSON.stringify(unique);
  const statements: InStatement[] = [
    {
      sql: `SELECT item_id AS id, created_at AS v FROM stars
            WHERE user_id = ? AND item_type = ? AND item_id IN (${m})`,
      args: [userId, type, list],
    },
    {
      sql: `SELECT item_id AS id, rating AS v FROM ratings
            WHERE user_id = ? AND item_type = ? AND item_id IN (${m})`,
      args: [userId, type, list],
    },
  ];
  if (type === "track") {
    statements.push({
      sql: `SELECT track_id AS id, count(*) AS v FROM plays
            WHERE user_id = ? AND track_id IN (${m}) GROUP BY track_id`,
      args: [userId, list],
    });
  } else if (type === "album") {
    statements.push({
      sql: `SELECT t.album_id AS id, count(*) AS v FROM tracks t JOIN plays p ON p.track_id = t.id
            WHERE p.user_id = ? AND t.album_id IN (${m}) GROUP BY t.album_id`,
      args: [userId, list],
    });
  }
  const [starsRs, ratingsRs, playsRs] = await database.client.batch(statements, "read");
  const entry = (id: number) => {
    let a = out.get(id);
    if (!a) {
      a = {};
      out.set(id, a);
    }
    return a;
  };
  for (const r of starsRs?.rows ?? []) entry(Number(r.id)).starredAt = Number(r.v);
  for (const r of ratingsRs?.rows ?? []) entry(Number(r.id)).rating = Number(r.v);
  for (const r of playsRs?.rows ?? []) entry(Number(r.id)).playCount = Number(r.v);
  return out;
}

/** The caller's starred items of one type, most recently starred first. */
export async function starredIds(
  database: Database,
  userId: number,
  type: ItemType,
  folderId?: number,
): Promise<number[]> {
  // The folder filter applies to albums and tracks; artists span folders.
  const folder =
    folderId === undefined || type === "artist"
      ? ""
      : `AND s.item_id IN (SELECT id FROM ${TABLES[type]} WHERE folder_id = ?)`;
  const rs = await database.client.execute({
    sql: `SELECT s.item_id AS id FROM stars s JOIN ${TABLES[type]} x ON x.id = s.item_id
          WHERE s.user_id = ? AND s.item_type = ? ${folder}
          ORDER BY s.created_at DESC, s.item_id`,
    args: folder ? [userId, type, folderId ?? 0] : [userId, type],
  });
  return rs.rows.map((r) => Number(r.id));
}
