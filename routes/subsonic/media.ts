import { stat } from "node:fs/promises";
import { basename } from "node:path";
import {
  FORMATS,
  isTranscodeFormat,
  TranscodeBusy,
  TranscodeError,
  type TranscodeFormat,
  type TranscodeJob,
  Transcoder,
  transcodeCacheDir,
} from "../../audio/transcode.ts";
import type { AppContext } from "../../context.ts";
import { setNowPlaying } from "../../library/annotations.ts";
import {
  Artwork,
  type CoverSource,
  type ImageFile,
  MAX_COVER_SIZE,
} from "../../library/artwork.ts";
import { episodeById, episodePath } from "../../library/podcasts.ts";
import { type TrackView, tracksByIds } from "../../library/queries.ts";
import { resolveInside } from "../../library/walk.ts";
import { fileResponse } from "../file-response.ts";
import { intParam, itemRef, required } from "./browse.ts";
import { parsePodcastId } from "./podcasts.ts";
import { ids, parseId } from "./shapes.ts";
import { type SubsonicCall, SubsonicFailure, type SubsonicMethod } from "./types.ts";

const notFound = (what: string) => new SubsonicFailure(70, `${what} not found`);

/** Bitrates ffmpeg's encoders accept for every format we offer, kbps. */
const MIN_KBPS = 32;
const MAX_KBPS = 320;
const HLS_SEGMENT_SECONDS = 10;
const HLS_DEFAULT_KBPS = 192;
/** A tail shorter than this joins the previous HLS segment. */
const SLIVER_SECONDS = 0.5;
/** Request parameters that authenticate; an HLS playlist carries them into its segment URLs. */
const AUTH_PARAMS = ["u", "p", "t", "s", "apiKey", "c", "v"];
const IMMUTABLE = "public, max-age=31536000, immutable";
/** How often repeated streams of the same track refresh its now-playing entry. */
const NOW_PLAYING_REFRESH_MS = 60_000;
// Ids that resolve through the library (al-, ar-, tr-) may show another cover tomorrow.
const REVALIDATE = "public, max-age=3600";

interface OnDisk {
  track: TrackView;
  path: string;
  size: number;
  mtimeMs: number;
}

/** Seconds as a non-negative decimal (`timeOffset`, `duration`); garbage is an error. */
function secondsParam(call: SubsonicCall, name: string): number | undefined {
  const raw = call.params.get(name);
  if (raw === null || raw === "") return undefined;
  if (!/^\d{1,7}(\.\d{1,3})?$/.test(raw)) {
    throw new SubsonicFailure(0, `${name} must be a number of seconds ≥ 0`);
  }
  return Number(raw);
}

const clampKbps = (k: number) => Math.min(MAX_KBPS, Math.max(MIN_KBPS, Math.round(k)));

/**
 * What `stream` sends: undefined for the original file, else a format and bitrate.
 * `raw` (or a format we do not encode) keeps the original unless maxBitRate asks for less.
 */
export function streamTarget(
  track: { suffix: string; bitRate: number | null },
  opts: { format?: string; maxBitRate: number; offset: number; duration?: number },
): { format: TranscodeFormat; bitRate: number } | undefined {
  const format = opts.format?.toLowerCase();
  if (format === "raw") return undefined;
  const cut = opts.offset > 0 || opts.duration !== undefined;
  const limit = opts.maxBitRate > 0 ? opts.maxBitRate : undefined;
  if (format && isTranscodeFormat(format)) {
    const within = limit === undefined || (track.bitRate ?? Infinity) <= limit;
    if (format === track.suffix.toLowerCase() && within && !cut) return undefined;
    return { format, bitRate: clampKbps(limit ?? FORMATS[format].defaultBitRate) };
  }
  if (limit !== undefined && (track.bitRate ?? Infinity) > limit) {
    return { format: "mp3", bitRate: clampKbps(limit) };
  }
  // An offset needs a transcode (OpenSubsonic transcodeOffset): mp3 plays everywhere.
  if (cut) return { format: "mp3", bitRate: clampKbps(limit ?? FORMATS.mp3.defaultBitRate) };
  return undefined;
}

function matchesEtag(request: Request, etag: string): boolean {
  const header = request.headers.get("if-none-match");
  if (!header) return false;
  return header
    .split(",")
    .map((v) => v.trim().replace(/^W\//, ""))
    .some((v) => v === etag || v === "*");
}

/** Content-Disposition with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987). */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** What cover art needs of a call: no user, so a signed public link can use it too. */
export type ImageCall = Pick<SubsonicCall, "params" | "request">;

interface Media {
  methods: Record<string, SubsonicMethod>;
  coverArt: (call: ImageCall) => Promise<Response>;
}

const perContext = new WeakMap<AppContext, Media>();

/**
 * One set per app context: the web player streams through the same methods, so both share
 * one transcoder (and its concurrency limit and disk cache).
 */
function media(ctx: AppContext): Media {
  let m = perContext.get(ctx);
  if (!m) {
    m = buildMedia(ctx);
    perContext.set(ctx, m);
  }
  return m;
}

/** stream, download, cover art, avatars, HLS; video methods answer that there is no video. */
export const mediaMethods = (ctx: AppContext) => media(ctx).methods;

/** getCoverArt without the user: for signed public image links (routes/images.ts). */
export const coverArt = (ctx: AppContext) => media(ctx).coverArt;

function buildMedia(ctx: AppContext): Media {
  const transcoder = new Transcoder({
    cacheDir: transcodeCacheDir(ctx.config.dataDir),
    ffmpegPath: ctx.config.ffmpegPath,
    maxConcurrent: ctx.config.maxTranscodes,
  });
  const artwork = new Artwork(ctx.database, ctx.config.dataDir);

  /** The track's file, looked up by id and resolved inside its music folder. */
  const trackFile = async (call: SubsonicCall): Promise<OnDisk> => {
    const raw = required(call, "id");
    const id = parseId(raw, "tr");
    if (id === undefined) throw notFound(`Song ${raw}`);
    const [track] = await tracksByIds(ctx.database, [id]);
    if (!track) throw notFound(`Song ${raw}`);
    const folder = await ctx.library.folder(track.folderId);
    const path = folder && resolveInside(folder.path, track.path);
    const st = path ? await stat(path).catch(() => undefined) : undefined;
    if (!path || !st?.isFile()) throw notFound(`File of song ${raw}`);
    return { track, path, size: st.size, mtimeMs: st.mtimeMs };
  };

  /**
   * A downloaded podcast episode (`pe-` id), or undefined for any other id. Served as stored,
   * never transcoded: episodes are already in a format podcast clients play.
   */
  const episodeFile = async (call: SubsonicCall, disposition: boolean) => {
    const raw = call.params.get("id");
    const id = parsePodcastId(raw, "pe");
    if (id === undefined) return undefined;
    const e = await episodeById(ctx.database, id);
    const path = e?.status === "completed" ? episodePath(ctx.config.dataDir, e) : undefined;
    const st = path ? await stat(path).catch(() => undefined) : undefined;
    if (!e || !path || !st?.isFile()) throw notFound(`Podcast episode ${raw}`);
    return fileResponse(call.request, {
      path,
      mime: e.contentType ?? "application/octet-stream",
      size: st.size,
      mtimeMs: st.mtimeMs,
      headers: disposition ? { "Content-Disposition": attachment(basename(path)) } : undefined,
    });
  };

  const original = (call: SubsonicCall, f: OnDisk, headers?: Record<string, string>) =>
    fileResponse(call.request, {
      path: f.path,
      mime: f.track.contentType,
      size: f.size,
      mtimeMs: f.mtimeMs,
      headers,
    });

  // A player fetches one track in many Range requests (seeking, buffering): its now-playing
  // entry is written when the track changes or once a minute, not per request — each write
  // would also turn the cached Subsonic answers stale.
  const lastNowPlaying = new Map<string, { trackId: number; at: number }>();
  const nowPlaying = async (call: SubsonicCall, trackId: number) => {
    const player = call.params.get("c") || "unknown";
    const key = `${call.user.id}\0${player}`;
    const now = Date.now();
    const last = lastNowPlaying.get(key);
    if (last?.trackId === trackId && now - last.at < NOW_PLAYING_REFRESH_MS) return;
    if (lastNowPlaying.size > 10_000) lastNowPlaying.clear();
    lastNowPlaying.set(key, { trackId, at: now });
    await setNowPlaying(ctx.database, call.user.id, player, trackId).catch((err) =>
      ctx.log.warn("now playing not recorded", { track: trackId, error: String(err) }),
    );
  };

  // Never records a play: clients scrobble explicitly (and prefetch streams they never play).
  // It does show in getNowPlaying, as other Subsonic servers do, for clients that never scrobble.
  const stream: SubsonicMethod = async (call) => {
    const episode = await episodeFile(call, false);
    if (episode) return episode;
    const f = await trackFile(call);
    const offset = secondsParam(call, "timeOffset") ?? 0;
    // Bandstand's own addition, used by the HLS playlist: seconds of output at most.
    const duration = secondsParam(call, "duration");
    const target = streamTarget(f.track, {
      format: call.params.get("format") ?? undefined,
      maxBitRate: intParam(call, "maxBitRate", 0),
      offset,
      duration,
    });
    // Only once the parameters are known good: a refused request records nothing.
    if (call.request.method !== "HEAD") await nowPlaying(call, f.track.id);
    if (!target) return original(call, f);
    const remainingMs = Math.max(0, f.track.durationMs - offset * 1000);
    const job: TranscodeJob = {
      source: f.path,
      trackId: f.track.id,
      size: f.size,
      mtimeMs: f.mtimeMs,
      format: target.format,
      bitRate: target.bitRate,
      offset,
      duration,
      // Generous: a live client reads at playback speed, so the wall time tracks the duration.
      timeoutMs: 60_000 + 2 * (duration !== undefined ? duration * 1000 : remainingMs),
    };
    const mime = FORMATS[target.format].mime;
    if (call.request.method === "HEAD") {
      // A HEAD must not start ffmpeg: headers of a cached copy, else just the type.
      const hit = await transcoder.cached(job);
      if (!hit) return new Response(null, { headers: { "Content-Type": mime } });
    }
    try {
      const out = await transcoder.open(job);
      if (out.kind === "live") {
        return new Response(out.body, {
          headers: { "Content-Type": out.mime, "Cache-Control": "no-store" },
        });
      }
      const st = await stat(out.path);
      return fileResponse(call.request, {
        path: out.path,
        mime: out.mime,
        size: st.size,
        mtimeMs: st.mtimeMs,
      });
    } catch (err) {
      if (err instanceof TranscodeBusy) {
        return new Response("Too many transcodes running, retry shortly\n", {
          status: 429,
          headers: { "Retry-After": String(err.retryAfter), "Content-Type": "text/plain" },
        });
      }
      if (err instanceof TranscodeError) {
        ctx.log.warn("transcode failed", { track: f.track.id, error: err.message });
        throw new SubsonicFailure(0, "Transcoding failed");
      }
      throw err;
    }
  };

  const download: SubsonicMethod = async (call) => {
    const episode = await episodeFile(call, true);
    if (episode) return episode;
    const f = await trackFile(call);
    return original(call, f, { "Content-Disposition": attachment(basename(f.track.path)) });
  };

  /** An image answer with validators; 304 when the client already holds it. */
  const image = async (call: ImageCall, file: ImageFile, etag: string, cache: string) => {
    const headers = { ETag: etag, "Cache-Control": cache };
    if (matchesEtag(call.request, etag)) return new Response(null, { status: 304, headers });
    const st = await stat(file.path);
    return fileResponse(call.request, {
      path: file.path,
      mime: file.mime,
      size: st.size,
      mtimeMs: st.mtimeMs,
      headers,
    });
  };

  const sizeParam = (call: ImageCall): number | undefined => {
    const raw = call.params.get("size");
    if (raw === null || raw === "") return undefined;
    const n = Number(raw);
    if (!/^\d{1,5}$/.test(raw) || n < 1 || n > MAX_COVER_SIZE) {
      throw new SubsonicFailure(0, `size must be an integer from 1 to ${MAX_COVER_SIZE}`);
    }
    return n;
  };

  const getCoverArt = async (call: ImageCall): Promise<Response> => {
    const raw = required(call, "id");
    const size = sizeParam(call);
    let cover: CoverSource | undefined;
    let immutable = false;
    const hash = raw.match(/^co-([0-9a-f]{64})$/)?.[1];
    if (hash) {
      cover = await artwork.cover(hash);
      if (!cover) throw notFound(`Cover art ${raw}`);
      immutable = true;
    } else {
      const ref = itemRef(raw);
      const found = ref && (await artwork.coverOf(ref.type, ref.id));
      if (!found) throw notFound(`Cover art ${raw}`);
      cover = found.cover;
    }
    const tag = (what: string) => `"${what}-${size ?? "orig"}"`;
    if (!cover) {
      const file = await artwork.placeholder(size ?? 600);
      return image(call, file, tag("placeholder"), REVALIDATE);
    }
    const cache = immutable ? IMMUTABLE : REVALIDATE;
    const etag = tag(ids.cover(cover.id));
    if (matchesEtag(call.request, etag)) return image(call, cover, etag, cache);
    try {
      const file = size ? await artwork.resized(cover, size) : cover;
      return await image(call, file, etag, cache);
    } catch (err) {
      // A stored image sharp cannot read: show the placeholder rather than fail the page.
      ctx.log.warn("cover art unreadable", { cover: cover.id, error: String(err) });
      return image(call, await artwork.placeholder(size ?? 600), tag("placeholder"), REVALIDATE);
    }
  };

  const getAvatar: SubsonicMethod = async (call) => {
    const name = required(call, "username");
    if (!(await ctx.users.byName(name))) throw notFound(`User ${name}`);
    // No avatars are stored: every user gets the same generated image.
    return image(call, await artwork.placeholder(256, 0x88), '"avatar-256"', REVALIDATE);
  };

  const hls: SubsonicMethod = async (call) => {
    const f = await trackFile(call);
    const first = call.params.get("bitRate")?.match(/^\d+/)?.[0];
    const kbps = clampKbps(first ? Number(first) : HLS_DEFAULT_KBPS);
    const auth = new URLSearchParams();
    for (const name of AUTH_PARAMS) {
      const v = call.params.get(name);
      if (v !== null) auth.set(name, v);
    }
    const seconds = f.track.durationMs / 1000;
    const lines = [
      "#EXTM3U",
      "#EXT-X-VERSION:3",
      `#EXT-X-TARGETDURATION:${HLS_SEGMENT_SECONDS}`,
      "#EXT-X-MEDIA-SEQUENCE:0",
      "#EXT-X-PLAYLIST-TYPE:VOD",
    ];
    for (let at = 0; ; at += HLS_SEGMENT_SECONDS) {
      const q = new URLSearchParams({
        id: ids.track(f.track.id),
        format: "mp3",
        maxBitRate: String(kbps),
        timeOffset: String(at),
        duration: String(HLS_SEGMENT_SECONDS),
      });
      for (const [k, v] of auth) q.set(k, v);
      const last = at + HLS_SEGMENT_SECONDS >= seconds - SLIVER_SECONDS;
      // The last segment runs to the end, absorbing a sliver of encoder padding.
      if (last) q.delete("duration");
      const extinf = last ? Math.max(0, seconds - at) : HLS_SEGMENT_SECONDS;
      // Relative: resolves against the playlist's own URL, whatever host or proxy served it.
      lines.push(`#EXTINF:${extinf.toFixed(3)},`, `stream?${q}`);
      if (last) break;
    }
    lines.push("#EXT-X-ENDLIST", "");
    return new Response(lines.join("\n"), {
      headers: { "Content-Type": "application/vnd.apple.mpegurl", "Cache-Control": "no-store" },
    });
  };

  const noVideo: SubsonicMethod = (call) => {
    const id = required(call, "id");
    throw notFound(`Video ${id}`);
  };

  const methods: Record<string, SubsonicMethod> = {
    stream,
    download,
    getCoverArt,
    getAvatar,
    "hls.m3u8": hls,
    getVideos: () => ({ videos: { video: [] } }),
    getVideoInfo: noVideo,
    getCaptions: noVideo,
  };
  return { methods, coverArt: getCoverArt };
}
