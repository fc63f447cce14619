import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { clientIp } from "../client-ip.ts";
import { annotationMethods } from "./annotation.ts";
import { browseMethods } from "./browse.ts";
import { AnswerCache } from "./cache.ts";
import { isLegacyClient } from "./legacy.ts";
import { libraryMethods } from "./library.ts";
import { mediaMethods } from "./media.ts";
import { subsonicParams } from "./params.ts";
import { playlistMethods } from "./playlists.ts";
import { podcastMethods } from "./podcasts.ts";
import { formatOf, type Node, render, renderText, respond, type SubsonicError } from "./render.ts";
import { socialMethods } from "./social.ts";
import { type SubsonicCall, SubsonicFailure, type SubsonicMethod } from "./types.ts";
import { userMethods } from "./users.ts";

const EXTENSIONS = [
  { name: "apiKeyAuthentication", versions: [1] },
  { name: "formPost", versions: [1] },
  { name: "transcodeOffset", versions: [1] },
  { name: "indexBasedQueue", versions: [1] },
  { name: "songLyrics", versions: [1] },
  { name: "getPodcastEpisode", versions: [1] },
  { name: "playbackReport", versions: [1] },
  { name: "topSongsByArtistId", versions: [1] },
];

/** Methods that answer without credentials. */
const PUBLIC: Record<string, SubsonicMethod> = {
  getOpenSubsonicExtensions: () => ({ openSubsonicExtensions: EXTENSIONS }),
};

const CORE: Record<string, SubsonicMethod> = {
  ping: () => undefined,
  getLicense: () => ({ license: { valid: true } }),
};

/** Every method that needs credentials, by name (tests walk it to cover each one). */
export function subsonicMethods(ctx: AppContext): Record<string, SubsonicMethod> {
  return {
    ...CORE,
    ...libraryMethods(ctx),
    ...browseMethods(ctx),
    ...annotationMethods(ctx),
    ...mediaMethods(ctx),
    ...playlistMethods(ctx),
    ...podcastMethods(ctx),
    ...socialMethods(ctx),
    ...userMethods(ctx),
  };
}

type Server = Parameters<typeof clientIp>[1];

/** Answers one /rest/<method> request, whatever happens (errors are Subsonic envelopes). */
export type SubsonicHandler = (
  request: Request,
  method: string,
  server: Server,
) => Promise<Response>;

const handlers = new WeakMap<AppContext, SubsonicHandler>();

/** /rest/<method>[.view], GET and POST, XML by default, `f=json` / `f=jsonp`. */
export function subsonicRoutes(ctx: AppContext) {
  const handle = subsonicHandler(ctx);
  return new Elysia({ name: "subsonic" })
    .get("/rest/:method", ({ request, params, server }) => handle(request, params.method, server))
    .post(
      "/rest/:method",
      ({ request, params, server }) => handle(request, params.method, server),
      {
        parse: "none",
      },
    );
}

/**
 * The same routes for Bun.serve's own router (server.ts): Subsonic apps send many small
 * requests, and the handler answers every outcome itself, so they skip Elysia's routing and
 * hooks. Tests reach the handler through `subsonicRoutes` and `app.handle()`.
 */
export function subsonicServeRoutes(ctx: AppContext) {
  const handle = subsonicHandler(ctx);
  return {
    "/rest/:method": (request: Bun.BunRequest<"/rest/:method">, server: Bun.Server<unknown>) =>
      handle(request, request.params.method, server),
  };
}

/** The handler of a context: one per context, so both routes share its answer cache. */
export function subsonicHandler(ctx: AppContext): SubsonicHandler {
  const known = handlers.get(ctx);
  if (known) return known;
  const handle = createHandler(ctx);
  handlers.set(ctx, handle);
  return handle;
}

function createHandler(ctx: AppContext): SubsonicHandler {
  const METHODS = subsonicMethods(ctx);
  const answers = new AnswerCache(ctx.database, ctx.config.subsonicCacheBytes);
  const handle = async (request: Request, method: string, server: Server) => {
    const params = await subsonicParams(request);
    const format = formatOf(params.get("f"));
    const callback = params.get("callback") ?? undefined;
    // JSON clients keep the OpenSubsonic shape: the naive parsers are XML ones.
    const legacy = format === "xml" && isLegacyClient(params.get("c"), ctx.config.legacyClients);
    const answer = (body: Node | undefined, error?: SubsonicError) =>
      render(format, body, error, callback, { legacy });
    const name = method.endsWith(".view") ? method.slice(0, -5) : method;
    try {
      // Own properties only: `constructor`, `toString` … are no methods.
      const open = Object.hasOwn(PUBLIC, name) ? PUBLIC[name] : undefined;
      if (open)
        return answer((await open({ params, request } as SubsonicCall)) as Node | undefined);
      // The address only matters to the failed-login throttle: looked up when a password is.
      const auth = await ctx.subsonicAuth.authenticate(params, () =>
        clientIp(request, server, ctx.config.trustProxy),
      );
      if (!auth.ok) return answer(undefined, { code: auth.code, message: auth.message });
      const fn = Object.hasOwn(METHODS, name) ? METHODS[name] : undefined;
      if (!fn) return answer(undefined, { code: 0, message: `Unknown method: ${name}` });
      const key = answers.key(name, auth.user.id, params, `${format}:${legacy}:${callback ?? ""}`);
      // Taken before the method reads anything: a write meanwhile makes this answer stale.
      const token = key === undefined ? "" : await answers.token(auth.user.id);
      const cached = key === undefined ? undefined : answers.get(key, token);
      if (cached) return respond(cached);
      const out = await fn({ params, user: auth.user, request });
      // Binary answers pass through; for HEAD, Elysia keeps the headers and drops the body.
      if (out instanceof Response) return out;
      const rendered = renderText(format, out, undefined, callback, { legacy });
      if (key !== undefined) answers.set(key, token, rendered);
      return respond(rendered);
    } catch (err) {
      if (err instanceof SubsonicFailure) {
        return answer(undefined, { code: err.code, message: err.message });
      }
      ctx.log.error("subsonic method failed", { method: name, error: String(err) });
      return answer(undefined, { code: 0, message: "Internal error" });
    }
  };
  return handle;
}
