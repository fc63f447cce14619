import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { DomainError } from "../../errors.ts";
import { annotations } from "../../library/annotations.ts";
import { type AlbumListQuery, albumList, trackIdsOfAlbum } from "../../library/browse.ts";
import { albumsByIds, tracksByIds } from "../../library/queries.ts";
import { trackWaveform } from "../../library/waveform.ts";
import { AlbumGrid } from "../../views/albums.tsx";
import {
  clock,
  coverUrl,
  ListActions,
  RatingSelect,
  StarButton,
  TrackList,
} from "../../views/tracks.tsx";
import { browsePage, genreHref, Pager, pageParam, plural } from "./browse-page.tsx";
import { guarded, idParam } from "./page.ts";

const PAGE = 60;

/** The sort orders of the albums page: URL value → label and album list query. */
const SORTS: Record<string, { label: string; query: Partial<AlbumListQuery> }> = {
  newest: { label: "Recently added", query: { type: "newest" } },
  name: { label: "Name", query: { type: "alphabeticalByName" } },
  artist: { label: "Artist", query: { type: "alphabeticalByArtist" } },
  year: { label: "Year (newest first)", query: { type: "byYear", fromYear: 9999, toYear: 0 } },
  random: { label: "Random", query: { type: "random" } },
  recent: { label: "Recently played", query: { type: "recent" } },
  frequent: { label: "Most played", query: { type: "frequent" } },
  starred: { label: "Starred", query: { type: "starred" } },
  highest: { label: "Top rated", query: { type: "highest" } },
};

/** The albums list (sorted, paged), each album's page and the waveform its page draws. */
export function albumRoutes(ctx: AppContext) {
  return new Elysia({ name: "web-albums" })
    .get("/albums", ({ request }) =>
      browsePage(ctx, request, async ({ session, url }) => {
        const sortKey = url.searchParams.get("sort") || "newest";
        const sort = SORTS[sortKey];
        if (!sort) throw new DomainError("invalid", `Unknown sort order: ${sortKey}`);
        const page = pageParam(url);
        const ids = await albumList(ctx.database, {
          type: "newest",
          ...sort.query,
          userId: session.user.id,
          size: PAGE + 1,
          offset: (page - 1) * PAGE,
        });
        const albums = await albumsByIds(ctx.database, ids.slice(0, PAGE));
        const random = sortKey === "random";
        return {
          title: "Albums",
          section: "albums",
          body: (
            <>
              <h1>Albums</h1>
              <form class="sort" method="get" action="/albums">
                <label for="album-sort">Sort by</label>
                <select id="album-sort" name="sort">
                  {Object.entries(SORTS).map(([value, s]) => (
                    <option value={value} selected={value === sortKey}>
                      {s.label}
                    </option>
                  ))}
                </select>
                <button type="submit">Sort</button>
              </form>
              <AlbumGrid albums={albums} label={`Albums by ${sort.label.toLowerCase()}`} />
              {random ? (
                <p>
                  <a href="/albums?sort=random">More random albums</a>
                </p>
              ) : (
                <Pager
                  label="Album pages"
                  page={page}
                  more={ids.length > PAGE}
                  href={(p) => `/albums?sort=${sortKey}&page=${p}`}
                />
              )}
            </>
          ),
        };
      }),
    )
    .get("/albums/:id", ({ request, params }) =>
      browsePage(ctx, request, async ({ session }) => {
        const id = idParam(params.id, "album");
        const userId = session.user.id;
        const [album] = await albumsByIds(ctx.database, [id]);
        if (!album) throw new DomainError("not_found", "There is no such album.");
        const trackIds = await trackIdsOfAlbum(ctx.database, id);
        const [tracks, albumMarks, trackMarks] = await Promise.all([
          tracksByIds(ctx.database, trackIds),
          annotations(ctx.database, userId, "album", [id]),
          annotations(ctx.database, userId, "track", trackIds),
        ]);
        const mark = albumMarks.get(id);
        const variousArtists = tracks.some((t) => t.artist !== album.artist);
        const meta = [
          album.year ? String(album.year) : "",
          plural(album.songCount, "track"),
          clock(album.durationMs),
        ].filter(Boolean);
        return {
          title: album.name,
          section: "albums",
          body: (
            <article class="album-page">
              <header class="item-head">
                <img
                  class="item-cover"
                  src={coverUrl(album.coverArtId, `al-${id}`, 300)}
                  alt={`Cover of ${album.name}`}
                  width="240"
                  height="240"
                />
                <div>
                  <h1 safe>{album.name}</h1>
                  <p class="by">
                    {"by "}
                    {album.artistId ? (
                      <a href={`/artists/${album.artistId}`} safe>
                        {album.artist}
                      </a>
                    ) : (
                      <span safe>{album.artist}</span>
                    )}
                  </p>
                  <p class="meta">{meta.join(" · ")}</p>
                  {album.genres.length > 0 && (
                    <ul class="genres" aria-label="Genres">
                      {album.genres.map((g) => (
                        <li>
                          <a href={genreHref(g)} safe>
                            {g}
                          </a>
                        </li>
                      ))}
                    </ul>
                  )}
                  <div class="marks">
                    <StarButton
                      csrf={session.csrfToken}
                      type="album"
                      id={id}
                      name={album.name}
                      starred={!!mark?.starredAt}
                    />
                    <RatingSelect
                      csrf={session.csrfToken}
                      type="album"
                      id={id}
                      name={album.name}
                      rating={mark?.rating ?? 0}
                    />
                  </div>
                  <ListActions list="album-tracks" name="album" playlist={{ album: id }} />
                </div>
              </header>
              <figure class="waveform" data-waveform-album={String(id)} hidden>
                <canvas width="1000" height="80" role="img" aria-label="Waveform"></canvas>
                <figcaption></figcaption>
              </figure>
              <h2>Tracks</h2>
              <TrackList
                csrf={session.csrfToken}
                id="album-tracks"
                label={`Tracks of ${album.name}`}
                tracks={tracks}
                marks={trackMarks}
                numbered
                discs
                showArtist={variousArtists}
              />
            </article>
          ),
        };
      }),
    )
    .get("/web/waveform/:id", ({ request, params }) =>
      guarded(ctx, { request }, async () => {
        const id = idParam(params.id, "track");
        const waveform = await trackWaveform(ctx.database, id);
        if (!waveform) throw new DomainError("not_found", "There is no such track.");
        return Response.json(waveform, { headers: { "cache-control": "private, no-cache" } });
      }),
    );
}
