import { rm } from "node:fs/promises";
import type { AppContext } from "../../context.ts";
import { episodeSuffix } from "../../jobs/podcasts.ts";
import { enqueuePodcastRefresh } from "../../jobs/registry.ts";
import {
  addChannel,
  type ChannelView,
  channelById,
  channelEpisodes,
  deleteChannel,
  type EpisodeView,
  episodeById,
  episodePath,
  listChannels,
  newestEpisodes,
  podcastDir,
  setEpisodeStatus,
} from "../../library/podcasts.ts";
import { intParam, required } from "./browse.ts";
import { boolParam } from "./playlists.ts";
import type { Node } from "./render.ts";
import { type SubsonicCall, SubsonicFailure, type SubsonicMethod } from "./types.ts";

export const channelId = (id: number) => `pc-${id}`;
export const episodeId = (id: number) => `pe-${id}`;

/** `pc-<n>` / `pe-<n>` strictly; anything else is undefined. */
export function parsePodcastId(value: string | null, prefix: "pc" | "pe"): number | undefined {
  const m = value?.match(/^(p[ce])-(\d{1,15})$/);
  return m && m[1] === prefix ? Number(m[2]) : undefined;
}

const notFound = (what: string) => new SubsonicFailure(70, `${what} not found`);
const iso = (ms: number) => new Date(ms).toISOString();
const MAX_NEWEST = 500;

export function episodeNode(e: EpisodeView): Node {
  const completed = e.status === "completed";
  const suffix = e.enclosureUrl ? episodeSuffix(e.contentType, e.enclosureUrl) : undefined;
  return {
    id: episodeId(e.id),
    // Only a downloaded episode can be streamed (stream/download take this id).
    streamId: completed ? episodeId(e.id) : undefined,
    channelId: channelId(e.channelId),
    parent: channelId(e.channelId),
    isDir: false,
    title: e.title ?? e.guid,
    album: e.channelTitle ?? undefined,
    artist: e.channelTitle ?? undefined,
    description: e.description ?? undefined,
    status: e.status,
    publishDate: e.publishedAt !== null ? iso(e.publishedAt) : undefined,
    duration: e.durationSeconds ?? undefined,
    size: e.size ?? undefined,
    contentType: e.contentType ?? undefined,
    suffix,
    created: iso(e.createdAt),
    type: "podcast",
  };
}

function channelNode(c: ChannelView, episodes?: EpisodeView[]): Node {
  return {
    id: channelId(c.id),
    url: c.url,
    title: c.title ?? undefined,
    description: c.description ?? undefined,
    originalImageUrl: c.coverUrl ?? undefined,
    status: c.status,
    errorMessage: c.errorMessage ?? undefined,
    episode: episodes?.map(episodeNode),
  };
}

/** A feed URL a user may subscribe to: absolute http(s) only. */
function feedUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.protocol === "http:" || u.protocol === "https:") return u.href;
  } catch {}
  throw new SubsonicFailure(0, "url must be an http or https URL");
}

/** Podcast channels and episodes; feeds are fetched and episodes downloaded by jobs. */
export function podcastMethods(ctx: AppContext): Record<string, SubsonicMethod> {
  const db = ctx.database;

  // Subsonic gives this to admins and users with the podcast role; we have only admin.
  const requireAdmin = (call: SubsonicCall) => {
    if (call.user.role !== "admin") {
      throw new SubsonicFailure(50, "Managing podcasts is for administrators");
    }
  };

  const channelParam = async (call: SubsonicCall): Promise<ChannelView> => {
    const raw = required(call, "id");
    const id = parsePodcastId(raw, "pc");
    const c = id === undefined ? undefined : await channelById(db, id);
    if (!c) throw notFound(`Podcast channel ${raw}`);
    return c;
  };

  const episodeParam = async (call: SubsonicCall): Promise<EpisodeView> => {
    const raw = required(call, "id");
    const id = parsePodcastId(raw, "pe");
    const e = id === undefined ? undefined : await episodeById(db, id);
    if (!e) throw notFound(`Podcast episode ${raw}`);
    return e;
  };

  const getPodcasts: SubsonicMethod = async (call) => {
    const includeEpisodes = boolParam(call, "includeEpisodes") ?? true;
    const channels = call.params.get("id") ? [await channelParam(call)] : await listChannels(db);
    const episodes = includeEpisodes
      ? await channelEpisodes(
          db,
          channels.map((c) => c.id),
        )
      : [];
    return {
      podcasts: {
        channel: channels.map((c) =>
          channelNode(
            c,
            includeEpisodes ? episodes.filter((e) => e.channelId === c.id) : undefined,
          ),
        ),
      },
    };
  };

  const getNewestPodcasts: SubsonicMethod = async (call) => {
    const count = Math.min(intParam(call, "count", 20), MAX_NEWEST);
    return { newestPodcasts: { episode: (await newestEpisodes(db, count)).map(episodeNode) } };
  };

  const getPodcastEpisode: SubsonicMethod = async (call) => ({
    podcastEpisode: episodeNode(await episodeParam(call)),
  });

  const refreshPodcasts: SubsonicMethod = async (call) => {
    requireAdmin(call);
    for (const c of await listChannels(db)) await enqueuePodcastRefresh(ctx, c.id);
    return undefined;
  };

  const createPodcastChannel: SubsonicMethod = async (call) => {
    requireAdmin(call);
    const url = feedUrl(required(call, "url"));
    const id = await addChannel(db, url);
    await enqueuePodcastRefresh(ctx, id);
    return undefined;
  };

  const deletePodcastChannel: SubsonicMethod = async (call) => {
    requireAdmin(call);
    const c = await channelParam(call);
    await deleteChannel(db, c.id);
    await rm(podcastDir(ctx.config.dataDir, c.id), { recursive: true, force: true });
    return undefined;
  };

  const deletePodcastEpisode: SubsonicMethod = async (call) => {
    requireAdmin(call);
    const e = await episodeParam(call);
    const path = episodePath(ctx.config.dataDir, e);
    // The row stays, marked deleted, so the next refresh does not offer the episode again.
    await setEpisodeStatus(db, e.id, "deleted", { filePath: null, error: null });
    if (path) await rm(path, { force: true });
    return undefined;
  };

  const downloadPodcastEpisode: SubsonicMethod = async (call) => {
    requireAdmin(call);
    const e = await episodeParam(call);
    if (!e.enclosureUrl) throw new SubsonicFailure(0, "This episode has nothing to download");
    if (e.status === "completed" && episodePath(ctx.config.dataDir, e)) return undefined;
    await setEpisodeStatus(db, e.id, "downloading", { error: null });
    await ctx.jobs.enqueue(
      "download-podcast-episode",
      { episodeId: e.id },
      { dedupId: `podcast-episode:${e.id}` },
    );
    return undefined;
  };

  return {
    getPodcasts,
    getNewestPodcasts,
    getPodcastEpisode,
    refreshPodcasts,
    createPodcastChannel,
    deletePodcastChannel,
    deletePodcastEpisode,
    downloadPodcastEpisode,
  };
}
