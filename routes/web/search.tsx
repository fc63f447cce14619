import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { annotations } from "../../library/annotations.ts";
import { albumsByIds, artistsByIds, tracksByIds } from "../../library/queries.ts";
import { ftsQuery, search } from "../../library/search.ts";
import { AlbumGrid } from "../../views/albums.tsx";
import { TrackList } from "../../views/tracks.tsx";
import { ArtistList, browsePage } from "./browse-page.tsx";

const ARTISTS = 20;
const ALBUMS = 24;
const TRACKS = 50;
/** Longer input is cut: the full-text query keeps 12 words anyway. */
const MAX_QUERY = 200;

/**
 * GET /search?q=: artists, albums and tracks matching every word (as prefixes). A full page; the
 * header's live search box asks for the same URL as the user types and swaps `#main` out of it,
 * so the box itself (outside `#main`) keeps its focus and text.
 */
export function searchRoutes(ctx: AppContext) {
  return new Elysia({ name: "web-search" }).get("/search", ({ request }) =>
    browsePage(ctx, request, async ({ session, url }) => {
      const query = (url.searchParams.get("q") ?? "").slice(0, MAX_QUERY).trim();
      const page = {
        title: query ? `Search: ${query}` : "Search",
        section: "search",
        query,
      } as const;
      if (!query) {
        return {
          ...page,
          body: (
            <>
              <h1>Search</h1>
              <p class="empty">Type in the search box to find artists, albums and tracks.</p>
            </>
          ),
        };
      }
      // Nothing to match (only punctuation): search() would page the whole library instead.
      const found = !ftsQuery(query)
        ? { artistIds: [], albumIds: [], trackIds: [] }
        : await search(ctx.database, {
            query,
            artistCount: ARTISTS,
            artistOffset: 0,
            albumCount: ALBUMS,
            albumOffset: 0,
            songCount: TRACKS,
            songOffset: 0,
          });
      const [artists, albums, tracks, marks] = await Promise.all([
        artistsByIds(ctx.database, found.artistIds),
        albumsByIds(ctx.database, found.albumIds),
        tracksByIds(ctx.database, found.trackIds),
        annotations(ctx.database, session.user.id, "track", found.trackIds),
      ]);
      const nothing = artists.length + albums.length + tracks.length === 0;
      return {
        ...page,
        body: (
          <>
            <h1 safe>{`Results for “${query}”`}</h1>
            {nothing ? (
              <p class="empty" role="status">
                Nothing found.
              </p>
            ) : (
              <>
                {artists.length > 0 && (
                  <section aria-labelledby="found-artists">
                    <h2 id="found-artists">Artists</h2>
                    <ArtistList artists={artists} label="Artists found" covers />
                  </section>
                )}
                {albums.length > 0 && (
                  <section aria-labelledby="found-albums">
                    <h2 id="found-albums">Albums</h2>
                    <AlbumGrid albums={albums} label="Albums found" />
                  </section>
                )}
                {tracks.length > 0 && (
                  <section aria-labelledby="found-tracks">
                    <h2 id="found-tracks">Tracks</h2>
                    <TrackList
                      csrf={session.csrfToken}
                      id="found-tracks-list"
                      label="Tracks found"
                      tracks={tracks}
                      marks={marks}
                      showAlbum
                    />
                  </section>
                )}
              </>
            )}
          </>
        ),
      };
    }),
  );
}
