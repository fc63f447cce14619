import type { InStatement } from "@libsql/client";
import { annotationsOf, type Database, LIBRARY_FAMILY } from "../db/client.ts";

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

/** The ids among `ids` with no row of that type: a caller answers "not found" for them. */
export async function missingItems(
  database: Database,
  type: ItemType,
  ids: number[],
): Promise<number[]> {
  if (ids.length === 0) return [];
  const unique = [...new Set(ids)];
  const rows = await database.all(
    `SELECT id FROM ${TABLES[type]} WHERE id IN (SELECT value FROM json_each(?))`,
    [JSON.stringify(unique)],
  );
  const found = new Set(rows.map((r) => Number(r.id)));
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
  await database.changed(annotationsOf(userId));
}

export async function unstar(database: Database, userId: number, items: ItemRef[]): Promise<void> {
  if (items.length === 0) return;
  const statements: InStatement[] = items.map((i) => ({
    sql: "DELETE FROM stars WHERE user_id = ? AND item_type = ? AND item_id = ?",
    args: [userId, i.type, i.id],
  }));
  await database.write(() => database.client.batch(statements, "write"));
  await database.changed(annotationsOf(userId));
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
  await database.changed(annotationsOf(userId));
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
  await database.changed(annotationsOf(userId));
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
 * Everything one user has marked: stars, ratings, play counts per track and per album. Read
 * in four indexed passes, then kept while the user's annotation family and the library family
 * keep their versions (every write of marks bumps the first: star, setRating, recordPlays,
 * playback reports; a scan the second, as tracks may change albums or go). Hydrating a page
 * of 50 songs then costs map look-ups instead of three queries over the page's ids.
 */
interface UserMarks {
  starred: Record<ItemType, Map<number, number>>;
  ratings: Record<ItemType, Map<number, number>>;
  trackPlays: Map<number, number>;
  albumPlays: Map<number, number>;
}

interface KeptMarks {
  token: string;
  until: number;
  marks: Promise<UserMarks>;
}

/** A bound on staleness should a write ever skip `changed()`; versions do the real work. */
const MARKS_TTL_MS = 60_000;
/** Users whose marks are kept at once (the oldest go first). */
const MARKS_USERS = 64;
const keptMarks = new WeakMap<Database, Map<number, KeptMarks>>();

const byType = () => ({
  artist: new Map<number, number>(),
  album: new Map<number, number>(),
  track: new Map<number, number>(),
});

async function loadMarks(database: Database, userId: number): Promise<UserMarks> {
  const [stars, ratings, trackPlays, albumPlays] = await Promise.all([
    database.all("SELECT item_type, item_id, created_at AS v FROM stars WHERE user_id = ?", [
      userId,
    ]),
    database.all("SELECT item_type, item_id, rating AS v FROM ratings WHERE user_id = ?", [userId]),
    database.all(
      "SELECT track_id AS id, count(*) AS n FROM plays WHERE user_id = ? GROUP BY track_id",
      [userId],
    ),
    database.all(
      `SELECT t.album_id AS id, count(*) AS n FROM plays p JOIN tracks t ON t.id = p.track_id
       WHERE p.user_id = ? AND t.album_id IS NOT NULL GROUP BY t.album_id`,
      [userId],
    ),
  ]);
  const marks: UserMarks = {
    starred: byType(),
    ratings: byType(),
    trackPlays: new Map(trackPlays.map((r) => [Number(r.id), Number(r.n)])),
    albumPlays: new Map(albumPlays.map((r) => [Number(r.id), Number(r.n)])),
  };
  for (const r of stars)
    marks.starred[r.item_type as ItemType]?.set(Number(r.item_id), Number(r.v));
  for (const r of ratings)
    marks.ratings[r.item_type as ItemType]?.set(Number(r.item_id), Number(r.v));
  return marks;
}

async function userMarks(database: Database, userId: number): Promise<UserMarks> {
  // Versions taken before reading: marks read across a write are stale at once.
  const token = await database.versions(LIBRARY_FAMILY, annotationsOf(userId));
  let users = keptMarks.get(database);
  if (!users) {
    users = new Map();
    keptMarks.set(database, users);
  }
  const kept = users.get(userId);
  if (kept && kept.token === token && kept.until > Date.now()) return kept.marks;
  const marks = loadMarks(database, userId);
  users.delete(userId);
  if (users.size >= MARKS_USERS) {
    const oldest = users.keys().next();
    if (!oldest.done) users.delete(oldest.value);
  }
  users.set(userId, { token, until: Date.now() + MARKS_TTL_MS, marks });
  // A failed read is not kept.
  marks.catch(() => {
    if (users.get(userId)?.marks === marks) users.delete(userId);
  });
  return marks;
}

/** The caller's stars, ratings and play counts for a page of items of one type. */
export async function annotations(
  database: Database,
  userId: number,
  type: ItemType,
  ids: number[],
): Promise<Map<number, Annotation>> {
  const out = new Map<number, Annotation>();
  if (ids.length === 0) return out;
  const marks = await userMarks(database, userId);
  const starred = marks.starred[type];
  const ratings = marks.ratings[type];
  const plays =
    type === "track" ? marks.trackPlays : type === "album" ? marks.albumPlays : undefined;
  for (const id of ids) {
    const starredAt = starred.get(id);
    const rating = ratings.get(id);
    const playCount = plays?.get(id);
    if (starredAt === undefined && rating === undefined && playCount === undefined) continue;
    const a: Annotation = {};
    if (starredAt !== undefined) a.starredAt = starredAt;
    if (rating !== undefined) a.rating = rating;
    if (playCount !== undefined) a.playCount = playCount;
    out.set(id, a);
  }
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
  const rows = await database.all(
    `SELECT s.item_id AS id FROM stars s JOIN ${TABLES[type]} x ON x.id = s.item_id
          WHERE s.user_id = ? AND s.item_type = ? ${folder}
          ORDER BY s.created_at DESC, s.item_id`,
    folder ? [userId, type, folderId ?? 0] : [userId, type],
  );
  return rows.map((r) => Number(r.id));
}
