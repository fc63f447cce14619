import { randomBytes } from "node:crypto";
import type { InStatement, Row } from "@libsql/client";
import type { Database } from "../db/client.ts";
import { entryInserts } from "./playlists.ts";

export interface ShareView {
  id: string;
  userId: number;
  username: string;
  description: string | null;
  expiresAt: number | null;
  visitCount: number;
  lastVisitedAt: number | null;
  createdAt: number;
}

/** 128 random bits, URL-safe: the link is the only secret guarding the share. */
export const newShareId = () => randomBytes(16).toString("base64url");

const SHARE_ID = /^[A-Za-z0-9_-]{22}$/;
export const isShareId = (value: string) => SHARE_ID.test(value);

const SELECT = `SELECT s.*, u.username FROM shares s JOIN users u ON u.id = s.user_id`;
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function view(r: Row): ShareView {
  return {
    id: String(r.id),
    userId: Number(r.user_id),
    username: String(r.username),
    description: r.description === null ? null : String(r.description),
    expiresAt: numOrNull(r.expires_at),
    visitCount: Number(r.visit_count),
    lastVisitedAt: numOrNull(r.last_visited_at),
    createdAt: Number(r.created_at),
  };
}

export async function listShares(database: Database, userId: number): Promise<ShareView[]> {
  const rs = await database.client.execute({
    sql: `${SELECT} WHERE s.user_id = ? ORDER BY s.created_at DESC, s.id`,
    args: [userId],
  });
  return rs.rows.map(view);
}

export async function shareById(database: Database, id: string): Promise<ShareView | undefined> {
  if (!isShareId(id)) return undefined;
  const rs = await database.client.execute({ sql: `${SELECT} WHERE s.id = ?`, args: [id] });
  const r = rs.rows[0];
  return r ? view(r) : undefined;
}

export async function shareTrackIds(database: Database, id: string): Promise<number[]> {
  return (await shareTrackIdsOf(database, [id])).get(id) ?? [];
}

/** The tracks of several shares in one query: share id → track ids in share order. */
export async function shareTrackIdsOf(
  database: Database,
  ids: string[],
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const rs = await database.client.execute({
    sql: `SELECT share_id, track_id FROM share_entries
           WHERE share_id IN (SELECT value FROM json_each(?)) ORDER BY share_id, position`,
    args: [JSON.stringify(ids)],
  });
  for (const r of rs.rows) out.get(String(r.share_id))?.push(Number(r.track_id));
  return out;
}

/** Tracks of albums, in disc and track order; of playlists, in list order. */
export async function tracksOf(
  database: Database,
  kind: "album" | "playlist",
  id: number,
): Promise<number[]> {
  const rs = await database.client.execute(
    kind === "album"
      ? {
          sql: `SELECT id FROM tracks WHERE album_id = ?
                ORDER BY coalesce(disc_number, 0), coalesce(track_number, 0), sort_title, id`,
          args: [id],
        }
      : {
          sql: "SELECT track_id AS id FROM playlist_entries WHERE playlist_id = ? ORDER BY position",
          args: [id],
        },
  );
  return rs.rows.map((r) => Number(r.id));
}

export async function createShare(
  database: Database,
  userId: number,
  trackIds: number[],
  description: string | null,
  expiresAt: number | null,
): Promise<string> {
  const id = newShareId();
  const statements: InStatement[] = [
    {
      sql: `INSERT INTO shares (id, user_id, description, expires_at, visit_count, created_at)
            VALUES (?, ?, ?, ?, 0, ?)`,
      args: [id, userId, description, expiresAt, Date.now()],
    },
    ...entryInserts("share_entries", "share_id", { sql: "?", args: [id] }, trackIds),
  ];
  await database.write(() => database.client.batch(statements, "write"));
  return id;
}

/** `expiresAt` null removes the expiry; undefined fields stay as they are. */
export async function updateShare(
  database: Database,
  id: string,
  changes: { description?: string; expiresAt?: number | null },
): Promise<void> {
  const sets: string[] = [];
  const args: (string | number | null)[] = [];
  if (changes.description !== undefined) {
    sets.push("description = ?");
    args.push(changes.description);
  }
  if (changes.expiresAt !== undefined) {
    sets.push("expires_at = ?");
    args.push(changes.expiresAt);
  }
  if (sets.length === 0) return;
  await database.write(() =>
    database.client.execute({
      sql: `UPDATE shares SET ${sets.join(", ")} WHERE id = ?`,
      args: [...args, id],
    }),
  );
}

export async function deleteShare(database: Database, id: string): Promise<void> {
  await database.write(() =>
    database.client.batch(
      [
        { sql: "DELETE FROM share_entries WHERE share_id = ?", args: [id] },
        { sql: "DELETE FROM shares WHERE id = ?", args: [id] },
      ],
      "write",
    ),
  );
}

/**
 * A share still open at `now`: its track ids, after counting the visit. The
 * count and the expiry test are one statement, so an expired share is never counted.
 */
export async function visitShare(
  database: Database,
  id: string,
  now = Date.now(),
): Promise<number[] | undefined> {
  if (!isShareId(id)) return undefined;
  const rs = await database.write(() =>
    database.client.execute({
      sql: `UPDATE shares SET visit_count = visit_count + 1, last_visited_at = ?
            WHERE id = ? AND (expires_at IS NULL OR expires_at > ?) RETURNING id`,
      args: [now, id, now],
    }),
  );
  if (rs.rows.length === 0) return undefined;
  return shareTrackIds(database, id);
}

/** True when the share is open at `now` and holds the track. */
export async function shareHoldsTrack(
  database: Database,
  id: string,
  trackId: number,
  now = Date.now(),
): Promise<boolean> {
  if (!isShareId(id)) return false;
  const rs = await database.client.execute({
    sql: `SELECT 1 FROM shares s JOIN share_entries e ON e.share_id = s.id
          WHERE s.id = ? AND e.track_id = ? AND (s.expires_at IS NULL OR s.expires_at > ?) LIMIT 1`,
    args: [id, trackId, now],
  });
  return rs.rows.length > 0;
}
