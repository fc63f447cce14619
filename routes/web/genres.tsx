import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { DomainError } from "../../errors.ts";
import { annotations } from "../../library/annotations.ts";
import { albumList, genreCounts, trackIdsByGenre } from "../../library/browse.ts";
import { albumsByIds, tracksByIds } from "../../library/queries.ts";
import { AlbumGrid } from "../../views/albums.tsx";
import { ListActions, TrackList } from "../../views/tracks.tsx";
import { browsePage, genreHref, libraryPart, plural } from "./browse-page.tsx";

const ALBUMS = 120;
const TRACKS = 100;

/** The genres with their counts, and each genre's albums and tracks. */
export function genreRoutes(ctx: AppContext) {
  return new Elysia({ name: "web-genres" })
    .get("/genres", ({ request }) =>
      browsePage(ctx, request, async () => {
        const safeList = await libraryPart(ctx.database, "genres", async () => {
          const genres = await genreCounts(ctx.database);
          if (genres.length === 0) return <p class="empty">No genres yet.</p>;
          return (
            <ul class="genre-list" aria-label="Genres">
              {genres.map((g) => (
                <li>
                  <a href={genreHref(g.name)} safe>
                    {g.name}
                  </a>
                  <span class="count">
                    {`${plural(g.albumCount, "album")} · ${plural(g.songCount, "track")}`}
                  </span>
                </li>
              ))}
            </ul>
          );
        });
        return {
          title: "Genres",
          section: "genres",
          body: (
            <>
              <h1>Genres</h1>
              {safeList}
            </>
          ),
        };
      }),
    )
    .get("/genres/:name", ({ request, params }) =>
      browsePage(ctx, request, async ({ session }) => {
        // Elysia hands the parameter decoded ("Rock%2FPop" → "Rock/Pop").
        const name = params.name;
        const userId = session.user.id;
        const [albumIds, trackIds] = await Promise.all([
          albumList(ctx.database, {
            type: "byGenre",
            genre: name,
            userId,
            size: ALBUMS,
            offset: 0,
          }),
          trackIdsByGenre(ctx.database, name, { count: TRACKS, offset: 0 }),
        ]);
        if (albumIds.length === 0 && trackIds.length === 0) {
          throw new DomainError("not_found", "There is no such genre.");
        }
        const [albums, tracks, marks] = await Promise.all([
          albumsByIds(ctx.database, albumIds),
          tracksByIds(ctx.database, trackIds),
          annotations(ctx.database, userId, "track", trackIds),
        ]);
        return {
          title: name,
          section: "genres",
          body: (
            <>
              <h1 safe>{name}</h1>
              <section aria-labelledby="genre-albums">
                <h2 id="genre-albums">Albums</h2>
                <AlbumGrid albums={albums} label={`${name} albums`} />
              </section>
              <section aria-labelledby="genre-tracks">
                <h2 id="genre-tracks">Tracks</h2>
                {tracks.length === TRACKS && <p class="meta">{`The first ${TRACKS} tracks.`}</p>}
                <ListActions list="genre-tracks-list" name="these tracks" />
                <TrackList
                  csrf={session.csrfToken}
                  id="genre-tracks-list"
                  label={`${name} tracks`}
                  tracks={tracks}
                  marks={marks}
                  showAlbum
                />
              </section>
            </>
          ),
        };
      }),
    );
}
