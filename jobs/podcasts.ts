import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Database } from "../db/client.ts";
import { FeedError, parseFeed } from "../library/podcast-feed.ts";
import {
  applyFeed,
  channelById,
  episodeById,
  episodePath,
  listChannels,
  podcastDir,
  setChannelError,
  setEpisodeStatus,
} from "../library/podcasts.ts";
import type { JobHandler } from "./types.ts";

const FEED_TIMEOUT_MS = 20_000;
const FEED_MAX_BYTES = 5 * 1024 * 1024;
const MAX_REDIRECTS = 5;
/** A download that stalls this long without a byte is abandoned (and retried by the job). */
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

export class FetchError extends Error {}

/**
 * GET with redirects followed by hand, so every hop is checked to be http(s): the fetch
 * implementation would otherwise follow wherever the remote server points.
 */
export async function safeFetch(
  url: string,
  init: { signal: AbortSignal; headers?: Record<string, string> },
): Promise<Response> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let u: URL;
    try {
      u = new URL(current);
    } catch {
      throw new FetchError(`invalid URL: ${current.slice(0, 200)}`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") {
      throw new FetchError(`refusing ${u.protocol} URL (http and https only)`);
    }
    let res: Response;
    try {
      res = await fetch(u, { ...init, redirect: "manual" });
    } catch (err) {
      throw new FetchError(`fetch failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      current = new URL(location, u).href;
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new FetchError(`HTTP ${res.status} from ${u.host}`);
    }
    return res;
  }
  throw new FetchError(`more than ${MAX_REDIRECTS} redirects`);
}

/** The whole body as text, refused beyond `max` bytes whatever Content-Length claims. */
async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel();
    throw new FetchError(`feed larger than ${max} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (res.body) {
    for await (const chunk of res.body) {
      total += chunk.byteLength;
      if (total > max) {
        await res.body.cancel().catch(() => undefined);
        throw new FetchError(`feed larger than ${max} bytes`);
      }
      chunks.push(chunk);
    }
  }
  return new TextDecoder("utf-8").decode(Buffer.concat(chunks));
}

/** Fetches and stores one channel's feed; a bad feed marks the channel, it never throws. */
export function refreshPodcastJob(database: Database): JobHandler<{ channelId: number }> {
  return {
    name: "refresh-podcast",
    maxAttempts: 3,
    async run(ctx) {
      const channel = await channelById(database, Number(ctx.payload.channelId));
      if (!channel) return { done: true, result: { skipped: "channel gone" } };
      try {
        const res = await safeFetch(channel.url, {
          signal: AbortSignal.timeout(FEED_TIMEOUT_MS),
          headers: { Accept: "application/rss+xml, application/xml, text/xml, */*" },
        });
        const feed = parseFeed(await readCapped(res, FEED_MAX_BYTES));
        await applyFeed(database, channel.id, feed);
        return { done: true, result: { episodes: feed.items.length } };
      } catch (err) {
        if (!(err instanceof FetchError || err instanceof FeedError || isAbort(err))) throw err;
        const message = isAbort(err) ? "feed fetch timed out" : (err as Error).message;
        await setChannelError(database, channel.id, message);
        await ctx.log(`channel ${channel.id}: ${message}`, "warn");
        return { done: true, result: { error: message } };
      }
    },
  };
}

const isAbort = (err: unknown) =>
  err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");

/** The schedule's job: one refresh per channel, each deduplicated against one already queued. */
export function refreshAllPodcastsJob(
  database: Database,
  enqueue: (channelId: number) => Promise<unknown>,
): JobHandler {
  return {
    name: "refresh-podcasts",
    exclusive: true,
    async run() {
      const channels = await listChannels(database);
      for (const c of channels) await enqueue(c.id);
      return { done: true, result: { channels: channels.length } };
    },
  };
}

const SUFFIX_BY_TYPE: Record<string, string> = {
  "audio/mpeg": "mp3",
  "audio/mp3": "mp3",
  "audio/mp4": "m4a",
  "audio/x-m4a": "m4a",
  "audio/aac": "aac",
  "audio/ogg": "ogg",
  "audio/opus": "opus",
  "audio/flac": "flac",
  "audio/wav": "wav",
  "video/mp4": "mp4",
};

/** A file suffix the server picks itself: from the type, else the URL, else mp3. */
export function episodeSuffix(type: string | null, url: string): string {
  const byType = type && SUFFIX_BY_TYPE[type.split(";")[0]?.trim().toLowerCase() ?? ""];
  if (byType) return byType;
  const fromUrl = new URL(url).pathname.match(/\.([a-z0-9]{2,4})$/i)?.[1]?.toLowerCase();
  return fromUrl ?? "mp3";
}

interface DownloadCursor {
  /** The temp file of this attempt, inside the channel dir. */
  part: string;
}

/**
 * Downloads an episode's enclosure to a temp file in its channel dir, then renames it into place.
 * Works in chunks: past the deadline it returns a cursor and resumes with a Range request (or
 * starts over when the server ignores Range). Re-delivery of a finished download does nothing.
 */
export function downloadPodcastJob(
  database: Database,
  dataDir: string,
  maxBytes: number,
): JobHandler<{ episodeId: number }, DownloadCursor> {
  return {
    name: "download-podcast-episode",
    maxAttempts: 3,
    async run(ctx) {
      const episode = await episodeById(database, Number(ctx.payload.episodeId));
      if (!episode) return { done: true, result: { skipped: "episode gone" } };
      const existing = episodePath(dataDir, episode);
      if (episode.status === "completed" && existing && (await isFile(existing))) {
        return { done: true, result: { skipped: "already downloaded" } };
      }
      // Deleted or skipped after it was queued: the user's later choice wins.
      if (episode.status === "deleted" || episode.status === "skipped" || !episode.enclosureUrl) {
        return { done: true, result: { skipped: episode.status } };
      }
      const dir = podcastDir(dataDir, episode.channelId);
      await mkdir(dir, { recursive: true });
      const part = ctx.cursor?.part ?? `.${episode.id}-${crypto.randomUUID()}.part`;
      const partPath = join(dir, part);
      const fail = async (message: string) => {
        await rm(partPath, { force: true });
        await setEpisodeStatus(database, episode.id, "error", { error: message });
        await ctx.log(`episode ${episode.id}: ${message}`, "warn");
        return { done: true as const, result: { error: message } };
      };
      if (!ctx.cursor) await setEpisodeStatus(database, episode.id, "downloading");
      const have = ctx.cursor ? ((await stat(partPath).catch(() => undefined))?.size ?? 0) : 0;
      let res: Response;
      try {
        res = await safeFetch(episode.enclosureUrl, {
          signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS),
          headers: have > 0 ? { Range: `bytes=${have}-` } : {},
        });
      } catch (err) {
        if (err instanceof FetchError || isAbort(err)) return fail((err as Error).message);
        throw err;
      }
      const resumed = have > 0 && res.status === 206 && contentRangeStart(res) === have;
      let written = resumed ? have : 0;
      const declared = Number(res.headers.get("content-length"));
      if (Number.isFinite(declared) && written + declared > maxBytes) {
        await res.body?.cancel();
        return fail(`episode larger than ${maxBytes} bytes`);
      }
      const file = await open(partPath, resumed ? "a" : "w");
      let outOfTime = false;
      try {
        if (res.body) {
          for await (const chunk of res.body) {
            written += chunk.byteLength;
            if (written > maxBytes) {
              await res.body.cancel().catch(() => undefined);
              await file.close();
              return fail(`episode larger than ${maxBytes} bytes`);
            }
            await file.write(chunk);
            if (Date.now() > ctx.deadline) {
              outOfTime = true;
              await res.body.cancel().catch(() => undefined);
              break;
            }
          }
        }
      } catch (err) {
        await file.close().catch(() => undefined);
        if (isAbort(err) || err instanceof TypeError) {
          return fail(`download interrupted: ${(err as Error).message}`);
        }
        throw err;
      }
      await file.close();
      if (outOfTime) {
        await ctx.progress(written, episode.size ?? undefined);
        return { done: false, cursor: { part } };
      }
      // Deleted while it downloaded: keep the user's choice, drop the bytes.
      if ((await episodeById(database, episode.id))?.status === "deleted") {
        await rm(partPath, { force: true });
        return { done: true, result: { skipped: "deleted" } };
      }
      const name = `${episode.id}.${episodeSuffix(episode.contentType, episode.enclosureUrl)}`;
      await rename(partPath, join(dir, name));
      await setEpisodeStatus(database, episode.id, "completed", {
        filePath: name,
        size: written,
        error: null,
      });
      return { done: true, result: { bytes: written } };
    },
  };
}

function contentRangeStart(res: Response): number | undefined {
  const m = res.headers.get("content-range")?.match(/^bytes (\d+)-/);
  return m ? Number(m[1]) : undefined;
}

const isFile = async (path: string) => (await stat(path).catch(() => undefined))?.isFile() ?? false;
