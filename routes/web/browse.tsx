import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { albumRoutes } from "./albums.tsx";
import { artistRoutes } from "./artists.tsx";
import { genreRoutes } from "./genres.tsx";
import { libraryPageRoutes } from "./library-pages.tsx";
import { searchRoutes } from "./search.tsx";

/** Browsing the library: artists, albums, genres, search, favorites and history (home apart). */
export function browseRoutes(ctx: AppContext) {
  return new Elysia({ name: "web-browse" })
    .use(artistRoutes(ctx))
    .use(albumRoutes(ctx))
    .use(genreRoutes(ctx))
    .use(searchRoutes(ctx))
    .use(libraryPageRoutes(ctx));
}
