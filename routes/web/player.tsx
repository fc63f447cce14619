import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { DomainError } from "../../errors.ts";
import {
  type ItemType,
  missingItems,
  recordPlays,
  setNowPlaying,
  setRating,
  star,
  unstar,
} from "../../library/annotations.ts";
import { loadPlayQueue, savePlayQueue } from "../../library/playqueue.ts";
import { tracksByIds } from "../../library/queries.ts";
import { playerTrack, StarButton } from "../../views/tracks.tsx";
import { mediaMethods } from "../subsonic/media.ts";
import { SubsonicFailure } from "../subsonic/types.ts";
import { field, guarded, idParam, wantsFragment } from "./page.ts";
import { redirectBack } from "./session.ts";

/** The player name the web app records plays and now-playing under. */
const PLAYER = "Bandstand web";
/** A queue longer than this is cut: the whole library as one queue is not a use case. */
export const MAX_QUEUE = 5000;
const TYPES = new Set<ItemType>(["artist", "album", "track"]);

function itemType(raw: string): ItemType {
  if (!TYPES.has(raw as ItemType)) throw new DomainError("not_found", "no such kind of item");
  return raw as ItemType;
}

async function existing(ctx: AppContext, type: ItemType, id: number): Promise<void> {
  if ((await missingItems(ctx.database, type, [id])).length > 0) {
    throw new DomainError("not_found", `${type} ${id} not found`);
  }
}

/** A Subsonic media method's failure as an HTTP status for the browser. */
async function media(run: () => unknown): Promise<Response> {
  try {
    const out = await run();
    if (out instanceof Response) return out;
    return new Response("Unexpected answer", { status: 500 });
  } catch (err) {
    if (err instanceof SubsonicFailure) {
      return new Response(err.message, { status: err.code === 70 ? 404 : 400 });
    }
    throw err;
  }
}

function queueBody(body: unknown): { ids: number[]; index: number; positionMs: number } {
  const b = (body ?? {}) as Record<string, unknown>;
  const ids = b.ids;
  if (!Array.isArray(ids) || !ids.every((v) => Number.isSafeInteger(v) && v > 0)) {
    throw new DomainError("invalid", "ids must be a list of track ids");
  }
  if (ids.length > MAX_QUEUE) throw new DomainError("invalid", `at most ${MAX_QUEUE} tracks`);
  const index = Number(b.index ?? 0);
  const positionMs = Number(b.positionMs ?? 0);
  if (!Number.isSafeInteger(index) || index < 0 || (ids.length > 0 && index >= ids.length)) {
    throw new DomainError("invalid", "index must point into the queue");
  }
  if (!Number.isFinite(positionMs) || positionMs < 0) {
    throw new DomainError("invalid", "positionMs must be ≥ 0");
  }
  return { ids: ids as number[], index, positionMs: Math.round(positionMs) };
}

/**
 * What the player bar talks to: the saved play queue (the one Subsonic apps sync), plays and
 * now-playing, and the session-authenticated stream and cover art — the Subsonic media methods
 * themselves, so transcoding and caching are shared.
 */
export function playerRoutes(ctx: AppContext) {
  const methods = mediaMethods(ctx);
  const stream = methods.stream;
  const cover = methods.getCoverArt;
  if (!stream || !cover) throw new Error("media methods missing");

  return new Elysia({ name: "web-player" })
    .get("/web/queue", ({ request }) =>
      guarded(ctx, { request }, async ({ session }) => {
        const q = await loadPlayQueue(ctx.database, session.user.id);
        const tracks = q ? await tracksByIds(ctx.database, q.trackIds) : [];
        return Response.json({
          tracks: tracks.map(playerTrack),
          index: q ? Math.min(q.currentIndex, Math.max(0, tracks.length - 1)) : 0,
          positionMs: q?.positionMs ?? 0,
        });
      }),
    )
    .post("/web/queue", ({ request, body }) =>
      guarded(ctx, { request, body }, async ({ session }) => {
        const q = queueBody(body);
        const missing = new Set(await missingItems(ctx.database, "track", q.ids));
        if (missing.size > 0) throw new DomainError("not_found", "some tracks do not exist");
        await savePlayQueue(ctx.database, session.user.id, {
          trackIds: q.ids,
          currentIndex: q.index,
          positionMs: q.positionMs,
          changedBy: PLAYER,
        });
        return new Response(null, { status: 204 });
      }),
    )
    .post("/web/scrobble/:id", ({ request, body, params }) =>
      guarded(ctx, { request, body }, async ({ session }) => {
        const id = idParam(params.id, "track");
        await existing(ctx, "track", id);
        if (field(body, "submission") === "true") {
          await recordPlays(
            ctx.database,
            session.user.id,
            [{ trackId: id, at: Date.now() }],
            PLAYER,
          );
        } else {
          await setNowPlaying(ctx.database, session.user.id, PLAYER, id);
        }
        return new Response(null, { status: 204 });
      }),
    )
    .get("/web/stream/:id", ({ request, params, query }) =>
      guarded(ctx, { request }, ({ session }) => {
        const id = idParam(params.id, "track");
        const search = new URLSearchParams({ id: `tr-${id}`, c: PLAYER });
        // The player asks for mp3 only when the browser cannot play the original.
        if (query.format === "mp3") search.set("format", "mp3");
        return media(() => stream({ params: search, user: session.user, request }));
      }),
    )
    .get("/web/cover/:id", ({ request, params, query }) =>
      guarded(ctx, { request }, ({ session }) => {
        const search = new URLSearchParams({ id: params.id });
        if (typeof query.size === "string") search.set("size", query.size);
        return media(() => cover({ params: search, user: session.user, request }));
      }),
    )
    .post("/web/star/:type/:id", ({ request, body, params }) =>
      guarded(ctx, { request, body }, async ({ session }) => {
        const type = itemType(params.type);
        const id = idParam(params.id, type);
        await existing(ctx, type, id);
        const on = field(body, "starred") === "1";
        await (on ? star : unstar)(ctx.database, session.user.id, [{ type, id }]);
        if (!wantsFragment(request)) return redirectBack(request, ctx.config.publicUrl);
        const name = field(body, "name") || `this ${type}`;
        return <StarButton type={type} id={id} name={name} starred={on} csrf={session.csrfToken} />;
      }),
    )
    .post("/web/rate/:type/:id", ({ request, body, params }) =>
      guarded(ctx, { request, body }, async ({ session }) => {
        const type = itemType(params.type);
        const id = idParam(params.id, type);
        const rating = field(body, "rating");
        if (!/^[0-5]$/.test(rating)) throw new DomainError("invalid", "rating must be 0 to 5");
        await existing(ctx, type, id);
        await setRating(ctx.database, session.user.id, { type, id }, Number(rating));
        if (!wantsFragment(request)) return redirectBack(request, ctx.config.publicUrl);
        return new Response(null, { status: 204 });
      }),
    );
}
