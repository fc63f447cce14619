import type { AppContext } from "../../context.ts";
import {
  type ItemRef,
  setNowPlaying,
  setRating,
  star,
  starredIds,
  unstar,
} from "../../library/annotations.ts";
import { albumIdsOfArtist, similarTrackIds, topTrackIds } from "../../library/browse.ts";
import {
  type MediaRef,
  nowPlaying,
  PLAYBACK_STATES,
  type PlaybackReport,
  type PlaybackState,
  recordScrobbles,
  reportPlayback,
} from "../../library/playback.ts";
import { episodeById } from "../../library/podcasts.ts";
import { albumsByIds, artistsByIds } from "../../library/queries.ts";
import { signedImageUrl } from "../images.ts";
import {
  albumChildren,
  albums,
  artists,
  idOf,
  intParam,
  itemRef,
  mustExist,
  required,
  songs,
} from "./browse.ts";
import { boolParam } from "./playlists.ts";
import { episodeId, episodeNode, parsePodcastId } from "./podcasts.ts";
import type { Node } from "./render.ts";
import { ids, parseDirId, parseId } from "./shapes.ts";
import { type SubsonicCall, SubsonicFailure, type SubsonicMethod } from "./types.ts";

const notFound = (what: string) => new SubsonicFailure(70, `${what} not found`);

/** star/unstar targets: `id` (any kind, repeatable), `albumId`, `artistId` (repeatable). */
function starTargets(call: SubsonicCall): ItemRef[] {
  const refs: ItemRef[] = [];
  for (const v of call.params.getAll("id")) {
    const ref = itemRef(v);
    if (!ref) throw notFound(`Item ${v}`);
    refs.push(ref);
  }
  for (const v of call.params.getAll("albumId")) refs.push({ type: "album", id: idOf(v, "al") });
  for (const v of call.params.getAll("artistId")) refs.push({ type: "artist", id: idOf(v, "ar") });
  if (refs.length === 0) throw new SubsonicFailure(10, "Required parameter is missing: id");
  return refs;
}

/**
 * Cover art links for the info endpoints (the Subsonic API has no coverArt field there). Apps
 * load them as plain web images, without credentials: hence signed links.
 */
function imageUrls(ctx: AppContext, coverArtId: string | null | undefined): Node {
  if (!coverArtId) return {};
  const url = (size: number) => ({ value: signedImageUrl(ctx, ids.cover(coverArtId), size) });
  return { smallImageUrl: url(150), mediumImageUrl: url(300), largeImageUrl: url(600) };
}

/** The largest playbackRate taken: beyond it a report is garbage, not a fast player. */
const MAX_PLAYBACK_RATE = 100;

/** reportPlayback's parameters: missing ones answer 10, malformed ones 0, unknown media 70. */
function playbackReportOf(call: SubsonicCall): PlaybackReport {
  const mediaId = required(call, "mediaId");
  const mediaType = required(call, "mediaType");
  const position = required(call, "positionMs");
  const state = required(call, "state");
  if (mediaType !== "song" && mediaType !== "podcast") {
    throw new SubsonicFailure(0, "mediaType must be song or podcast");
  }
  if (!/^\d{1,15}$/.test(position)) {
    throw new SubsonicFailure(0, "positionMs must be an integer ≥ 0");
  }
  if (!PLAYBACK_STATES.includes(state as PlaybackState)) {
    throw new SubsonicFailure(0, `state must be one of ${PLAYBACK_STATES.join(", ")}`);
  }
  const rawRate = call.params.get("playbackRate") || "1";
  const rate = Number(rawRate);
  if (!/^\d*\.?\d+$/.test(rawRate) || !(rate > 0 && rate <= MAX_PLAYBACK_RATE)) {
    throw new SubsonicFailure(0, `playbackRate must be a number > 0 and ≤ ${MAX_PLAYBACK_RATE}`);
  }
  const id = mediaType === "song" ? parseId(mediaId, "tr") : parsePodcastId(mediaId, "pe");
  if (id === undefined) {
    throw notFound(`${mediaType === "song" ? "Song" : "Podcast episode"} ${mediaId}`);
  }
  const media: MediaRef = { type: mediaType, id };
  return {
    media,
    positionMs: Number(position),
    state: state as PlaybackState,
    playbackRate: rate,
    ignoreScrobble: boolParam(call, "ignoreScrobble") ?? false,
  };
}

/** Stars, ratings, plays, now playing, and what is derived from them. */
export function annotationMethods(ctx: AppContext): Record<string, SubsonicMethod> {
  const db = ctx.database;

  const starredLists = async (call: SubsonicCall) => {
    const folder = call.params.get("musicFolderId");
    const folderId = folder && /^\d{1,15}$/.test(folder) ? Number(folder) : undefined;
    if (folder && (folderId === undefined || !(await ctx.library.folder(folderId)))) {
      throw notFound(`Music folder ${folder}`);
    }
    const me = call.user.id;
    const [ar, al, tr] = await Promise.all([
      starredIds(db, me, "artist", folderId),
      starredIds(db, me, "album", folderId),
      starredIds(db, me, "track", folderId),
    ]);
    return { ar, al, tr, me };
  };

  const similar = async (call: SubsonicCall, seed: ItemRef) => {
    await mustExist(ctx, [seed]);
    const count = intParam(call, "count", 50, 500);
    return songs(ctx, call.user.id, await similarTrackIds(db, seed, count));
  };

  const artistInfo = async (id: number) => {
    const [artist] = await artistsByIds(db, [id]);
    if (!artist) throw notFound("Artist");
    const own = await albumsByIds(db, await albumIdsOfArtist(db, id));
    const cover = artist.coverArtId ?? own.find((a) => a.coverArtId)?.coverArtId;
    return {
      musicBrainzId: artist.mbid ? { value: artist.mbid } : undefined,
      ...imageUrls(ctx, cover),
      similarArtist: [] as Node[],
    };
  };

  const albumInfo = async (id: number) => {
    const [album] = await albumsByIds(db, [id]);
    if (!album) throw notFound("Album");
    return {
      albumInfo: {
        musicBrainzId: album.mbid ? { value: album.mbid } : undefined,
        ...imageUrls(ctx, album.coverArtId),
      },
    };
  };

  return {
    getStarred: async (call) => {
      const { ar, al, tr, me } = await starredLists(call);
      const artistNodes = await artists(ctx, me, ar);
      return {
        starred: {
          // The folder-tree Artist: id, name and the caller's marks only.
          artist: artistNodes.map((a) => ({
            id: a.id,
            name: a.name,
            starred: a.starred,
            userRating: a.userRating,
          })),
          album: await albumChildren(ctx, me, al),
          song: await songs(ctx, me, tr),
        },
      };
    },
    getStarred2: async (call) => {
      const { ar, al, tr, me } = await starredLists(call);
      return {
        starred2: {
          artist: await artists(ctx, me, ar),
          album: await albums(ctx, me, al),
          song: await songs(ctx, me, tr),
        },
      };
    },
    star: async (call) => {
      const refs = starTargets(call);
      await mustExist(ctx, refs);
      await star(db, call.user.id, refs);
      return undefined;
    },
    unstar: async (call) => {
      const refs = starTargets(call);
      await mustExist(ctx, refs);
      await unstar(db, call.user.id, refs);
      return undefined;
    },
    setRating: async (call) => {
      const raw = required(call, "id");
      const rating = Number(required(call, "rating"));
      const ref = itemRef(raw);
      if (!ref) throw notFound(`Item ${raw}`);
      if (!Number.isInteger(rating) || rating < 0 || rating > 5) {
        throw new SubsonicFailure(0, "rating must be 0 (remove) to 5");
      }
      await mustExist(ctx, [ref]);
      await setRating(db, call.user.id, ref, rating);
      return undefined;
    },
    scrobble: async (call) => {
      const trackIds = call.params.getAll("id").map((v) => idOf(v, "tr"));
      if (trackIds.length === 0) throw new SubsonicFailure(10, "Required parameter is missing: id");
      await mustExist(
        ctx,
        trackIds.map((id) => ({ type: "track", id })),
      );
      const times = call.params.getAll("time").map(Number);
      const submission = call.params.get("submission") !== "false";
      const player = call.params.get("c") || "unknown";
      if (submission) {
        const now = Date.now();
        const plays = trackIds.map((trackId, i) => {
          const t = times[i];
          // A missing or absurd time (future, not a number) counts as "now".
          return { trackId, at: t && Number.isFinite(t) && t > 0 && t <= now ? t : now };
        });
        const who = { userId: call.user.id, player, client: call.params.get("c") };
        // A play that a reported playback session already counted is not counted again.
        await recordScrobbles(db, who, plays, now);
      } else {
        const last = trackIds[trackIds.length - 1];
        if (last !== undefined) await setNowPlaying(db, call.user.id, player, last);
      }
      return undefined;
    },
    getNowPlaying: async (call) => {
      const now = Date.now();
      const rows = await nowPlaying(db, now);
      const songIds = rows.flatMap((r) => (r.media.type === "song" ? [r.media.id] : []));
      const byId = new Map(
        (await songs(ctx, call.user.id, songIds)).map((s) => [s.id as string, s]),
      );
      for (const r of rows) {
        if (r.media.type !== "podcast") continue;
        const episode = await episodeById(db, r.media.id);
        if (episode) byId.set(episodeId(episode.id), episodeNode(episode));
      }
      return {
        nowPlaying: {
          entry: rows.flatMap((r) => {
            const node = byId.get(
              r.media.type === "song" ? ids.track(r.media.id) : episodeId(r.media.id),
            );
            if (!node) return [];
            return [
              {
                ...node,
                username: r.username,
                minutesAgo: Math.max(0, Math.floor((now - r.updatedAt) / 60_000)),
                playerId: r.playerId,
                playerName: r.player,
                ...(r.timeline ?? {}),
              },
            ];
          }),
        },
      };
    },
    reportPlayback: async (call) => {
      const report = playbackReportOf(call);
      const who = {
        userId: call.user.id,
        player: call.params.get("c") || "unknown",
        client: call.params.get("c"),
      };
      const outcome = await reportPlayback(db, who, report);
      if (!outcome) {
        const what = report.media.type === "song" ? "Song" : "Podcast episode";
        throw notFound(`${what} ${call.params.get("mediaId")}`);
      }
      return undefined;
    },
    getTopSongs: async (call) => {
      // topSongsByArtistId: an artist id takes precedence over the name.
      const rawId = call.params.get("id");
      const count = intParam(call, "count", 50, 500);
      let artist: { id: number } | { name: string };
      if (rawId) {
        const id = idOf(rawId, "ar");
        await mustExist(ctx, [{ type: "artist", id }]);
        artist = { id };
      } else {
        const name = call.params.get("artist");
        if (!name) throw new SubsonicFailure(10, "Required parameter is missing: artist or id");
        artist = { name };
      }
      const trackIds = await topTrackIds(db, artist, call.user.id, count);
      return { topSongs: { song: await songs(ctx, call.user.id, trackIds) } };
    },
    getSimilarSongs: async (call) => {
      const raw = required(call, "id");
      const ref = itemRef(raw);
      if (!ref) throw notFound(`Item ${raw}`);
      return { similarSongs: { song: await similar(call, ref) } };
    },
    getSimilarSongs2: async (call) => {
      const id = idOf(required(call, "id"), "ar");
      return { similarSongs2: { song: await similar(call, { type: "artist", id }) } };
    },
    getArtistInfo: async (call) => {
      const raw = required(call, "id");
      const dir = parseDirId(raw);
      // A folder-tree directory has no artist behind it: an empty, valid answer.
      if (dir && (await ctx.library.folder(dir.folderId))) {
        return { artistInfo: { similarArtist: [] } };
      }
      return { artistInfo: await artistInfo(idOf(raw, "ar")) };
    },
    getArtistInfo2: async (call) => ({
      artistInfo2: await artistInfo(idOf(required(call, "id"), "ar")),
    }),
    getAlbumInfo: async (call) => albumInfo(idOf(required(call, "id"), "al")),
    getAlbumInfo2: async (call) => albumInfo(idOf(required(call, "id"), "al")),
  };
}
