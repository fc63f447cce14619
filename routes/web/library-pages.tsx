import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { annotations, starredIds } from "../../library/annotations.ts";
import { playHistory } from "../../library/history.ts";
import { albumsByIds, artistsByIds, tracksByIds } from "../../library/queries.ts";
import { AlbumGrid } from "../../views/albums.tsx";
import { ListActions, TrackList } from "../../views/tracks.tsx";
import { ArtistList, ago, browsePage, Pager, pageParam } from "./browse-page.tsx";

const HISTORY_PAGE = 50;

/** The user's own pages: what they starred and what they played. */
export function libraryPageRoutes(ctx: AppContext) {
  return new Elysia({ name: "web-library-pages" })
    .get("/favorites", ({ request }) =>
      browsePage(ctx, request, async ({ session }) => {
        const userId = session.user.id;
        const db = ctx.database;
        const [artistIds, albumIds, trackIds] = await Promise.all([
          starredIds(db, userId, "artist"),
          starredIds(db, userId, "album"),
          starredIds(db, userId, "track"),
        ]);
        const [artists, albums, tracks, marks] = await Promise.all([
          artistsByIds(db, artistIds),
          albumsByIds(db, albumIds),
          tracksByIds(db, trackIds),
          annotations(db, userId, "track", trackIds),
        ]);
        return {
          title: "Favorites",
          section: "favorites",
          body: (
            <>
              <h1>Favorites</h1>
              <section aria-labelledby="fav-artists">
                <h2 id="fav-artists">Artists</h2>
                {artists.length ? (
                  <ArtistList artists={artists} label="Starred artists" covers />
                ) : (
                  <p class="empty">No starred artists.</p>
                )}
              </section>
              <section aria-labelledby="fav-albums">
                <h2 id="fav-albums">Albums</h2>
                {albums.length ? (
                  <AlbumGrid albums={albums} label="Starred albums" />
                ) : (
                  <p class="empty">No starred albums.</p>
                )}
              </section>
              <section aria-labelledby="fav-tracks">
                <h2 id="fav-tracks">Tracks</h2>
                {tracks.length ? (
                  <>
                    <ListActions list="starred-tracks" name="starred tracks" />
                    <TrackList
                      csrf={session.csrfToken}
                      id="starred-tracks"
                      label="Starred tracks"
                      tracks={tracks}
                      marks={marks}
                      showAlbum
                    />
                  </>
                ) : (
                  <p class="empty">No starred tracks.</p>
                )}
              </section>
            </>
          ),
        };
      }),
    )
    .get("/history", ({ request }) =>
      browsePage(ctx, request, async ({ session, url }) => {
        const userId = session.user.id;
        const page = pageParam(url);
        const { plays: all, more } = await playHistory(ctx.database, userId, {
          size: HISTORY_PAGE,
          offset: (page - 1) * HISTORY_PAGE,
        });
        const ids = [...new Set(all.map((p) => p.trackId))];
        const [found, marks] = await Promise.all([
          tracksByIds(ctx.database, ids),
          annotations(ctx.database, userId, "track", ids),
        ]);
        const byId = new Map(found.map((t) => [t.id, t]));
        const plays = all.flatMap((p) => {
          const track = byId.get(p.trackId);
          return track ? [{ ...p, track }] : [];
        });
        const now = Date.now();
        return {
          title: "History",
          section: "history",
          body: (
            <>
              <h1>History</h1>
              {plays.length === 0 ? (
                <p class="empty">Nothing played yet.</p>
              ) : (
                <TrackList
                  csrf={session.csrfToken}
                  id="history-tracks"
                  label="Recently played tracks"
                  tracks={plays.map((p) => p.track)}
                  marks={marks}
                  showAlbum
                  extra={(_, i) => {
                    const at = plays[i]?.playedAt ?? 0;
                    return (
                      <time class="played" datetime={new Date(at).toISOString()}>
                        {ago(at, now)}
                      </time>
                    );
                  }}
                />
              )}
              <Pager
                label="History pages"
                page={page}
                more={more}
                href={(p) => `/history?page=${p}`}
              />
            </>
          ),
        };
      }),
    );
}
