import { join } from "node:path";
import type { InStatement, Row } from "@libsql/client";
import type { Database } from "../db/client.ts";
import type { Feed } from "./podcast-feed.ts";
import { resolveInside } from "./walk.ts";

export type ChannelStatus = "new" | "downloading" | "completed" | "error";
export type EpisodeStatus = "new" | "downloading" | "completed" | "error" | "skipped" | "deleted";

export interface ChannelView {
  id: number;
  url: string;
  title: string | null;
  description: string | null;
  coverUrl: string | null;
  status: ChannelStatus;
  errorMessage: string | null;
  lastRefreshedAt: number | null;
}

export interface EpisodeView {
  id: number;
  channelId: number;
  channelTitle: string | null;
  guid: string;
  title: string | null;
  description: string | null;
  publishedAt: number | null;
  enclosureUrl: string | null;
  durationSeconds: number | null;
  size: number | null;
  contentType: string | null;
  status: EpisodeStatus;
  filePath: string | null;
  errorMessage: string | null;
  createdAt: number;
}

/** Where a channel's downloaded episodes live. */
export const podcastDir = (dataDir: string, channelId: number) =>
  join(dataDir, "podcasts", String(channelId));

/** The episode's file on disk, if it has one; the stored name is confined to its channel dir. */
export function episodePath(dataDir: string, e: EpisodeView): string | undefined {
  if (!e.filePath) return undefined;
  return resolveInside(podcastDir(dataDir, e.channelId), e.filePath) ?? undefined;
}

const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function channelView(r: Row): ChannelView {
  return {
    id: Number(r.id),
    url: String(r.url),
    title: str(r.title),
    description: str(r.description),
    coverUrl: str(r.cover_url),
    status: String(r.status) as ChannelStatus,
    errorMessage: str(r.error_message),
    lastRefreshedAt: num(r.last_refreshed_at),
  };
}

function episodeView(r: Row): EpisodeView {
  return {
    id: Number(r.id),
    channelId: Number(r.channel_id),
    channelTitle: str(r.channel_title),
    guid: String(r.guid),
    title: str(r.title),
    description: str(r.description),
    publishedAt: num(r.published_at),
    enclosureUrl: str(r.enclosure_url),
    durationSeconds: num(r.duration_seconds),
    size: num(r.size),
    contentType: str(r.content_type),
    status: String(r.status) as EpisodeStatus,
    filePath: str(r.file_path),
    errorMessage: str(r.error_message),
    createdAt: Number(r.created_at),
  };
}

const EPISODES = `SELECT e.*, c.title AS channel_title
  FROM podcast_episodes e JOIN podcast_channels c ON c.id = e.channel_id`;
// Newest first; undated episodes after the dated ones, in the order they were found.
const NEWEST = "ORDER BY e.published_at IS NULL, e.published_at DESC, e.id DESC";

/** The channel of this URL, created if new (a second subscribe is not an error). */
export async function addChannel(database: Database, url: string): Promise<number> {
  const rs = await database.write(() =>
    database.client.execute({
      sql: `INSERT INTO podcast_channels (url) VALUES (?)
            ON CONFLICT (url) DO UPDATE SET url = excluded.url RETURNING id`,
      args: [url],
    }),
  );
  return Number(rs.rows[0]?.id);
}

export async function listChannels(database: Database, id?: number): Promise<ChannelView[]> {
  const rs = await database.client.execute(
    id === undefined
      ? "SELECT * FROM podcast_channels ORDER BY id"
      : { sql: "SELECT * FROM podcast_channels WHERE id = ?", args: [id] },
  );
  return rs.rows.map(channelView);
}

export async function channelById(
  database: Database,
  id: number,
): Promise<ChannelView | undefined> {
  return (await listChannels(database, id))[0];
}

/** Episodes of the given channels, newest first. */
export async function channelEpisodes(
  database: Database,
  channelIds: number[],
): Promise<EpisodeView[]> {
  if (channelIds.length === 0) return [];
  const rs = await database.client.execute({
    sql: `${EPISODES} WHERE e.channel_id IN (${channelIds.map(() => "?").join(",")}) ${NEWEST}`,
    args: channelIds,
  });
  return rs.rows.map(episodeView);
}

export async function episodeById(
  database: Database,
  id: number,
): Promise<EpisodeView | undefined> {
  const rs = await database.client.execute({ sql: `${EPISODES} WHERE e.id = ?`, args: [id] });
  const r = rs.rows[0];
  return r ? episodeView(r) : undefined;
}

/** The newest episodes of all channels (getNewestPodcasts); deleted ones are left out. */
export async function newestEpisodes(database: Database, count: number): Promise<EpisodeView[]> {
  const rs = await database.client.execute({
    sql: `${EPISODES} WHERE e.status <> 'deleted' ${NEWEST} LIMIT ?`,
    args: [count],
  });
  return rs.rows.map(episodeView);
}

/**
 * Stores a refreshed feed: channel fields, and each item keyed by guid. Known episodes get
 * their metadata updated but keep their status and file, so a refresh is idempotent.
 */
export async function applyFeed(database: Database, channelId: number, feed: Feed): Promise<void> {
  const statements: InStatement[] = [
    {
      sql: `UPDATE podcast_channels SET title = coalesce(?, title), description = ?, cover_url = ?,
              status = 'completed', error_message = NULL, last_refreshed_at = ? WHERE id = ?`,
      args: [feed.title, feed.description, feed.imageUrl, Date.now(), channelId],
    },
  ];
  for (const it of feed.items) {
    statements.push({
      sql: `INSERT INTO podcast_episodes (channel_id, guid, title, description, published_at,
              enclosure_url, duration_seconds, size, content_type, status)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (channel_id, guid) DO UPDATE SET title = excluded.title,
              description = excluded.description, published_at = excluded.published_at,
              enclosure_url = excluded.enclosure_url, duration_seconds = excluded.duration_seconds,
              size = CASE WHEN podcast_episodes.status = 'completed' THEN podcast_episodes.size
                ELSE excluded.size END,
              content_type = excluded.content_type`,
      args: [
        channelId,
        it.guid,
        it.title,
        it.description,
        it.publishedAt,
        it.enclosure?.url ?? null,
        it.durationSeconds,
        it.enclosure?.length ?? null,
        it.enclosure?.type ?? null,
        // Nothing to download: the client sees it, but cannot ask for it.
        it.enclosure ? "new" : "skipped",
      ],
    });
  }
  await database.write(() => database.client.batch(statements, "write"));
}

export async function setChannelError(
  database: Database,
  channelId: number,
  message: string,
): Promise<void> {
  await database.write(() =>
    database.client.execute({
      sql: `UPDATE podcast_channels SET status = 'error', error_message = ?, last_refreshed_at = ?
            WHERE id = ?`,
      args: [message.slice(0, 500), Date.now(), channelId],
    }),
  );
}

export async function deleteChannel(database: Database, channelId: number): Promise<void> {
  await database.write(() =>
    database.client.execute({
      sql: "DELETE FROM podcast_channels WHERE id = ?",
      args: [channelId],
    }),
  );
}

/** Sets an episode's status (and file or error); the other fields stay. */
export async function setEpisodeStatus(
  database: Database,
  id: number,
  status: EpisodeStatus,
  extra: { filePath?: string | null; size?: number; error?: string | null } = {},
): Promise<void> {
  await database.write(() =>
    database.client.execute({
      sql: `UPDATE podcast_episodes SET status = ?,
              file_path = CASE WHEN ? THEN ? ELSE file_path END,
              size = coalesce(?, size), error_message = ? WHERE id = ?`,
      args: [
        status,
        extra.filePath !== undefined ? 1 : 0,
        extra.filePath ?? null,
        extra.size ?? null,
        extra.error?.slice(0, 500) ?? null,
        id,
      ],
    }),
  );
}
