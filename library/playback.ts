/**
 * OpenSubsonic `playbackReport`: players report their timeline (starting, playing, paused,
 * stopped, with a position and a rate); the server shows it in now playing and decides itself
 * when a listen counts as a play.
 *
 * A playback session is one listen of one media on one player (user + `c`). It begins with a
 * `starting` report (even for the same media again), or with the first report for a media the
 * player was not known to play. Its clock only runs while `playing`: the time heard is server
 * time between reports, times the reported rate, never past the media's end. A song's session
 * counts one play, at most, once it has been heard for half its length or 4 minutes, whichever
 * is shorter (Last.fm's rule) — checked at each report, and when a new session replaces an
 * unfinished one. A session is over 30 minutes after the media's planned end (or after the last
 * report while paused or stopped); later reports start a new one.
 *
 * A scrobble submission for the media of a live session counts as that session's play: whichever
 * of the two comes first counts, the other does not (see `recordScrobbles`). `ignoreScrobble`
 * reports update the timeline only. Podcast episodes are shown, never counted (plays are tracks).
 */
import type { InStatement } from "@libsql/client";
import { annotationsOf, type Database } from "../db/client.ts";
import { NOW_PLAYING_TTL_MS, PRUNE_NOW_PLAYING } from "./annotations.ts";

export const PLAYBACK_STATES = ["starting", "playing", "paused", "stopped"] as const;
export type PlaybackState = (typeof PLAYBACK_STATES)[number];

export type MediaRef = { type: "song" | "podcast"; id: number };

export interface PlaybackReport {
  media: MediaRef;
  positionMs: number;
  state: PlaybackState;
  /** > 0; 1 is normal speed. */
  playbackRate: number;
  ignoreScrobble: boolean;
}

/** How long a session outlives the media's planned end (or its last paused/stopped report). */
export const SESSION_GRACE_MS = 30 * 60_000;
/** A play needs this much heard at most (less for songs shorter than 8 minutes). */
export const MAX_PLAY_THRESHOLD_MS = 4 * 60_000;
/** A scrobble stamped up to this long before a session's start still belongs to it. */
export const SCROBBLE_SLACK_MS = 60_000;

export interface Session {
  media: MediaRef;
  /** The media's length; 0 when unknown. */
  durationMs: number;
  state: PlaybackState;
  /** As reported at `reportedAt`. */
  positionMs: number;
  rate: number;
  reportedAt: number;
  startedAt: number;
  heardMs: number;
  /** false when the last report said ignoreScrobble=true. */
  scrobble: boolean;
  counted: boolean;
  expiresAt: number;
}

export function playThresholdMs(durationMs: number): number {
  return durationMs > 0 ? Math.min(durationMs / 2, MAX_PLAY_THRESHOLD_MS) : MAX_PLAY_THRESHOLD_MS;
}

const sameMedia = (a: MediaRef, b: MediaRef) => a.type === b.type && a.id === b.id;

/** Time heard since the session's last report: only while playing, never past the end. */
function heardSince(s: Session, now: number): number {
  if (s.state !== "playing") return 0;
  const elapsed = Math.max(0, now - s.reportedAt) * s.rate;
  if (s.durationMs <= 0) return elapsed;
  return Math.min(elapsed, Math.max(0, s.durationMs - s.positionMs));
}

/** The position now: estimated from the last report while playing, capped at the media's end. */
export function positionAt(
  s: Pick<Session, "state" | "positionMs" | "rate" | "reportedAt" | "durationMs">,
  now: number,
): number {
  const running = s.state === "playing" ? Math.max(0, now - s.reportedAt) * s.rate : 0;
  const p = Math.round(s.positionMs + running);
  return s.durationMs > 0 ? Math.min(p, s.durationMs) : p;
}

export function expiresAt(
  s: Pick<Session, "state" | "positionMs" | "rate" | "durationMs">,
  at: number,
): number {
  const running = s.state === "starting" || s.state === "playing";
  const left = running && s.durationMs > 0 ? Math.max(0, s.durationMs - s.positionMs) / s.rate : 0;
  return Math.round(at + left + SESSION_GRACE_MS);
}

export interface Step {
  /** The player's session after the report; undefined: the report changes nothing. */
  next?: Session;
  /** The report continues the previous session (else `next` is a new one). */
  continues: boolean;
  /** Count the play of the previous session (replaced unfinished) or of this one. */
  count?: "previous" | "current";
}

/** What one report does to the player's session (pure: `now` is the server's clock). */
export function step(
  prev: Session | undefined,
  report: PlaybackReport,
  durationMs: number,
  now: number,
): Step {
  const live = prev && prev.expiresAt >= now ? prev : undefined;
  const continues =
    !!live &&
    sameMedia(live.media, report.media) &&
    live.state !== "stopped" &&
    report.state !== "starting";
  // A stop for what the player is not (or no longer) known to play: nothing to stop.
  if (report.state === "stopped" && !continues) return { continues };
  const timeline = {
    media: report.media,
    durationMs,
    state: report.state,
    positionMs: report.positionMs,
    rate: report.playbackRate,
    reportedAt: now,
    scrobble: !report.ignoreScrobble,
  };
  const exp = expiresAt(timeline, now);
  const countable = (s: Session, heard: number) =>
    s.media.type === "song" && s.scrobble && !s.counted && heard >= playThresholdMs(s.durationMs);
  if (live && continues) {
    const next: Session = {
      ...timeline,
      startedAt: live.startedAt,
      heardMs: Math.round(live.heardMs + heardSince(live, now)),
      counted: live.counted,
      expiresAt: exp,
    };
    return { next, continues, count: countable(next, next.heardMs) ? "current" : undefined };
  }
  const next: Session = {
    ...timeline,
    // Playing before its first report: it began about that long ago.
    startedAt:
      report.state === "starting" ? now : Math.round(now - report.positionMs / report.playbackRate),
    heardMs: 0,
    counted: false,
    expiresAt: exp,
  };
  // The previous listen ends here without a stop: it counts if it was heard enough.
  const closing = live && live.state !== "stopped" ? live : undefined;
  const count =
    closing && countable(closing, closing.heardMs + heardSince(closing, now))
      ? "previous"
      : undefined;
  return { next, continues, count };
}

const num = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));

/** The media's length in ms (0 when unknown), or undefined when there is no such media. */
export async function mediaDurationMs(
  database: Database,
  media: MediaRef,
): Promise<number | undefined> {
  const rs = await database.client.execute(
    media.type === "song"
      ? { sql: "SELECT duration_ms AS d FROM tracks WHERE id = ?", args: [media.id] }
      : {
          sql: "SELECT coalesce(duration_seconds, 0) * 1000 AS d FROM podcast_episodes WHERE id = ?",
          args: [media.id],
        },
  );
  const row = rs.rows[0];
  return row ? (num(row.d) ?? 0) : undefined;
}

async function currentSession(
  database: Database,
  userId: number,
  player: string,
): Promise<(Session & { id: number }) | undefined> {
  const rs = await database.client.execute({
    sql: `SELECT np.id, np.report_track_id, np.report_episode_id, np.state, np.position_ms,
            np.playback_rate, np.reported_at, np.started_at, np.heard_ms, np.scrobble, np.counted,
            np.expires_at, coalesce(t.duration_ms, e.duration_seconds * 1000, 0) AS duration_ms
          FROM now_playing np
          LEFT JOIN tracks t ON t.id = np.report_track_id
          LEFT JOIN podcast_episodes e ON e.id = np.report_episode_id
          WHERE np.user_id = ? AND np.player = ? AND np.state IS NOT NULL`,
    args: [userId, player],
  });
  const r = rs.rows[0];
  if (!r) return undefined;
  const track = num(r.report_track_id);
  const episode = num(r.report_episode_id);
  const media: MediaRef | undefined =
    track !== undefined
      ? { type: "song", id: track }
      : episode !== undefined
        ? { type: "podcast", id: episode }
        : undefined;
  if (!media) return undefined;
  return {
    id: Number(r.id),
    media,
    durationMs: num(r.duration_ms) ?? 0,
    state: String(r.state) as PlaybackState,
    positionMs: num(r.position_ms) ?? 0,
    rate: num(r.playback_rate) ?? 1,
    reportedAt: num(r.reported_at) ?? 0,
    startedAt: num(r.started_at) ?? 0,
    heardMs: num(r.heard_ms) ?? 0,
    scrobble: Boolean(num(r.scrobble)),
    counted: Boolean(num(r.counted)),
    expiresAt: num(r.expires_at) ?? 0,
  };
}

/** Counts one play for the session started at `startedAt`, unless it already has one. */
function claimPlay(
  userId: number,
  player: string,
  startedAt: number,
  trackId: number,
  client: string | null,
): InStatement[] {
  return [
    {
      sql: `UPDATE now_playing SET counted = 1
            WHERE user_id = ? AND player = ? AND started_at = ? AND report_track_id = ?
              AND counted = 0`,
      args: [userId, player, startedAt, trackId],
    },
    {
      sql: "INSERT INTO plays (user_id, track_id, played_at, client) SELECT ?, ?, ?, ? WHERE changes() = 1",
      args: [userId, trackId, startedAt, client],
    },
  ];
}

export interface ReportOutcome {
  /** A play was counted by this report (the previous session's or this one's). */
  counted: boolean;
}

/**
 * Applies one report of `player` (the client name) for the user; undefined when the media does
 * not exist. Runs as one write batch: the play is counted only if the session has none yet, so
 * neither a repeated report nor a scrobble of the same listen counts twice.
 */
export async function reportPlayback(
  database: Database,
  who: { userId: number; player: string; client: string | null },
  report: PlaybackReport,
  now = Date.now(),
): Promise<ReportOutcome | undefined> {
  const durationMs = await mediaDurationMs(database, report.media);
  if (durationMs === undefined) return undefined;
  const counted = await database.write(async () => {
    const { userId, player, client } = who;
    const prev = await currentSession(database, userId, player);
    const { next, continues, count } = step(prev, report, durationMs, now);
    const statements: InStatement[] = [];
    if (count === "previous" && prev && prev.media.type === "song") {
      statements.push(...claimPlay(userId, player, prev.startedAt, prev.media.id, client));
    }
    if (next) {
      const song = next.media.type === "song" ? next.media.id : null;
      const episode = next.media.type === "podcast" ? next.media.id : null;
      statements.push({
        sql: `INSERT INTO now_playing (user_id, player, report_track_id, report_episode_id, state,
                position_ms, playback_rate, reported_at, started_at, heard_ms, scrobble, counted,
                expires_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)
              ON CONFLICT (user_id, player) DO UPDATE SET
                report_track_id = excluded.report_track_id,
                report_episode_id = excluded.report_episode_id,
                state = excluded.state, position_ms = excluded.position_ms,
                playback_rate = excluded.playback_rate, reported_at = excluded.reported_at,
                started_at = excluded.started_at, heard_ms = excluded.heard_ms,
                scrobble = excluded.scrobble, expires_at = excluded.expires_at,
                counted = ${continues ? "coalesce(now_playing.counted, 0)" : "0"}`,
        args: [
          userId,
          player,
          song,
          episode,
          next.state,
          next.positionMs,
          next.rate,
          next.reportedAt,
          next.startedAt,
          next.heardMs,
          next.scrobble ? 1 : 0,
          next.expiresAt,
        ],
      });
      if (count === "current" && song !== null) {
        statements.push(...claimPlay(userId, player, next.startedAt, song, client));
      }
    }
    statements.push({ sql: PRUNE_NOW_PLAYING, args: [now - NOW_PLAYING_TTL_MS, now] });
    const results = await database.client.batch(statements, "write");
    return results.some(
      (r, i) => statements[i] !== undefined && isPlayInsert(statements[i]) && r.rowsAffected > 0,
    );
  });
  // Play counts are part of the user's annotations (cached answers carry them).
  if (counted) await database.changed(annotationsOf(who.userId));
  return { counted };
}

const isPlayInsert = (s: InStatement) =>
  typeof s !== "string" && s.sql.startsWith("INSERT INTO plays");

/**
 * Scrobble submissions (`scrobble`, submission=true) of one player. A play of a track that the
 * player's live reported session is playing (stamped no earlier than shortly before it began)
 * is that session's play: it is not counted when the session already counted one, and it marks
 * the session counted otherwise. Other plays are counted as they come. Returns how many counted.
 */
export async function recordScrobbles(
  database: Database,
  who: { userId: number; player: string; client: string | null },
  plays: { trackId: number; at: number }[],
  now = Date.now(),
): Promise<number> {
  if (plays.length === 0) return 0;
  const { userId, player, client } = who;
  const session = `user_id = ? AND player = ? AND report_track_id = ? AND expires_at >= ?
                   AND started_at - ${SCROBBLE_SLACK_MS} <= ?`;
  const statements: InStatement[] = plays.flatMap((p): InStatement[] => {
    const match = [userId, player, p.trackId, now, p.at];
    return [
      {
        sql: `INSERT INTO plays (user_id, track_id, played_at, client) SELECT ?, ?, ?, ?
              WHERE NOT EXISTS (SELECT 1 FROM now_playing WHERE ${session} AND counted = 1)`,
        args: [userId, p.trackId, p.at, client, ...match],
      },
      { sql: `UPDATE now_playing SET counted = 1 WHERE ${session} AND counted = 0`, args: match },
    ];
  });
  const results = await database.write(() => database.client.batch(statements, "write"));
  const counted = results.filter((r, i) => i % 2 === 0 && r.rowsAffected > 0).length;
  if (counted > 0) await database.changed(annotationsOf(userId));
  return counted;
}

export interface NowPlayingRow {
  playerId: number;
  player: string;
  username: string;
  media: MediaRef;
  /** The last update of what is shown. */
  updatedAt: number;
  /** From a live playback report; absent for a plain entry (stream, scrobble). */
  timeline?: { state: PlaybackState; positionMs: number; playbackRate: number };
}

/**
 * What every player is playing, most recently updated first: a player's live, unstopped playback
 * report (position estimated to `now`), else its plain entry while fresh.
 */
export async function nowPlaying(database: Database, now = Date.now()): Promise<NowPlayingRow[]> {
  const rs = await database.client.execute({
    sql: `SELECT np.id, np.player, u.username, np.track_id, np.updated_at,
            CASE WHEN np.state IS NOT NULL AND np.state <> 'stopped' AND np.expires_at >= ?
              THEN 1 ELSE 0 END AS live,
            np.report_track_id, np.report_episode_id, np.state, np.position_ms, np.playback_rate,
            np.reported_at, coalesce(t.duration_ms, e.duration_seconds * 1000, 0) AS duration_ms
          FROM now_playing np JOIN users u ON u.id = np.user_id
          LEFT JOIN tracks t ON t.id = np.report_track_id
          LEFT JOIN podcast_episodes e ON e.id = np.report_episode_id
          WHERE (np.state IS NOT NULL AND np.state <> 'stopped' AND np.expires_at >= ?)
             OR (np.track_id IS NOT NULL AND np.updated_at >= ?)`,
    args: [now, now, now - NOW_PLAYING_TTL_MS],
  });
  const rows = rs.rows.flatMap((r): NowPlayingRow[] => {
    const base = { playerId: Number(r.id), player: String(r.player), username: String(r.username) };
    if (Number(r.live) === 1) {
      const track = num(r.report_track_id);
      const episode = num(r.report_episode_id);
      const media: MediaRef | undefined =
        track !== undefined
          ? { type: "song", id: track }
          : episode !== undefined
            ? { type: "podcast", id: episode }
            : undefined;
      if (media) {
        const s = {
          state: String(r.state) as PlaybackState,
          positionMs: num(r.position_ms) ?? 0,
          rate: num(r.playback_rate) ?? 1,
          reportedAt: num(r.reported_at) ?? now,
          durationMs: num(r.duration_ms) ?? 0,
        };
        return [
          {
            ...base,
            media,
            updatedAt: s.reportedAt,
            timeline: { state: s.state, positionMs: positionAt(s, now), playbackRate: s.rate },
          },
        ];
      }
    }
    const track = num(r.track_id);
    if (track === undefined) return [];
    return [{ ...base, media: { type: "song", id: track }, updatedAt: num(r.updated_at) ?? 0 }];
  });
  return rows.sort((a, b) => b.updatedAt - a.updatedAt || a.playerId - b.playerId);
}
