import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { clientIp } from "../client-ip.ts";
import { annotationMethods } from "./annotation.ts";
import { browseMethods } from "./browse.ts";
import { isLegacyClient } from "./legacy.ts";
import { libraryMethods } from "./library.ts";
import { mediaMethods } from "./media.ts";
import { subsonicParams } from "./params.ts";
import { playlistMethods } from "./playlists.ts";
import { podcastMethods } from "./podcasts.ts";
import { formatOf, type Node, render, type SubsonicError } from "./render.ts";
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

/** /rest/<method>[.view], GET and POST, XML by default, `f=json` / `f=jsonp`. */
export function subsonicRoutes(ctx: AppContext) {
  const METHODS = subsonicMethods(ctx);
  const handle = async (
    request: Request,
    method: string,
    server: Parameters<typeof clientIp>[1],
  ) => {
    const params = await subsonicParams(request);
    const format = formatOf(params.get("f"));
    const callback = params.get("callback") ?? undefined;
    // JSON clients keep the OpenSubsonic shape: the naive parsers are XML ones.
    const legacy = format === "xml" && isLegacyClient(params.get("c"), ctx.config.legacyClients);
    const answer = (body: Node | undefined, error?: SubsonicError) =>
      render(format, body, error, callback, { legacy });
    const name = method.replace(/\.view$/, "");
    try {
      const open = PUBLIC[name];
      if (open)
        return answer((await open({ params, request } as SubsonicCall)) as Node | undefined);
      const auth = await ctx.subsonicAuth.authenticate(
        params,
        clientIp(request, server, ctx.config.trustProxy),
      );
      if (!auth.ok) return answer(undefined, { code: auth.code, message: auth.message });
      const fn = METHODS[name];
      if (!fn) return answer(undefined, { code: 0, message: `Unknown method: ${name}` });
      const out = await fn({ params, user: auth.user, request });
      // Binary answers pass through; for HEAD, Elysia keeps the headers and drops the body.
      if (out instanceof Response) return out;
      return answer(out);
    } catch (err) {
      if (err instanceof SubsonicFailure) {
        return answer(undefined, { code: err.code, message: err.message });
      }
      ctx.log.error("subsonic method failed", { method: name, error: String(err) });
      return answer(undefined, { code: 0, message: "Internal error" });
    }
  };
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
