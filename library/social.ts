import type { Database } from "../db/client.ts";

// ── internet radio ──────────────────────────────────────────────────────────
export interface RadioStation {
  id: number;
  name: string;
  streamUrl: string;
  homepageUrl: string | null;
}

/** Only absolute http(s) URLs: anything else (javascript:, file:) is refused. */
export function validWebUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}

export async function listStations(database: Database): Promise<RadioStation[]> {
  const rs = await database.client.execute(
    "SELECT id, name, stream_url, homepage_url FROM radio_stations ORDER BY name COLLATE NOCASE, id",
  );
  return rs.rows.map((r) => ({
    id: Number(r.id),
    name: String(r.name),
    streamUrl: String(r.stream_url),
    homepageUrl: r.homepage_url === null ? null : String(r.homepage_url),
  }));
}

export async function createStation(
  database: Database,
  s: Omit<RadioStation, "id">,
): Promise<number> {
  const rs = await database.write(() =>
    database.client.execute({
      sql: "INSERT INTO radio_stations (name, stream_url, homepage_url) VALUES (?, ?, ?) RETURNING id",
      args: [s.name, s.streamUrl, s.homepageUrl],
    }),
  );
  return Number(rs.rows[0]?.id);
}

/** True when the station existed. */
export async function updateStation(database: Database, s: RadioStation): Promise<boolean> {
  const rs = await database.write(() =>
    database.client.execute({
      sql: "UPDATE radio_stations SET name = ?, stream_url = ?, homepage_url = ? WHERE id = ?",
      args: [s.name, s.streamUrl, s.homepageUrl, s.id],
    }),
  );
  return rs.rowsAffected > 0;
}

export async function deleteStation(database: Database, id: number): Promise<boolean> {
  const rs = await database.write(() =>
    database.client.execute({ sql: "DELETE FROM radio_stations WHERE id = ?", args: [id] }),
  );
  return rs.rowsAffected > 0;
}

// ── chat ────────────────────────────────────────────────────────────────────
export interface ChatMessage {
  username: string;
  message: string;
  time: number;
}

/** Messages after `since` (epoch ms), oldest first, at most the newest `limit`. */
export async function chatMessages(
  database: Database,
  since: number,
  limit = 500,
): Promise<ChatMessage[]> {
  const rs = await database.client.execute({
    sql: `SELECT * FROM (SELECT m.id, m.message, m.created_at, u.username FROM chat_messages m
            JOIN users u ON u.id = m.user_id WHERE m.created_at > ?
            ORDER BY m.created_at DESC, m.id DESC LIMIT ?) ORDER BY created_at, id`,
    args: [since, limit],
  });
  return rs.rows.map((r) => ({
    username: String(r.username),
    message: String(r.message),
    time: Number(r.created_at),
  }));
}

export async function addChatMessage(
  database: Database,
  userId: number,
  message: string,
): Promise<void> {
  await database.write(() =>
    database.client.execute({
      sql: "INSERT INTO chat_messages (user_id, message, created_at) VALUES (?, ?, ?)",
      args: [userId, message, Date.now()],
    }),
  );
}

// ── lyrics ──────────────────────────────────────────────────────────────────
export interface TrackLyrics {
  trackId: number;
  artist: string;
  title: string;
  lyrics: string | null;
  /** JSON [{ timeMs, text }] as stored by the scanner. */
  syncedLyrics: string | null;
}

const lyricsRow = (r: Record<string, unknown>): TrackLyrics => ({
  trackId: Number(r.id),
  artist: String(r.display_artist),
  title: String(r.title),
  lyrics: r.lyrics === null ? null : String(r.lyrics),
  syncedLyrics: r.synced_lyrics === null ? null : String(r.synced_lyrics),
});

export async function lyricsOfTrack(
  database: Database,
  trackId: number,
): Promise<TrackLyrics | undefined> {
  const rs = await database.client.execute({
    sql: "SELECT id, display_artist, title, lyrics, synced_lyrics FROM tracks WHERE id = ?",
    args: [trackId],
  });
  const r = rs.rows[0];
  return r ? lyricsRow(r) : undefined;
}

/**
 * The first track with lyrics matching the given fields. Case is ignored for ASCII letters only
 * (SQLite NOCASE): full Unicode folding would need a scan of every track with lyrics.
 */
export async function findLyrics(
  database: Database,
  artist: string | undefined,
  title: string | undefined,
): Promise<TrackLyrics | undefined> {
  const where = ["(lyrics IS NOT NULL OR synced_lyrics IS NOT NULL)"];
  const args: string[] = [];
  if (artist) {
    where.push("display_artist = ? COLLATE NOCASE");
    args.push(artist);
  }
  if (title) {
    where.push("title = ? COLLATE NOCASE");
    args.push(title);
  }
  const rs = await database.client.execute({
    sql: `SELECT id, display_artist, title, lyrics, synced_lyrics FROM tracks
          WHERE ${where.join(" AND ")} ORDER BY id LIMIT 1`,
    args,
  });
  const r = rs.rows[0];
  return r ? lyricsRow(r) : undefined;
}
