import { Elysia } from "elysia";
import { safeEqual } from "../auth/tokens.ts";
import type { AppContext } from "../context.ts";
import { coverArt } from "./subsonic/media.ts";
import { SubsonicFailure } from "./subsonic/types.ts";

const COVER_ID = /^co-[0-9a-f]{64}$/;
const SIZE = /^\d{1,4}$/;

function signature(secret: Uint8Array, id: string, size: string): string {
  return new Bun.CryptoHasher("sha256", secret)
    .update(`image:${id}:${size}`)
    .digest("base64url")
    .slice(0, 22);
}

/**
 * A link to a stored cover that needs no credentials: getArtistInfo/getAlbumInfo hand out image
 * URLs that apps load like any web image, without Subsonic auth parameters. The HMAC under the
 * server secret allows exactly that image at that size and nothing else.
 */
export function signedImageUrl(ctx: AppContext, coverId: string, size: number): string {
  const s = String(size);
  return `${ctx.config.publicUrl}/img/${coverId}?size=${s}&sig=${signature(ctx.config.secret, coverId, s)}`;
}

/** GET /img/co-<hash>?size=&sig= — the signed cover links. */
export function imageRoutes(ctx: AppContext) {
  const cover = coverArt(ctx);
  return new Elysia({ name: "images" }).get("/img/:id", async ({ params, query, request }) => {
    const id = params.id;
    const size = typeof query.size === "string" ? query.size : "";
    const sig = typeof query.sig === "string" ? query.sig : "";
    if (!COVER_ID.test(id) || !SIZE.test(size)) return new Response("Not found", { status: 404 });
    if (!safeEqual(sig, signature(ctx.config.secret, id, size))) {
      return new Response("Invalid signature", { status: 403 });
    }
    try {
      return await cover({ params: new URLSearchParams({ id, size }), request });
    } catch (err) {
      if (err instanceof SubsonicFailure) {
        return new Response(err.message, { status: err.code === 70 ? 404 : 400 });
      }
      throw err;
    }
  });
}
