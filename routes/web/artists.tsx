import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { DomainError } from "../../errors.ts";
import { annotations } from "../../library/annotations.ts";
import { albumArtists, albumIdsOfArtist, groupByIndex, topTrackIds } from "../../library/browse.ts";
import { albumsByIds, artistsByIds, tracksByIds } from "../../library/queries.ts";
import { AlbumGrid } from "../../views/albums.tsx";
import { coverUrl, ListActions, StarButton, TrackList } from "../../views/tracks.tsx";
import { ArtistList, browsePage, libraryPart, plural } from "./browse-page.tsx";
import { idParam } from "./page.ts";

const TOP_TRACKS = 10;
const letterId = (letter: string) => `letter-${letter === "#" ? "other" : letter}`;

/** The artists index (A–Z) and each artist's page. */
export function artistRoutes(ctx: AppContext) {
  return new Elysia({ name: "web-artists" })
    .get("/artists", ({ request }) =>
      browsePage(ctx, request, async () => {
        const safeIndex = await libraryPart(ctx.database, "artists", async () => {
          const groups = groupByIndex(await albumArtists(ctx.database), (a) => a.name);
          if (groups.length === 0) return <p class="empty">No artists yet.</p>;
          return (
            <>
              <nav class="letters" aria-label="Artists by letter">
                {groups.map(([letter]) => (
                  <a href={`#${letterId(letter)}`} aria-label={letter === "#" ? "Other" : letter}>
                    {letter}
                  </a>
                ))}
              </nav>
              {groups.map(([letter, list]) => (
                <section class="letter" aria-labelledby={letterId(letter)}>
                  <h2 id={letterId(letter)}>{letter}</h2>
                  <ArtistList artists={list} label={`Artists under ${letter}`} />
                </section>
              ))}
            </>
          );
        });
        return {
          title: "Artists",
          section: "artists",
          body: (
            <>
              <h1>Artists</h1>
              {safeIndex}
            </>
          ),
        };
      }),
    )
    .get("/artists/:id", ({ request, params }) =>
      browsePage(ctx, request, async ({ session }) => {
        const id = idParam(params.id, "artist");
        const userId = session.user.id;
        const [artist] = await artistsByIds(ctx.database, [id]);
        if (!artist) throw new DomainError("not_found", "There is no such artist.");
        const [albumIds, topIds, marks] = await Promise.all([
          albumIdsOfArtist(ctx.database, id),
          topTrackIds(ctx.database, { id }, userId, TOP_TRACKS),
          annotations(ctx.database, userId, "artist", [id]),
        ]);
        const [albums, top, trackMarks] = await Promise.all([
          albumsByIds(ctx.database, albumIds),
          tracksByIds(ctx.database, topIds),
          annotations(ctx.database, userId, "track", topIds),
        ]);
        return {
          title: artist.name,
          section: "artists",
          body: (
            <article class="artist-page">
              <header class="item-head">
                <img
                  class="item-cover"
                  src={coverUrl(artist.coverArtId, `ar-${id}`, 300)}
                  alt=""
                  width="160"
                  height="160"
                />
                <div>
                  <h1 safe>{artist.name}</h1>
                  <p class="meta">{plural(albums.length, "album")}</p>
                  <div class="marks">
                    <StarButton
                      csrf={session.csrfToken}
                      type="artist"
                      id={id}
                      name={artist.name}
                      starred={!!marks.get(id)?.starredAt}
                    />
                  </div>
                </div>
              </header>
              <section aria-labelledby="artist-albums">
                <h2 id="artist-albums">Albums</h2>
                <AlbumGrid albums={albums} label={`Albums of ${artist.name}`} />
              </section>
              {top.length > 0 && (
                <section aria-labelledby="artist-top">
                  <h2 id="artist-top">Top tracks</h2>
                  <ListActions list="top-tracks" name="top tracks" />
                  <TrackList
                    csrf={session.csrfToken}
                    id="top-tracks"
                    label={`Top tracks of ${artist.name}`}
                    tracks={top}
                    marks={trackMarks}
                    showAlbum
                    showArtist={false}
                  />
                </section>
              )}
            </article>
          ),
        };
      }),
    );
}
