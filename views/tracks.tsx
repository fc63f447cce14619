import type { Annotation, ItemType } from "../library/annotations.ts";
import type { TrackView } from "../library/queries.ts";
import { Icon } from "./icons.tsx";

/** `m:ss` (or `h:mm:ss`) of a duration in milliseconds. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/**
 * A sized cover image URL (session-authenticated): by the stored image's hash when known (cached
 * for good), else by the item (`al-1`, `ar-1`, `tr-1`), which answers a placeholder when it has none.
 */
export const coverUrl = (coverArtId: string | null, item: string, size: number) =>
  `/web/cover/${coverArtId ? `co-${coverArtId}` : item}?size=${size}`;

/** What the player needs to know about a track; rows carry it as `data-track`. */
export function playerTrack(t: TrackView) {
  return {
    id: t.id,
    title: t.title,
    artist: t.artist,
    album: t.album ?? "",
    albumId: t.albumId,
    durationMs: t.durationMs,
    contentType: t.contentType,
    cover: coverUrl(t.coverArtId, t.albumId ? `al-${t.albumId}` : `tr-${t.id}`, 256),
  };
}

/**
 * A star toggle: a form posting to /web/star/:type/:id. With htmx it swaps in the answer (its own
 * new state); without JavaScript the post returns to the page it came from.
 */
export function StarButton(props: {
  type: ItemType;
  id: number;
  name: string;
  starred: boolean;
  csrf: string;
}) {
  const label = `${props.starred ? "Unstar" : "Star"} ${props.name}`;
  const action = `/web/star/${props.type}/${props.id}`;
  return (
    <form class="mark-form" method="post" action={action} hx-post={action} hx-swap="outerHTML">
      <input type="hidden" name="_csrf" value={props.csrf} />
      <input type="hidden" name="starred" value={props.starred ? "0" : "1"} />
      <input type="hidden" name="name" value={props.name} />
      <button
        type="submit"
        class="star"
        aria-label={label}
        aria-pressed={props.starred ? "true" : "false"}
      >
        {props.starred ? "★" : "☆"}
      </button>
    </form>
  );
}

/**
 * A 0–5 rating: a form posting to /web/rate/:type/:id. With htmx a change posts at once; without
 * JavaScript a "Save" button posts it and returns to the page.
 */
export function RatingSelect(props: {
  type: ItemType;
  id: number;
  name: string;
  rating: number;
  csrf: string;
}) {
  const action = `/web/rate/${props.type}/${props.id}`;
  return (
    <form
      class="mark-form"
      method="post"
      action={action}
      hx-post={action}
      hx-trigger="change"
      hx-swap="none"
    >
      <input type="hidden" name="_csrf" value={props.csrf} />
      <select class="rating" name="rating" aria-label={`Rate ${props.name}`}>
        {[0, 1, 2, 3, 4, 5].map((n) => (
          <option value={String(n)} selected={n === props.rating}>
            {n === 0 ? "–" : "★".repeat(n)}
          </option>
        ))}
      </select>
      <noscript>
        <button type="submit" class="secondary" aria-label={`Save rating of ${props.name}`}>
          Save
        </button>
      </noscript>
    </form>
  );
}

export interface TrackListProps {
  /** The list's element id: "Play all" buttons name it in `data-list`. */
  id: string;
  /** Accessible name of the list, e.g. "Tracks of Abbey Road". */
  label: string;
  tracks: TrackView[];
  marks?: Map<number, Annotation>;
  showAlbum?: boolean;
  showArtist?: boolean;
  /** Show disc/track numbers instead of the position in the list. */
  numbered?: boolean;
  /** Extra controls per row (e.g. remove from a playlist). */
  extra?: (t: TrackView, index: number) => JSX.Element;
  /** A heading row before each disc (disc number and subtitle) when the tracks span discs. */
  discs?: boolean;
  /** The row (index into `tracks`) to mark as current (`aria-current`), e.g. in the play queue. */
  current?: number;
  /** An "Add <title> to playlist" control on every row (default true). */
  toPlaylist?: boolean;
  /** The session's CSRF token, for the star and rating forms of each row. */
  csrf: string;
}

/** Row index → "Disc 2: Bonus" for the first track of each disc, when headings are worth it. */
function discHeadings(tracks: TrackView[]): Map<number, string> {
  const out = new Map<number, string>();
  const numbers = new Set(tracks.map((t) => t.discNumber));
  if (numbers.size < 2 && !tracks.some((t) => t.discSubtitle)) return out;
  let prev: string | undefined;
  tracks.forEach((t, i) => {
    const label = `Disc ${t.discNumber ?? "?"}${t.discSubtitle ? `: ${t.discSubtitle}` : ""}`;
    if (label !== prev) out.set(i, label);
    prev = label;
  });
  return out;
}

/**
 * A list of tracks with play / add-to-queue / star / rate on every row. public/player.js
 * reads `data-track` and handles `data-action` clicks: "play" queues the whole list and starts
 * at that row.
 */
export function TrackList(props: TrackListProps) {
  const discs = props.discs ? discHeadings(props.tracks) : undefined;
  return (
    <ol class="tracks" id={props.id} aria-label={props.label} data-tracklist>
      {props.tracks.map((t, i) => {
        const mark = props.marks?.get(t.id);
        const name = t.title;
        const disc = discs?.get(i);
        return (
          <>
            {disc !== undefined && (
              <li class="disc">
                <h3 safe>{disc}</h3>
              </li>
            )}
            <li
              data-track={JSON.stringify(playerTrack(t))}
              data-track-id={String(t.id)}
              class={props.current === i ? "current" : undefined}
              aria-current={props.current === i ? "true" : undefined}
            >
              <span class="n">{props.numbered ? String(t.trackNumber ?? "") : String(i + 1)}</span>
              <button type="button" class="play" data-action="play" aria-label={`Play ${name}`}>
                <Icon name="play" />
              </button>
              <span class="title" safe>
                {name}
              </span>
              {props.showArtist !== false && (
                <span class="artist">
                  {t.artistId ? (
                    <a href={`/artists/${t.artistId}`} safe>
                      {t.artist}
                    </a>
                  ) : (
                    <span safe>{t.artist}</span>
                  )}
                </span>
              )}
              {props.showAlbum && t.albumId && (
                <a class="album" href={`/albums/${t.albumId}`} safe>
                  {t.album ?? ""}
                </a>
              )}
              <span class="time">{clock(t.durationMs)}</span>
              <button
                type="button"
                class="enqueue"
                data-action="enqueue"
                aria-label={`Add ${name} to queue`}
              >
                <Icon name="plus" />
              </button>
              <StarButton
                type="track"
                id={t.id}
                name={name}
                starred={!!mark?.starredAt}
                csrf={props.csrf}
              />
              <RatingSelect
                type="track"
                id={t.id}
                name={name}
                rating={mark?.rating ?? 0}
                csrf={props.csrf}
              />
              {props.toPlaylist !== false && (
                <AddToPlaylist what={{ tracks: [t.id] }} name={name} />
              )}
              {props.extra?.(t, i)}
            </li>
          </>
        );
      })}
    </ol>
  );
}

/** What an "Add … to playlist" control adds: tracks, or a whole album. */
export type PlaylistAddition = { tracks: number[] } | { album: number };

/** The query naming a PlaylistAddition (`track=1&track=2` or `album=3`). */
export function additionQuery(what: PlaylistAddition): string {
  const q = new URLSearchParams();
  if ("album" in what) q.set("album", String(what.album));
  else for (const id of what.tracks) q.append("track", String(id));
  return q.toString();
}

/**
 * "Add NAME to playlist": with JavaScript it opens a dialog listing the user's playlists
 * (GET /playlists/picker, appended to body); without, the form leads to the same choice as
 * a page (/playlists/add).
 */
export function AddToPlaylist(props: { what: PlaylistAddition; name: string; text?: string }) {
  const query = additionQuery(props.what);
  return (
    <form class="to-playlist" method="get" action="/playlists/add">
      {"album" in props.what ? (
        <input type="hidden" name="album" value={String(props.what.album)} />
      ) : (
        props.what.tracks.map((id) => <input type="hidden" name="track" value={String(id)} />)
      )}
      <button
        type="submit"
        aria-label={`Add ${props.name} to playlist`}
        aria-haspopup="dialog"
        hx-get={`/playlists/picker?${query}`}
        hx-target="body"
        hx-swap="beforeend"
        safe
      >
        {props.text ?? "♫+"}
      </button>
    </form>
  );
}

/**
 * "Play all" / "Add all to queue" for a TrackList on the page; with `playlist`, also
 * "Add NAME to playlist" (e.g. `{ album: id }` on an album page).
 */
export function ListActions(props: { list: string; name: string; playlist?: PlaylistAddition }) {
  return (
    <div class="list-actions">
      <button type="button" data-action="play-all" data-list={props.list} safe>
        {`Play ${props.name}`}
      </button>
      <button type="button" data-action="enqueue-all" data-list={props.list} safe>
        {`Add ${props.name} to queue`}
      </button>
      {props.playlist && (
        <AddToPlaylist what={props.playlist} name={props.name} text="Add to playlist…" />
      )}
    </div>
  );
}
