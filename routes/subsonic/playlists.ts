import type { AppContext } from "../../context.ts";
import { missingItems } from "../../library/annotations.ts";
import { deleteBookmark, listBookmarks, upsertBookmark } from "../../library/bookmarks.ts";
import { changeJukebox, type JukeboxState, jukeboxState, shuffled } from "../../library/jukebox.ts";
import {
  createPlaylist,
  deletePlaylist,
  listPlaylists,
  type PlaylistView,
  playlistById,
  playlistTrackIds,
  replacePlaylistTracks,
  updatePlaylist,
} from "../../library/playlists.ts";
import { loadPlayQueue, type PlayQueue, savePlayQueue } from "../../library/playqueue.ts";
import { idOf, intParam, required, songs } from "./browse.ts";
import type { Node } from "./render.ts";
import { ids, parseId } from "./shapes.ts";
import { type SubsonicCall, SubsonicFailure, type SubsonicMethod } from "./types.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const notFound = (what: string) => new SubsonicFailure(70, `${what} not found`);
const denied = (what: string) => new SubsonicFailure(50, `${what}: not allowed for this user`);

export const playlistId = (id: number) => `pl-${id}`;

/** Every `name` value as a track id, strictly parsed and checked to exist (else 70). */
export async function trackIdsParam(
  ctx: AppContext,
  call: SubsonicCall,
  name: string,
): Promise<number[]> {
  const trackIds = call.params.getAll(name).map((v) => idOf(v, "tr"));
  const missing = await missingItems(ctx.database, "track", trackIds);
  if (missing.length) throw notFound(`Song ${ids.track(missing[0] ?? 0)}`);
  return trackIds;
}

/** A boolean parameter: "true"/"false" only; absent is undefined. */
export function boolParam(call: SubsonicCall, name: string): boolean | undefined {
  const raw = call.params.get(name);
  if (raw === null || raw === "") return undefined;
  if (raw !== "true" && raw !== "false")
    throw new SubsonicFailure(0, `${name} must be true or false`);
  return raw === "true";
}

export function playlistNode(p: PlaylistView): Node {
  return {
    id: playlistId(p.id),
    name: p.name,
    comment: p.comment ?? undefined,
    owner: p.owner,
    public: p.public,
    songCount: p.songCount,
    duration: Math.round(p.durationMs / 1000),
    created: iso(p.createdAt),
    changed: iso(p.updatedAt),
    coverArt: p.coverArtId ? ids.cover(p.coverArtId) : undefined,
  };
}

const isAdmin = (call: SubsonicCall) => call.user.role === "admin";

/**
 * No saved queue answers an empty one (the schema requires the element), changed
 * at the epoch so a syncing client's own queue always wins.
 */
const emptyQueue: PlayQueue = {
  trackIds: [],
  currentIndex: 0,
  positionMs: 0,
  changedAt: 0,
  changedBy: null,
};

const JUKEBOX_ACTIONS = new Set([
  "get",
  "status",
  "set",
  "start",
  "stop",
  "skip",
  "add",
  "clear",
  "remove",
  "shuffle",
  "setGain",
]);

/** A jukebox index that must point into the list (skip, remove). */
function jukeboxIndex(call: SubsonicCall, s: JukeboxState): number {
  required(call, "index");
  const index = intParam(call, "index", 0);
  if (index >= s.trackIds.length) throw new SubsonicFailure(0, "index out of range");
  return index;
}

function gainParam(call: SubsonicCall): number {
  const raw = required(call, "gain");
  const gain = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw) || gain > 1) throw new SubsonicFailure(0, "gain must be 0.0–1.0");
  return gain;
}

/** Playlists, the saved play queue, bookmarks and the jukebox. */
export function playlistMethods(ctx: AppContext): Record<string, SubsonicMethod> {
  const db = ctx.database;

  /** A playlist the caller may see: their own, a public one, or any for an admin. */
  const visible = async (call: SubsonicCall, raw: string): Promise<PlaylistView> => {
    const id = parseId(raw, "pl");
    const p = id === undefined ? undefined : await playlistById(db, id);
    if (!p || (p.ownerId !== call.user.id && !p.public && !isAdmin(call))) {
      throw notFound(`Playlist ${raw}`);
    }
    return p;
  };

  /** A playlist the caller may change: their own, or any for an admin. */
  const editable = async (call: SubsonicCall, raw: string): Promise<PlaylistView> => {
    const p = await visible(call, raw);
    if (p.ownerId !== call.user.id && !isAdmin(call)) throw denied(`Playlist ${raw}`);
    return p;
  };

  const withSongs = async (call: SubsonicCall, id: number): Promise<Node> => {
    const p = await playlistById(db, id);
    if (!p) throw notFound(`Playlist ${playlistId(id)}`);
    return {
      playlist: {
        ...playlistNode(p),
        entry: await songs(ctx, call.user.id, await playlistTrackIds(db, id)),
      },
    };
  };

  const queueIndex = (call: SubsonicCall, name: string, length: number): number => {
    const index = intParam(call, name, 0);
    if (length > 0 && index >= length) throw new SubsonicFailure(0, `${name} out of range`);
    return index;
  };

  return {
    getPlaylists: async (call) => {
      const name = call.params.get("username");
      let owner = call.user;
      if (name && name !== call.user.username) {
        if (!isAdmin(call)) throw denied("Playlists of another user");
        const other = await ctx.users.byName(name);
        if (!other) throw notFound(`User ${name}`);
        owner = other;
      }
      // Asking for another user lists theirs only; one's own list adds others' public ones.
      const rows = await listPlaylists(db, owner.id, owner.id === call.user.id);
      return { playlists: { playlist: rows.map(playlistNode) } };
    },
    getPlaylist: async (call) => {
      const p = await visible(call, required(call, "id"));
      return withSongs(call, p.id);
    },
    createPlaylist: async (call) => {
      const existing = call.params.get("playlistId");
      const trackIds = await trackIdsParam(ctx, call, "songId");
      if (existing) {
        const p = await editable(call, existing);
        await replacePlaylistTracks(db, p.id, trackIds, call.params.get("name") || undefined);
        return withSongs(call, p.id);
      }
      const id = await createPlaylist(db, call.user.id, required(call, "name"), trackIds);
      return withSongs(call, id);
    },
    updatePlaylist: async (call) => {
      const p = await editable(call, required(call, "playlistId"));
      const removeIndexes = call.params.getAll("songIndexToRemove").map((v) => {
        const n = Number(v);
        if (!/^\d{1,9}$/.test(v) || n >= p.songCount) {
          throw new SubsonicFailure(0, `songIndexToRemove ${v} out of range`);
        }
        return n;
      });
      await updatePlaylist(db, p.id, {
        name: call.params.get("name") || undefined,
        comment: call.params.get("comment") ?? undefined,
        public: boolParam(call, "public"),
        add: await trackIdsParam(ctx, call, "songIdToAdd"),
        removeIndexes,
      });
      return undefined;
    },
    deletePlaylist: async (call) => {
      const p = await editable(call, required(call, "id"));
      await deletePlaylist(db, p.id);
      return undefined;
    },

    getPlayQueue: async (call) => {
      const q = (await loadPlayQueue(db, call.user.id)) ?? emptyQueue;
      const entry = await songs(ctx, call.user.id, q.trackIds);
      const current = q.trackIds[q.currentIndex];
      return {
        playQueue: {
          current: current !== undefined ? ids.track(current) : undefined,
          position: q.trackIds.length ? q.positionMs : undefined,
          username: call.user.username,
          changed: iso(q.changedAt),
          changedBy: q.changedBy ?? "",
          entry,
        },
      };
    },
    savePlayQueue: async (call) => {
      const trackIds = await trackIdsParam(ctx, call, "id");
      const current = call.params.get("current");
      let currentIndex = 0;
      if (current) {
        currentIndex = trackIds.indexOf(idOf(current, "tr"));
        if (currentIndex < 0) throw new SubsonicFailure(0, "current is not in the queue");
      }
      await savePlayQueue(db, call.user.id, {
        trackIds,
        currentIndex,
        positionMs: intParam(call, "position", 0),
        changedBy: call.params.get("c"),
      });
      return undefined;
    },
    getPlayQueueByIndex: async (call) => {
      const q = (await loadPlayQueue(db, call.user.id)) ?? emptyQueue;
      return {
        playQueueByIndex: {
          currentIndex: q.trackIds.length ? q.currentIndex : undefined,
          position: q.trackIds.length ? q.positionMs : undefined,
          username: call.user.username,
          changed: iso(q.changedAt),
          changedBy: q.changedBy ?? "",
          entry: await songs(ctx, call.user.id, q.trackIds),
        },
      };
    },
    savePlayQueueByIndex: async (call) => {
      const trackIds = await trackIdsParam(ctx, call, "id");
      await savePlayQueue(db, call.user.id, {
        trackIds,
        currentIndex: queueIndex(call, "currentIndex", trackIds.length),
        positionMs: intParam(call, "position", 0),
        changedBy: call.params.get("c"),
      });
      return undefined;
    },

    getBookmarks: async (call) => {
      const rows = await listBookmarks(db, call.user.id);
      const byId = new Map(
        (
          await songs(
            ctx,
            call.user.id,
            rows.map((r) => r.trackId),
          )
        ).map((s) => [s.id, s]),
      );
      return {
        bookmarks: {
          bookmark: rows.flatMap((r) => {
            const entry = byId.get(ids.track(r.trackId));
            if (!entry) return [];
            return [
              {
                position: r.positionMs,
                username: call.user.username,
                comment: r.comment ?? undefined,
                created: iso(r.createdAt),
                changed: iso(r.updatedAt),
                entry,
              },
            ];
          }),
        },
      };
    },
    createBookmark: async (call) => {
      const [trackId] = await trackIdsParam(ctx, call, "id");
      if (trackId === undefined) throw new SubsonicFailure(10, "Required parameter is missing: id");
      required(call, "position");
      await upsertBookmark(
        db,
        call.user.id,
        trackId,
        intParam(call, "position", 0),
        call.params.get("comment"),
      );
      return undefined;
    },
    jukeboxControl: async (call) => {
      const action = required(call, "action");
      if (!JUKEBOX_ACTIONS.has(action)) throw new SubsonicFailure(0, `Unknown action: ${action}`);
      // Track ids are checked before the state is touched, so a bad id changes nothing.
      const added =
        action === "set" || action === "add" ? await trackIdsParam(ctx, call, "id") : [];
      const me = call.user.id;
      let s: JukeboxState;
      switch (action) {
        case "get":
        case "status":
          s = await jukeboxState(db, me);
          break;
        case "set":
          s = await changeJukebox(db, me, (j) => ({
            ...j,
            trackIds: added,
            currentIndex: 0,
            position: 0,
          }));
          break;
        case "add":
          s = await changeJukebox(db, me, (j) => ({ ...j, trackIds: [...j.trackIds, ...added] }));
          break;
        case "start":
          s = await changeJukebox(db, me, (j) => ({ ...j, playing: j.trackIds.length > 0 }));
          break;
        case "stop":
          s = await changeJukebox(db, me, (j) => ({ ...j, playing: false }));
          break;
        case "skip": {
          const offset = intParam(call, "offset", 0);
          s = await changeJukebox(db, me, (j) => ({
            ...j,
            currentIndex: jukeboxIndex(call, j),
            position: offset,
            playing: true,
          }));
          break;
        }
        case "clear":
          s = await changeJukebox(db, me, (j) => ({
            ...j,
            trackIds: [],
            currentIndex: 0,
            position: 0,
            playing: false,
          }));
          break;
        case "remove":
          s = await changeJukebox(db, me, (j) => {
            const index = jukeboxIndex(call, j);
            const trackIds = j.trackIds.filter((_, i) => i !== index);
            // Removing an earlier entry keeps the same track current.
            const currentIndex = index < j.currentIndex ? j.currentIndex - 1 : j.currentIndex;
            return {
              ...j,
              trackIds,
              currentIndex: Math.min(currentIndex, Math.max(0, trackIds.length - 1)),
              playing: j.playing && trackIds.length > 0,
            };
          });
          break;
        case "shuffle":
          s = await changeJukebox(db, me, (j) => shuffled(j));
          break;
        default: {
          const gain = gainParam(call);
          s = await changeJukebox(db, me, (j) => ({ ...j, gain }));
        }
      }
      const status = {
        currentIndex: s.trackIds.length ? s.currentIndex : -1,
        playing: s.playing,
        gain: s.gain,
        position: s.position,
      };
      if (action !== "get") return { jukeboxStatus: status };
      return { jukeboxPlaylist: { ...status, entry: await songs(ctx, me, s.trackIds) } };
    },
    deleteBookmark: async (call) => {
      const raw = required(call, "id");
      if (!(await deleteBookmark(db, call.user.id, idOf(raw, "tr")))) {
        throw notFound(`Bookmark ${raw}`);
      }
      return undefined;
    },
  };
}
