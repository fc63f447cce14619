import { sql } from "drizzle-orm";
import {
  blob,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

// Times are epoch milliseconds (integer) throughout: cheap to compare and index.
const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;
const createdAt = () => integer("created_at").notNull().default(now);

// ── users and access ────────────────────────────────────────────────────────
export const users = sqliteTable("users", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  username: text("username").notNull().unique(),
  /** argon2id (Bun.password). */
  passwordHash: text("password_hash").notNull(),
  /** The Subsonic password, AES-256-GCM under the secret: token auth needs the clear text. */
  subsonicPassword: text("subsonic_password"),
  role: text("role", { enum: ["admin", "user"] })
    .notNull()
    .default("user"),
  /** false: Subsonic apps must use an API key (`p` and `t`+`s` answer error 42). */
  subsonicPasswordAuth: integer("subsonic_password_auth", { mode: "boolean" })
    .notNull()
    .default(true),
  email: text("email"),
  maxBitRate: integer("max_bit_rate").notNull().default(0),
  theme: text("theme", { enum: ["auto", "light", "dark"] })
    .notNull()
    .default("auto"),
  createdAt: createdAt(),
});

export const sessions = sqliteTable(
  "sessions",
  {
    /** SHA-256 of the cookie value: a stolen database does not yield live sessions. */
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    csrfToken: text("csrf_token").notNull(),
    createdAt: createdAt(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("sessions_user").on(t.userId)],
);

export const apiKeys = sqliteTable("api_keys", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  name: text("name").notNull(),
  /** SHA-256 hex of the key; the key itself is shown once. */
  keyHash: text("key_hash").notNull().unique(),
  createdAt: createdAt(),
  lastUsedAt: integer("last_used_at"),
});

// ── library ─────────────────────────────────────────────────────────────────
export const musicFolders = sqliteTable("music_folders", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  path: text("path").notNull().unique(),
  kind: text("kind", { enum: ["library", "uploads"] })
    .notNull()
    .default("library"),
  createdAt: createdAt(),
});

export const coverArt = sqliteTable("cover_art", {
  /** Content hash (SHA-256 hex): the same picture is stored once. */
  id: text("id").primaryKey(),
  mime: text("mime").notNull(),
  width: integer("width"),
  height: integer("height"),
  size: integer("size").notNull(),
  path: text("path").notNull(),
  createdAt: createdAt(),
});

export const artists = sqliteTable(
  "artists",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    sortName: text("sort_name").notNull(),
    mbid: text("mbid"),
    coverArtId: text("cover_art_id").references(() => coverArt.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("artists_name").on(t.name), index("artists_sort").on(t.sortName)],
);

export const albums = sqliteTable(
  "albums",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** album artist + album (+ MusicBrainz album id): what groups tracks into one album. */
    groupKey: text("group_key").notNull().unique(),
    name: text("name").notNull(),
    sortName: text("sort_name").notNull(),
    displayArtist: text("display_artist").notNull(),
    year: integer("year"),
    releaseDate: text("release_date"),
    originalDate: text("original_date"),
    mbid: text("mbid"),
    compilation: integer("compilation", { mode: "boolean" }).notNull().default(false),
    releaseTypes: text("release_types"),
    folderId: integer("folder_id").references(() => musicFolders.id, { onDelete: "cascade" }),
    coverArtId: text("cover_art_id").references(() => coverArt.id, { onDelete: "set null" }),
    replayGainAlbumGain: real("rg_album_gain"),
    replayGainAlbumPeak: real("rg_album_peak"),
    createdAt: createdAt(),
  },
  (t) => [index("albums_sort").on(t.sortName), index("albums_created").on(t.createdAt)],
);

export const tracks = sqliteTable(
  "tracks",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    folderId: integer("folder_id")
      .notNull()
      .references(() => musicFolders.id, { onDelete: "cascade" }),
    /** Relative to the music folder; never joined into a path from a request. */
    path: text("path").notNull(),
    size: integer("size").notNull(),
    mtime: integer("mtime").notNull(),
    contentHash: text("content_hash"),
    albumId: integer("album_id").references(() => albums.id, { onDelete: "set null" }),
    title: text("title").notNull(),
    sortTitle: text("sort_title").notNull(),
    displayArtist: text("display_artist").notNull(),
    trackNumber: integer("track_number"),
    trackTotal: integer("track_total"),
    discNumber: integer("disc_number"),
    discTotal: integer("disc_total"),
    discSubtitle: text("disc_subtitle"),
    year: integer("year"),
    date: text("date"),
    originalDate: text("original_date"),
    mbid: text("mbid"),
    isrc: text("isrc"),
    bpm: integer("bpm"),
    comment: text("comment"),
    lyrics: text("lyrics"),
    /** JSON [{ timeMs, text }] when the lyrics are synced. */
    syncedLyrics: text("synced_lyrics"),
    durationMs: integer("duration_ms").notNull().default(0),
    bitRate: integer("bit_rate"),
    sampleRate: integer("sample_rate"),
    bitDepth: integer("bit_depth"),
    channels: integer("channels"),
    codec: text("codec"),
    suffix: text("suffix").notNull(),
    contentType: text("content_type").notNull(),
    replayGainTrackGain: real("rg_track_gain"),
    replayGainTrackPeak: real("rg_track_peak"),
    coverArtId: text("cover_art_id").references(() => coverArt.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [
    uniqueIndex("tracks_folder_path").on(t.folderId, t.path),
    index("tracks_album").on(t.albumId, t.discNumber, t.trackNumber),
    // Partial: most tracks have neither, and a scan should not pay to index NULLs.
    index("tracks_mbid").on(t.mbid).where(sql`${t.mbid} IS NOT NULL`),
    index("tracks_hash").on(t.contentHash).where(sql`${t.contentHash} IS NOT NULL`),
    // A narrow copy of the rowid: search3's empty-query paging (ORDER BY id OFFSET 9000)
    // steps through index cells instead of every full row before the page.
    index("tracks_id").on(t.id),
  ],
);

const roles = ["artist", "albumartist", "composer", "performer", "conductor", "lyricist"] as const;

export const trackArtists = sqliteTable(
  "track_artists",
  {
    trackId: integer("track_id")
      .notNull()
      .references(() => tracks.id, { onDelete: "cascade" }),
    artistId: integer("artist_id")
      .notNull()
      .references(() => artists.id, { onDelete: "cascade" }),
    role: text("role", { enum: roles }).notNull(),
    position: integer("position").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.trackId, t.artistId, t.role] }),
    index("track_artists_artist").on(t.artistId, t.role),
    // A track's first artist (tracksByIds) without sorting by position per row.
    index("track_artists_track_order").on(t.trackId, t.role, t.position, t.artistId),
  ],
);

export const albumArtists = sqliteTable(
  "album_artists",
  {
    albumId: integer("album_id")
      .notNull()
      .references(() => albums.id, { onDelete: "cascade" }),
    artistId: integer("artist_id")
      .notNull()
      .references(() => artists.id, { onDelete: "cascade" }),
    role: text("role", { enum: roles }).notNull(),
    position: integer("position").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.albumId, t.artistId, t.role] }),
    index("album_artists_artist").on(t.artistId, t.role),
    // getArtists counts each artist's albums from this index alone.
    index("album_artists_artist_album").on(t.artistId, t.albumId),
    // An album's first artist (albumsByIds, tracksByIds) without a sort per row.
    index("album_artists_album_order").on(t.albumId, t.position, t.artistId),
  ],
);

export const genres = sqliteTable("genres", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
});

export const trackGenres = sqliteTable(
  "track_genres",
  {
    trackId: integer("track_id")
      .notNull()
      .references(() => tracks.id, { onDelete: "cascade" }),
    genreId: integer("genre_id")
      .notNull()
      .references(() => genres.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.trackId, t.genreId] }),
    index("track_genres_genre").on(t.genreId),
  ],
);

export const audioAnalysis = sqliteTable("audio_analysis", {
  trackId: integer("track_id")
    .primaryKey()
    .references(() => tracks.id, { onDelete: "cascade" }),
  integratedLufs: real("integrated_lufs"),
  truePeakDb: real("true_peak_db"),
  trackGain: real("track_gain"),
  /** ~1000 min/max pairs as Int8 pairs. */
  peaks: blob("peaks", { mode: "buffer" }),
  bpm: real("bpm"),
  samplePeakDb: real("sample_peak_db"),
  /** Mergeable block-loudness histogram: album gain is computed from these. */
  blockSummary: blob("block_summary", { mode: "buffer" }),
  error: text("error"),
  analyzedAt: integer("analyzed_at").notNull().default(now),
});

// ── per-user state ──────────────────────────────────────────────────────────
const itemTypes = ["artist", "album", "track"] as const;

export const stars = sqliteTable(
  "stars",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    itemType: text("item_type", { enum: itemTypes }).notNull(),
    itemId: integer("item_id").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.itemType, t.itemId] })],
);

export const ratings = sqliteTable(
  "ratings",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    itemType: text("item_type", { enum: itemTypes }).notNull(),
    itemId: integer("item_id").notNull(),
    rating: integer("rating").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.itemType, t.itemId] })],
);

export const plays = sqliteTable(
  "plays",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    trackId: integer("track_id")
      .notNull()
      .references(() => tracks.id, { onDelete: "cascade" }),
    playedAt: integer("played_at").notNull(),
    client: text("client"),
  },
  (t) => [index("plays_user_time").on(t.userId, t.playedAt), index("plays_track").on(t.trackId)],
);

/**
 * What each player is playing now. A table, not process memory: every instance of a scaled-out
 * deployment sees the same list. One row per user and player (`c`), with two independent parts:
 *
 * - the plain entry (`track_id`, `updated_at`): scrobble with submission=false, or stream. Shown
 *   for ~10 minutes after its last update.
 * - the playback report (OpenSubsonic `playbackReport`): the media, its timeline (state, position
 *   at `reported_at`, rate) and the play-counting session (start, time heard, whether its one play
 *   was counted). Kept until `expires_at` (a grace period after the media's planned end); a stopped
 *   session stays hidden until then so a later scrobble of the same play is not counted twice.
 *
 * A live report wins over the plain entry in getNowPlaying. Expired rows are pruned on write.
 */
export const nowPlaying = sqliteTable(
  "now_playing",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The client name (`c`): one entry per user and player. */
    player: text("player").notNull(),
    trackId: integer("track_id").references(() => tracks.id, { onDelete: "cascade" }),
    updatedAt: integer("updated_at"),
    // ── the playback report (all null until the player reports) ──
    reportTrackId: integer("report_track_id").references(() => tracks.id, { onDelete: "cascade" }),
    reportEpisodeId: integer("report_episode_id").references(() => podcastEpisodes.id, {
      onDelete: "cascade",
    }),
    state: text("state", { enum: ["starting", "playing", "paused", "stopped"] }),
    /** The reported position at `reported_at`. */
    positionMs: integer("position_ms"),
    playbackRate: real("playback_rate"),
    reportedAt: integer("reported_at"),
    /** When this playback session began (a `starting` report, or the first one for the media). */
    startedAt: integer("started_at"),
    /** Media time heard in this session: server clock while `playing`, times the rate. */
    heardMs: integer("heard_ms"),
    /** false when the last report said ignoreScrobble=true. */
    scrobble: integer("scrobble", { mode: "boolean" }),
    /** This session's play was counted (by a report or by a scrobble submission). */
    counted: integer("counted", { mode: "boolean" }),
    expiresAt: integer("expires_at"),
  },
  (t) => [
    uniqueIndex("now_playing_player").on(t.userId, t.player),
    index("now_playing_time").on(t.updatedAt),
    index("now_playing_expiry").on(t.expiresAt),
  ],
);

export const playlists = sqliteTable("playlists", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  ownerId: integer("owner_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  name: text("name").notNull(),
  comment: text("comment"),
  public: integer("public", { mode: "boolean" }).notNull().default(false),
  createdAt: createdAt(),
  updatedAt: integer("updated_at").notNull().default(now),
});

export const playlistEntries = sqliteTable(
  "playlist_entries",
  {
    playlistId: integer("playlist_id")
      .notNull()
      .references(() => playlists.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    trackId: integer("track_id")
      .notNull()
      .references(() => tracks.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.playlistId, t.position] })],
);

export const playQueues = sqliteTable("play_queues", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  currentIndex: integer("current_index").notNull().default(0),
  positionMs: integer("position_ms").notNull().default(0),
  changedAt: integer("changed_at").notNull().default(now),
  changedBy: text("changed_by"),
});

export const playQueueEntries = sqliteTable(
  "play_queue_entries",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    trackId: integer("track_id")
      .notNull()
      .references(() => tracks.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.position] })],
);

export const bookmarks = sqliteTable(
  "bookmarks",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    trackId: integer("track_id")
      .notNull()
      .references(() => tracks.id, { onDelete: "cascade" }),
    positionMs: integer("position_ms").notNull(),
    comment: text("comment"),
    createdAt: createdAt(),
    updatedAt: integer("updated_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.userId, t.trackId] })],
);

export const shares = sqliteTable("shares", {
  /** Random, unguessable: it is the public link. */
  id: text("id").primaryKey(),
  userId: integer("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  description: text("description"),
  expiresAt: integer("expires_at"),
  visitCount: integer("visit_count").notNull().default(0),
  lastVisitedAt: integer("last_visited_at"),
  createdAt: createdAt(),
});

export const shareEntries = sqliteTable(
  "share_entries",
  {
    shareId: text("share_id")
      .notNull()
      .references(() => shares.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    trackId: integer("track_id")
      .notNull()
      .references(() => tracks.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.shareId, t.position] })],
);

export const radioStations = sqliteTable("radio_stations", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  streamUrl: text("stream_url").notNull(),
  homepageUrl: text("homepage_url"),
  createdAt: createdAt(),
});

export const chatMessages = sqliteTable("chat_messages", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  message: text("message").notNull(),
  createdAt: createdAt(),
});

// ── jobs ────────────────────────────────────────────────────────────────────
export const jobStates = [
  "queued",
  "scheduled",
  "started",
  "finished",
  "failed",
  "canceled",
  "deferred",
] as const;
export type JobState = (typeof jobStates)[number];

export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    state: text("state", { enum: jobStates }).notNull().default("queued"),
    /** JSON. */
    payload: text("payload").notNull().default("{}"),
    /** JSON continuation point of chunked work. */
    cursor: text("cursor"),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(3),
    progress: real("progress").notNull().default(0),
    done: integer("done").notNull().default(0),
    total: integer("total"),
    result: text("result"),
    error: text("error"),
    cancelRequested: integer("cancel_requested", { mode: "boolean" }).notNull().default(false),
    dedupId: text("dedup_id"),
    dependsOn: text("depends_on"),
    createdAt: createdAt(),
    runAt: integer("run_at"),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
  },
  (t) => [
    index("jobs_state").on(t.state, t.createdAt),
    index("jobs_name").on(t.name, t.createdAt),
    uniqueIndex("jobs_dedup").on(t.dedupId),
  ],
);

export const jobLogs = sqliteTable(
  "job_logs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    jobId: text("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    at: integer("at").notNull().default(now),
    level: text("level", { enum: ["debug", "info", "warn", "error"] })
      .notNull()
      .default("info"),
    message: text("message").notNull(),
  },
  (t) => [index("job_logs_job").on(t.jobId, t.id)],
);

/** The built-in dispatcher's durable outbox: one row per message to deliver. */
export const outbox = sqliteTable(
  "outbox",
  {
    id: text("id").primaryKey(),
    /** The job route name: delivered to PUBLIC_URL/jobs/<name>. */
    name: text("name").notNull(),
    body: text("body").notNull(),
    state: text("state", { enum: ["pending", "delivered", "dead"] })
      .notNull()
      .default("pending"),
    notBefore: integer("not_before").notNull(),
    attempts: integer("attempts").notNull().default(0),
    retries: integer("retries").notNull().default(3),
    dedupId: text("dedup_id"),
    lastError: text("last_error"),
    createdAt: createdAt(),
    deliveredAt: integer("delivered_at"),
  },
  (t) => [index("outbox_due").on(t.state, t.notBefore), uniqueIndex("outbox_dedup").on(t.dedupId)],
);

export const schedules = sqliteTable("schedules", {
  /** Fixed id (e.g. "rescan"): re-registering the same schedule replaces it. */
  id: text("id").primaryKey(),
  cron: text("cron").notNull(),
  name: text("name").notNull(),
  body: text("body").notNull().default("{}"),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  lastRunAt: integer("last_run_at"),
  nextRunAt: integer("next_run_at"),
});

// ── party mode ──────────────────────────────────────────────────────────────
export const partyRooms = sqliteTable("party_rooms", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  hostUserId: integer("host_user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  currentEntryId: integer("current_entry_id"),
  createdAt: createdAt(),
  closedAt: integer("closed_at"),
});

export const roomEntries = sqliteTable(
  "room_entries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    roomId: text("room_id")
      .notNull()
      .references(() => partyRooms.id, { onDelete: "cascade" }),
    trackId: integer("track_id")
      .notNull()
      .references(() => tracks.id, { onDelete: "cascade" }),
    /** A guest's anonymous id or "user:<id>". */
    suggestedBy: text("suggested_by").notNull(),
    score: integer("score").notNull().default(0),
    state: text("state", { enum: ["queued", "playing", "played", "removed"] })
      .notNull()
      .default("queued"),
    createdAt: createdAt(),
    playedAt: integer("played_at"),
  },
  (t) => [index("room_entries_queue").on(t.roomId, t.state, t.score)],
);

export const roomVotes = sqliteTable(
  "room_votes",
  {
    entryId: integer("entry_id")
      .notNull()
      .references(() => roomEntries.id, { onDelete: "cascade" }),
    voterId: text("voter_id").notNull(),
    value: integer("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.entryId, t.voterId] })],
);

/** Files a scan could not read, with why; skipped until they change. */
export const scanProblems = sqliteTable(
  "scan_problems",
  {
    folderId: integer("folder_id")
      .notNull()
      .references(() => musicFolders.id, { onDelete: "cascade" }),
    path: text("path").notNull(),
    reason: text("reason").notNull(),
    message: text("message").notNull(),
    size: integer("size").notNull(),
    mtime: integer("mtime").notNull(),
    seenAt: integer("seen_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.folderId, t.path] })],
);

// ── jukebox ─────────────────────────────────────────────────────────────────
/**
 * The server-side jukebox of each user (jukeboxControl). Apart from play_queues on purpose: a
 * client syncing its own queue must not overwrite what the jukebox plays, nor the reverse. A table
 * rather than process memory so every instance of a scaled-out deployment sees the same state.
 */
export const jukeboxStates = sqliteTable("jukebox_states", {
  userId: integer("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  currentIndex: integer("current_index").notNull().default(0),
  playing: integer("playing", { mode: "boolean" }).notNull().default(false),
  /** 0.0–1.0, as the Subsonic API gives it. */
  gain: real("gain").notNull().default(0.75),
  /** Seconds into the current track. */
  position: integer("position").notNull().default(0),
  changedAt: integer("changed_at").notNull().default(now),
});

export const jukeboxEntries = sqliteTable(
  "jukebox_entries",
  {
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    trackId: integer("track_id")
      .notNull()
      .references(() => tracks.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.position] })],
);

// ── podcasts ────────────────────────────────────────────────────────────────
export const podcastChannels = sqliteTable("podcast_channels", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  url: text("url").notNull().unique(),
  title: text("title"),
  description: text("description"),
  /** The feed's image URL, as given: shown to clients, never fetched by the server. */
  coverUrl: text("cover_url"),
  status: text("status", { enum: ["new", "downloading", "completed", "error"] })
    .notNull()
    .default("new"),
  errorMessage: text("error_message"),
  lastRefreshedAt: integer("last_refreshed_at"),
  createdAt: createdAt(),
});

export const podcastEpisodes = sqliteTable(
  "podcast_episodes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    channelId: integer("channel_id")
      .notNull()
      .references(() => podcastChannels.id, { onDelete: "cascade" }),
    /** The item's guid, else its enclosure URL, else its title: what makes a refresh idempotent. */
    guid: text("guid").notNull(),
    title: text("title"),
    description: text("description"),
    publishedAt: integer("published_at"),
    enclosureUrl: text("enclosure_url"),
    durationSeconds: integer("duration_seconds"),
    size: integer("size"),
    contentType: text("content_type"),
    status: text("status", {
      enum: ["new", "downloading", "completed", "error", "skipped", "deleted"],
    })
      .notNull()
      .default("new"),
    /** Relative to <dataDir>/podcasts/<channel id>/; only ever a name the server chose. */
    filePath: text("file_path"),
    errorMessage: text("error_message"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("podcast_episodes_guid").on(t.channelId, t.guid),
    index("podcast_episodes_published").on(t.publishedAt),
  ],
);
