import type { PlaylistView } from "../library/playlists.ts";
import { clock, type PlaylistAddition } from "./tracks.tsx";

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * htmx 4 swaps error answers too: send a 4xx answer's message (a `<p role="alert">`) to the
 * status line `id` instead of the request's target.
 */
export const errorsTo = (id: string) => ({ "hx-status:4xx": `target:#${id} swap:innerHTML` });

/** "3 tracks · 9:41" */
export const playlistSummary = (p: { songCount: number; durationMs: number }) =>
  `${plural(p.songCount, "track")} · ${clock(p.durationMs)}`;

/** Hidden fields carrying what is added (tracks or an album). */
function AdditionFields(props: { what: PlaylistAddition }) {
  return "album" in props.what ? (
    <input type="hidden" name="album" value={String(props.what.album)} />
  ) : (
    <input type="hidden" name="tracks" value={props.what.tracks.join(",")} />
  );
}

export interface PickerProps {
  what: PlaylistAddition;
  /** What is added, for people: a track title, an album name, "3 tracks". */
  subject: string;
  /** The user's own playlists (the ones they may add to). */
  playlists: PlaylistView[];
  csrf: string;
  /** In the dialog (htmx answers swap this body); else a plain page of forms. */
  dialog: boolean;
  message?: string;
}

/**
 * The choice of playlist for "Add … to playlist": one button per own playlist and a
 * "New playlist" form. The same forms work as a page without JavaScript (they post and
 * redirect to the playlist) and inside the dialog (htmx swaps this body with the outcome).
 */
export function PickerBody(props: PickerProps) {
  const hx = (action: string) =>
    props.dialog
      ? {
          "hx-post": action,
          "hx-target": "#picker-body",
          "hx-swap": "outerSync",
          ...errorsTo("picker-status"),
        }
      : {};
  return (
    <div id="picker-body" class="picker-body">
      <h2 id="picker-heading" safe>
        {`Add “${props.subject}” to a playlist`}
      </h2>
      <div id="picker-status" class="status" role="status">
        {props.message && <p safe>{props.message}</p>}
      </div>
      {props.playlists.length > 0 ? (
        <ul class="picker-list" aria-label="Your playlists">
          {props.playlists.map((p) => (
            <li>
              <form
                method="post"
                action={`/playlists/${p.id}/tracks`}
                {...hx(`/playlists/${p.id}/tracks`)}
              >
                <input type="hidden" name="_csrf" value={props.csrf} />
                <AdditionFields what={props.what} />
                {props.dialog && <input type="hidden" name="picker" value="1" />}
                <button type="submit" class="pick" aria-label={`Add to ${p.name}`}>
                  <span class="name" safe>
                    {p.name}
                  </span>
                  <span class="count">{plural(p.songCount, "track")}</span>
                </button>
              </form>
            </li>
          ))}
        </ul>
      ) : (
        <p class="empty">You have no playlists yet.</p>
      )}
      <form class="picker-new" method="post" action="/playlists" {...hx("/playlists")}>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <AdditionFields what={props.what} />
        {props.dialog && <input type="hidden" name="picker" value="1" />}
        <label for={props.dialog ? "picker-name" : "new-playlist-name"}>New playlist…</label>
        <div class="row">
          <input
            type="text"
            id={props.dialog ? "picker-name" : "new-playlist-name"}
            name="name"
            required
            maxlength="200"
            autocomplete="off"
          />
          <button type="submit">Create and add</button>
        </div>
      </form>
    </div>
  );
}

/**
 * The dialog the "Add … to playlist" buttons append to the page: a small script opens it as a
 * modal (focus moves in, Escape closes) and removes it, and any older one, when it closes.
 */
export function PickerDialog(props: Omit<PickerProps, "dialog">) {
  return (
    <>
      <dialog class="picker" aria-labelledby="picker-heading">
        <PickerBody {...props} dialog />
        <form method="dialog" class="picker-close">
          <button type="submit">Close</button>
        </form>
      </dialog>
      <script>
        {`(() => {
  const all = document.querySelectorAll("dialog.picker");
  const d = all[all.length - 1];
  for (const x of all) if (x !== d) x.remove();
  d.addEventListener("close", () => d.remove());
  d.showModal();
  document.currentScript?.remove();
})();`}
      </script>
    </>
  );
}

/** An entry of an ordered list as shown: its position in the stored list and its track. */
export interface Entry<T> {
  pos: number;
  track: T;
}

/**
 * "Move X up" / "Move X down" / "Remove X from …" for one entry of a reorderable list (a
 * playlist, the queue). Plain forms (they post and redirect without JavaScript); with htmx
 * they post to the same URLs and swap the list's section (`target`), errors going to its
 * status line. The entry is named by position and track id, so a stale page cannot act on
 * the wrong one.
 */
export function EntryControls(props: {
  base: string;
  target: string;
  status: string;
  csrf: string;
  pos: number;
  trackId: number;
  title: string;
  first: boolean;
  last: boolean;
  removeLabel: string;
}) {
  const form = (action: string) => ({
    method: "post",
    action: `${props.base}/${action}`,
    "hx-post": `${props.base}/${action}`,
    "hx-target": `#${props.target}`,
    "hx-swap": "outerSync",
    ...errorsTo(props.status),
  });
  const hidden = (
    <>
      <input type="hidden" name="_csrf" value={props.csrf} />
      <input type="hidden" name="index" value={String(props.pos)} />
      <input type="hidden" name="track" value={String(props.trackId)} />
    </>
  );
  return (
    <span class="entry-controls" data-pos={String(props.pos)}>
      <span class="drag-handle" aria-hidden="true" title="Drag to reorder">
        ⠿
      </span>
      <form {...form("move")}>
        {hidden}
        <input type="hidden" name="dir" value="up" />
        <button type="submit" aria-label={`Move ${props.title} up`} disabled={props.first}>
          ↑
        </button>
      </form>
      <form {...form("move")}>
        {hidden}
        <input type="hidden" name="dir" value="down" />
        <button type="submit" aria-label={`Move ${props.title} down`} disabled={props.last}>
          ↓
        </button>
      </form>
      <form {...form("remove")}>
        {hidden}
        <button type="submit" aria-label={props.removeLabel}>
          ✕
        </button>
      </form>
    </span>
  );
}
