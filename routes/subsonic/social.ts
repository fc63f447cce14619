import type { AppContext } from "../../context.ts";
import { missingItems } from "../../library/annotations.ts";
import { type SyncedLine, syncedToPlain } from "../../library/lyrics.ts";
import { playlistById } from "../../library/playlists.ts";
import {
  createShare,
  deleteShare,
  listShares,
  type ShareView,
  shareById,
  shareTrackIdsOf,
  tracksOf,
  updateShare,
} from "../../library/shares.ts";
import {
  addChatMessage,
  chatMessages,
  createStation,
  deleteStation,
  findLyrics,
  listStations,
  lyricsOfTrack,
  type RadioStation,
  updateStation,
  validWebUrl,
} from "../../library/social.ts";
import { idOf, intParam, required, songs } from "./browse.ts";
import { keepObject, type Node } from "./render.ts";
import { parseId } from "./shapes.ts";
import { type SubsonicCall, SubsonicFailure, type SubsonicMethod } from "./types.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const notFound = (what: string) => new SubsonicFailure(70, `${what} not found`);
const denied = (what: string) => new SubsonicFailure(50, `${what}: not allowed for this user`);
const isAdmin = (call: SubsonicCall) => call.user.role === "admin";

const stationId = (id: number) => `ir-${id}`;
function parseStationId(raw: string): number {
  const m = raw.match(/^ir-(\d{1,15})$/);
  if (!m) throw notFound(`Station ${raw}`);
  return Number(m[1]);
}

/** `expires` in epoch ms; absent keeps, 0 clears (undefined / null). */
function expiresParam(call: SubsonicCall): number | null | undefined {
  const raw = call.params.get("expires");
  if (raw === null || raw === "") return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw new SubsonicFailure(0, "expires must be epoch milliseconds");
  const n = Number(raw);
  return n === 0 ? null : n;
}

function stationNode(s: RadioStation): Node {
  return {
    id: stationId(s.id),
    name: s.name,
    streamUrl: s.streamUrl,
    homePageUrl: s.homepageUrl ?? undefined,
  };
}

function parseSynced(json: string | null): SyncedLine[] {
  if (!json) return [];
  try {
    const lines = JSON.parse(json) as unknown;
    if (!Array.isArray(lines)) return [];
    return lines.filter(
      (l): l is SyncedLine =>
        typeof l?.timeMs === "number" && Number.isFinite(l.timeMs) && typeof l?.text === "string",
    );
  } catch {
    return [];
  }
}

/** Shares, internet radio, chat and lyrics. */
export function socialMethods(ctx: AppContext): Record<string, SubsonicMethod> {
  const db = ctx.database;

  /** Shares as Subsonic nodes, their songs read in one go for all of them. */
  const shareNodes = async (call: SubsonicCall, shares: ShareView[]): Promise<Node[]> => {
    const entries = await shareTrackIdsOf(
      db,
      shares.map((s) => s.id),
    );
    const all = [...new Set([...entries.values()].flat())];
    const byId = new Map<unknown, Node>();
    for (const n of await songs(ctx, call.user.id, all)) byId.set(n.id, n);
    return shares.map((s) => {
      const entry: Node[] = [];
      for (const id of entries.get(s.id) ?? []) {
        const song = byId.get(`tr-${id}`);
        if (song) entry.push(song);
      }
      return shareNode(s, entry);
    });
  };

  const shareNode = (s: ShareView, entry: Node[]): Node => ({
    id: s.id,
    url: `${ctx.config.publicUrl}/share/${s.id}`,
    description: s.description ?? undefined,
    username: s.username,
    created: iso(s.createdAt),
    expires: s.expiresAt !== null ? iso(s.expiresAt) : undefined,
    lastVisited: s.lastVisitedAt !== null ? iso(s.lastVisitedAt) : undefined,
    visitCount: s.visitCount,
    entry,
  });

  /** A share the caller may change: their own, or any for an admin. */
  const ownShare = async (call: SubsonicCall): Promise<ShareView> => {
    const raw = required(call, "id");
    const s = await shareById(db, raw);
    if (!s) throw notFound(`Share ${raw}`);
    if (s.userId !== call.user.id && !isAdmin(call)) throw denied(`Share ${raw}`);
    return s;
  };

  /** Share targets: songs, albums (their tracks) and visible playlists (their tracks). */
  const shareTargets = async (call: SubsonicCall): Promise<number[]> => {
    const raws = call.params.getAll("id");
    if (raws.length === 0) throw new SubsonicFailure(10, "Required parameter is missing: id");
    const out: number[] = [];
    for (const raw of raws) {
      const kind = raw.slice(0, 2);
      if (kind === "tr") {
        const id = idOf(raw, "tr");
        if ((await missingItems(db, "track", [id])).length) throw notFound(`Song ${raw}`);
        out.push(id);
      } else if (kind === "al") {
        const id = idOf(raw, "al");
        if ((await missingItems(db, "album", [id])).length) throw notFound(`Album ${raw}`);
        out.push(...(await tracksOf(db, "album", id)));
      } else {
        const id = parseId(raw, "pl");
        const p = id === undefined ? undefined : await playlistById(db, id);
        if (!p || (p.ownerId !== call.user.id && !p.public && !isAdmin(call))) {
          throw notFound(`Item ${raw}`);
        }
        out.push(...(await tracksOf(db, "playlist", p.id)));
      }
    }
    return out;
  };

  const adminOnly = (call: SubsonicCall, what: string) => {
    if (!isAdmin(call)) throw denied(what);
  };

  const stationInput = (call: SubsonicCall) => {
    const streamUrl = required(call, "streamUrl");
    const name = required(call, "name");
    const homepageUrl = call.params.get("homepageUrl") || null;
    if (!validWebUrl(streamUrl)) throw new SubsonicFailure(0, "streamUrl must be an http(s) URL");
    if (homepageUrl !== null && !validWebUrl(homepageUrl)) {
      throw new SubsonicFailure(0, "homepageUrl must be an http(s) URL");
    }
    return { name, streamUrl, homepageUrl };
  };

  return {
    getShares: async (call) => {
      const rows = await listShares(db, call.user.id);
      return { shares: { share: await shareNodes(call, rows) } };
    },
    createShare: async (call) => {
      const trackIds = await shareTargets(call);
      const id = await createShare(
        db,
        call.user.id,
        trackIds,
        call.params.get("description") || null,
        expiresParam(call) ?? null,
      );
      const s = await shareById(db, id);
      if (!s) throw notFound(`Share ${id}`);
      return { shares: { share: await shareNodes(call, [s]) } };
    },
    updateShare: async (call) => {
      const s = await ownShare(call);
      await updateShare(db, s.id, {
        description: call.params.get("description") ?? undefined,
        expiresAt: expiresParam(call),
      });
      return undefined;
    },
    deleteShare: async (call) => {
      const s = await ownShare(call);
      await deleteShare(db, s.id);
      return undefined;
    },

    getInternetRadioStations: async () => ({
      internetRadioStations: { internetRadioStation: (await listStations(db)).map(stationNode) },
    }),
    createInternetRadioStation: async (call) => {
      adminOnly(call, "Creating radio stations");
      await createStation(db, stationInput(call));
      return undefined;
    },
    updateInternetRadioStation: async (call) => {
      adminOnly(call, "Changing radio stations");
      const id = parseStationId(required(call, "id"));
      if (!(await updateStation(db, { id, ...stationInput(call) }))) {
        throw notFound(`Station ${stationId(id)}`);
      }
      return undefined;
    },
    deleteInternetRadioStation: async (call) => {
      adminOnly(call, "Deleting radio stations");
      const id = parseStationId(required(call, "id"));
      if (!(await deleteStation(db, id))) throw notFound(`Station ${stationId(id)}`);
      return undefined;
    },

    getChatMessages: async (call) => ({
      chatMessages: {
        chatMessage: (await chatMessages(db, intParam(call, "since", 0))).map((m) => ({ ...m })),
      },
    }),
    addChatMessage: async (call) => {
      const message = required(call, "message");
      if (message.length > 2000) throw new SubsonicFailure(0, "message too long");
      await addChatMessage(db, call.user.id, message);
      return undefined;
    },

    getLyrics: async (call) => {
      const artist = call.params.get("artist") || undefined;
      const title = call.params.get("title") || undefined;
      const found = artist || title ? await findLyrics(db, artist, title) : undefined;
      const value = found?.lyrics ?? (found ? syncedToPlain(parseSynced(found.syncedLyrics)) : "");
      // Always three fields: a bare { value } would collapse to a string in JSON.
      return {
        lyrics: {
          artist: found?.artist ?? artist ?? "",
          title: found?.title ?? title ?? "",
          value,
        },
      };
    },
    getLyricsBySongId: async (call) => {
      const t = await lyricsOfTrack(db, idOf(required(call, "id"), "tr"));
      if (!t) throw notFound("Song");
      const synced = parseSynced(t.syncedLyrics);
      const structured: Node[] = [];
      const head = { displayArtist: t.artist, displayTitle: t.title, lang: "xxx", offset: 0 };
      if (synced.length) {
        structured.push({
          ...head,
          synced: true,
          line: synced.map((l) => ({ start: l.timeMs, value: l.text })),
        });
      }
      // Plain text that only repeats the synced lines adds nothing.
      if (t.lyrics && (!synced.length || t.lyrics.trim() !== syncedToPlain(synced).trim())) {
        structured.push({
          ...head,
          synced: false,
          line: t.lyrics.split(/\r?\n/).map((value) => keepObject({ value })),
        });
      }
      return { lyricsList: { structuredLyrics: structured } };
    },
  };
}
