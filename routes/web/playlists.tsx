import { Elysia } from "elysia";
import type { ActiveSession } from "../../auth/sessions.ts";
import type { AppContext } from "../../context.ts";
import { DomainError } from "../../errors.ts";
import { annotations, missingItems } from "../../library/annotations.ts";
import { trackIdsOfAlbum } from "../../library/browse.ts";
import {
  entryAt,
  intList,
  moveEntry,
  removeEntry,
  reorderEntries,
} from "../../library/list-edits.ts";
import {
  createPlaylist,
  deletePlaylist,
  listPlaylists,
  type PlaylistView,
  playlistById,
  playlistTrackIds,
  replacePlaylistTracks,
  updatePlaylist,
} from "../../library/playlists.ts";
import { albumsByIds, type TrackView, tracksByIds } from "../../library/queries.ts";
import { Layout } from "../../views/layout.tsx";
import {
  type Entry,
  EntryControls,
  errorsTo,
  PickerBody,
  PickerDialog,
  playlistSummary,
} from "../../views/playlists.tsx";
import { coverUrl, ListActions, type PlaylistAddition, TrackList } from "../../views/tracks.tsx";
import { browsePage } from "./browse-page.tsx";
import { field, guarded, html, idParam, type Web, wantsFragment } from "./page.ts";
import { redirect } from "./session.ts";

/** Longest playlist name and comment the forms accept. */
const MAX_NAME = 200;
const MAX_COMMENT = 2000;
/** Most tracks one "Add to playlist" adds (a whole album fits many times over). */
const MAX_ADD = 5000;

/** Every value of a form field: repeated fields and comma-separated lists alike. */
export function fieldValues(body: unknown, name: string): string[] {
  if (!body || typeof body !== "object") return [];
  const v = (body as Record<string, unknown>)[name];
  const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return all
    .filter((x): x is string => typeof x === "string")
    .flatMap((x) => x.split(","))
    .map((x) => x.trim())
    .filter((x) => x !== "");
}

interface Addition {
  what: PlaylistAddition;
  ids: number[];
  subject: string;
}

/** What an "Add to playlist" form names: an album, or tracks; unknown ids are a 404. */
async function resolveAddition(
  ctx: AppContext,
  raw: { album: string; tracks: string[] },
): Promise<Addition> {
  if (raw.album) {
    const id = idParam(raw.album, "album");
    const [album] = await albumsByIds(ctx.database, [id]);
    if (!album) throw new DomainError("not_found", "album not found");
    const ids = await trackIdsOfAlbum(ctx.database, id);
    if (ids.length === 0) throw new DomainError("invalid", "That album has no tracks.");
    return { what: { album: id }, ids, subject: album.name };
  }
  if (raw.tracks.length === 0) throw new DomainError("invalid", "Choose at least one track.");
  if (raw.tracks.length > MAX_ADD) {
    throw new DomainError("invalid", `At most ${MAX_ADD} tracks at once.`);
  }
  const ids = raw.tracks.map((v) => idParam(v, "track"));
  if ((await missingItems(ctx.database, "track", ids)).length > 0) {
    throw new DomainError("not_found", "track not found");
  }
  const [first] = ids.length === 1 ? await tracksByIds(ctx.database, ids) : [];
  return {
    what: { tracks: ids },
    ids,
    subject: first ? first.title : `${ids.length} tracks`,
  };
}

const additionFromBody = (body: unknown) => ({
  album: field(body, "album"),
  tracks: [...fieldValues(body, "tracks"), ...fieldValues(body, "track")],
});

const additionFromQuery = (url: URL) => ({
  album: url.searchParams.get("album")?.trim() ?? "",
  tracks: url.searchParams
    .getAll("track")
    .concat(url.searchParams.getAll("tracks"))
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== ""),
});

const isAdmin = (session: ActiveSession) => session.user.role === "admin";

/** Who may change a playlist: its owner, or an admin (as for Subsonic apps). */
export const mayEdit = (session: ActiveSession, p: PlaylistView) =>
  p.ownerId === session.user.id || isAdmin(session);

/** A playlist the user may see (their own, a public one, any for an admin), else a 404. */
async function visiblePlaylist(
  ctx: AppContext,
  session: ActiveSession,
  raw: string | undefined,
): Promise<PlaylistView> {
  const id = idParam(raw, "playlist");
  const p = await playlistById(ctx.database, id);
  if (!p || (p.ownerId !== session.user.id && !p.public && !isAdmin(session))) {
    throw new DomainError("not_found", "playlist not found");
  }
  return p;
}

/** A playlist the user may change: a visible one of theirs (or any for an admin), else 403. */
async function editablePlaylist(
  ctx: AppContext,
  session: ActiveSession,
  raw: string | undefined,
): Promise<PlaylistView> {
  const p = await visiblePlaylist(ctx, session, raw);
  if (!mayEdit(session, p)) {
    throw new DomainError("forbidden", "Only the owner can change this playlist.");
  }
  return p;
}

/** The entries of a stored list that still have a track, with their stored positions. */
export async function entriesOf(ctx: AppContext, ids: number[]): Promise<Entry<TrackView>[]> {
  const byId = new Map((await tracksByIds(ctx.database, [...new Set(ids)])).map((t) => [t.id, t]));
  return ids.flatMap((id, pos) => {
    const track = byId.get(id);
    return track ? [{ pos, track }] : [];
  });
}

function validName(raw: string): string {
  if (raw === "") throw new DomainError("invalid", "A playlist needs a name.");
  if (raw.length > MAX_NAME) {
    throw new DomainError("invalid", `A playlist name has at most ${MAX_NAME} characters.`);
  }
  return raw;
}

function PlaylistCover(props: { p: PlaylistView; size: number }) {
  return props.p.coverArtId ? (
    <img
      class="playlist-cover"
      src={coverUrl(props.p.coverArtId, `pl-${props.p.id}`, props.size)}
      alt=""
      width={String(props.size)}
      height={String(props.size)}
      loading="lazy"
    />
  ) : (
    <span class="playlist-cover placeholder" aria-hidden="true">
      ♫
    </span>
  );
}

/** Playlists as cards linking to their pages, with counts and duration. */
function PlaylistCards(props: { playlists: PlaylistView[]; label: string; me: number }) {
  return (
    <ul class="playlists" aria-label={props.label}>
      {props.playlists.map((p) => (
        <li>
          <PlaylistCover p={p} size={96} />
          <span class="about">
            <a href={`/playlists/${p.id}`} class="name" safe>
              {p.name}
            </a>
            <span class="meta">
              {playlistSummary(p)}
              {p.ownerId !== props.me && <span safe>{` · by ${p.owner}`}</span>}
              {p.public ? " · public" : ""}
            </span>
          </span>
        </li>
      ))}
    </ul>
  );
}

/** The tracks of a playlist: the part of its page that edits swap. */
function PlaylistTracks(props: {
  p: PlaylistView;
  entries: Entry<TrackView>[];
  ids: number[];
  marks: Awaited<ReturnType<typeof annotations>>;
  editable: boolean;
  csrf: string;
  message?: string;
}) {
  const { p, entries } = props;
  const base = `/playlists/${p.id}`;
  return (
    <section
      id="playlist-tracks"
      class="entries"
      aria-labelledby="playlist-tracks-heading"
      data-reorder={props.editable ? `${base}/order` : undefined}
      data-ids={props.ids.join(",")}
      {...errorsTo("playlist-status")}
    >
      <div class="entries-head">
        <h2 id="playlist-tracks-heading">Tracks</h2>
        <span class="summary">{playlistSummary(p)}</span>
      </div>
      <div id="playlist-status" class="status" role="status">
        {props.message && <p safe>{props.message}</p>}
      </div>
      {entries.length > 0 ? (
        <TrackList
          csrf={props.csrf}
          id="playlist-tracks-list"
          label={`Tracks of ${p.name}`}
          tracks={entries.map((e) => e.track)}
          marks={props.marks}
          showAlbum
          extra={
            props.editable
              ? (t, i) => (
                  <EntryControls
                    base={base}
                    target="playlist-tracks"
                    status="playlist-status"
                    csrf={props.csrf}
                    pos={entries[i]?.pos ?? i}
                    trackId={t.id}
                    title={t.title}
                    first={i === 0}
                    last={i === entries.length - 1}
                    removeLabel={`Remove ${t.title} from playlist`}
                  />
                )
              : undefined
          }
        />
      ) : (
        <p class="empty">No tracks yet. Use “Add to playlist” on any track or album to add some.</p>
      )}
    </section>
  );
}

/** Everything PlaylistTracks needs, read fresh. */
async function tracksSection(
  ctx: AppContext,
  session: ActiveSession,
  id: number,
  message?: string,
): Promise<JSX.Element> {
  const p = await playlistById(ctx.database, id);
  if (!p) throw new DomainError("not_found", "playlist not found");
  const ids = await playlistTrackIds(ctx.database, id);
  const entries = await entriesOf(ctx, ids);
  const marks = await annotations(
    ctx.database,
    session.user.id,
    "track",
    entries.map((e) => e.track.id),
  );
  return (
    <PlaylistTracks
      p={p}
      entries={entries}
      ids={ids}
      marks={marks}
      editable={mayEdit(session, p)}
      csrf={session.csrfToken}
      message={message}
    />
  );
}

/** After a change: the new tracks section for htmx, else back to the playlist page. */
async function afterEdit(
  ctx: AppContext,
  web: Web,
  id: number,
  message: string,
): Promise<Response | string> {
  if (!wantsFragment(web.request)) return redirect(`/playlists/${id}`);
  return await tracksSection(ctx, web.session, id, message);
}

function EditForm(props: { p: PlaylistView; csrf: string; error?: string }) {
  const { p } = props;
  return (
    <section class="playlist-edit" aria-labelledby="playlist-edit-heading">
      <h2 id="playlist-edit-heading">Playlist details</h2>
      {props.error && (
        <p class="error" role="alert" safe>
          {props.error}
        </p>
      )}
      <form method="post" action={`/playlists/${p.id}`}>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <label for="playlist-name">Name</label>
        <input
          type="text"
          id="playlist-name"
          name="name"
          value={p.name}
          required
          maxlength={String(MAX_NAME)}
        />
        <label for="playlist-comment">Comment</label>
        <textarea
          id="playlist-comment"
          name="comment"
          rows="2"
          maxlength={String(MAX_COMMENT)}
          safe
        >
          {p.comment ?? ""}
        </textarea>
        <label class="check">
          <input type="checkbox" name="public" value="1" checked={p.public} />
          Public: other users can see and play it
        </label>
        <button type="submit">Save changes</button>
      </form>
      <p>
        <a class="button danger" href={`/playlists/${p.id}/delete`}>
          Delete playlist
        </a>
      </p>
    </section>
  );
}

const REORDER_SCRIPT = <script src="/public/reorder.js" defer></script>;

/**
 * The playlists pages: the list (own and others' public ones) with a create form, each
 * playlist's page (play, reorder, remove, rename, delete), and the "Add to playlist" choice
 * every track row and album page offers (a dialog with JavaScript, a page without).
 * The data is library/playlists.ts: the same playlists Subsonic apps see.
 */
export function playlistRoutes(ctx: AppContext) {
  const db = ctx.database;

  const listPage = async (session: ActiveSession, error?: string, name = "") => {
    const all = await listPlaylists(db, session.user.id, true);
    const mine = all.filter((p) => p.ownerId === session.user.id);
    const others = all.filter((p) => p.ownerId !== session.user.id);
    return (
      <>
        <h1>Playlists</h1>
        <form class="new-playlist" method="post" action="/playlists">
          <input type="hidden" name="_csrf" value={session.csrfToken} />
          <label for="new-playlist-name">New playlist name</label>
          {error && (
            <p class="error" role="alert" safe>
              {error}
            </p>
          )}
          <div class="row">
            <input
              type="text"
              id="new-playlist-name"
              name="name"
              required
              maxlength={String(MAX_NAME)}
              autocomplete="off"
              value={name}
            />
            <button type="submit">Create playlist</button>
          </div>
        </form>
        <h2>Your playlists</h2>
        {mine.length > 0 ? (
          <PlaylistCards playlists={mine} label="Your playlists" me={session.user.id} />
        ) : (
          <p class="empty">You have no playlists yet. Create one above.</p>
        )}
        {others.length > 0 && (
          <>
            <h2>Shared by others</h2>
            <PlaylistCards
              playlists={others}
              label="Public playlists of others"
              me={session.user.id}
            />
          </>
        )}
      </>
    );
  };

  const playlistPage = async (session: ActiveSession, p: PlaylistView, error?: string) => {
    const editable = mayEdit(session, p);
    return (
      <article class="playlist-page">
        <header class="playlist-head">
          <PlaylistCover p={p} size={160} />
          <div>
            <p class="kind">Playlist</p>
            <h1 safe>{p.name}</h1>
            {p.comment && (
              <p class="comment" safe>
                {p.comment}
              </p>
            )}
            <p class="meta">
              <span safe>{`By ${p.owner}`}</span>
              {` · ${p.public ? "Public" : "Private"}`}
            </p>
          </div>
        </header>
        <ListActions list="playlist-tracks-list" name={p.name} />
        {await tracksSection(ctx, session, p.id)}
        {editable && <EditForm p={p} csrf={session.csrfToken} error={error} />}
        {editable && REORDER_SCRIPT}
      </article>
    );
  };

  /** A full page (for a form error: the page again, with the message and a 400). */
  const fullPage = async (session: ActiveSession, title: string, body: JSX.Element, status = 200) =>
    html(
      await (
        <Layout title={title} user={session.user} csrfToken={session.csrfToken} section="playlists">
          {body}
        </Layout>
      ),
      status,
    );

  /** The answer of an addition: the picker body (dialog) or the playlist page. */
  const afterAdd = async (
    web: Web,
    addition: Addition,
    playlistId: number,
    message: string,
  ): Promise<Response | string> => {
    if (field(web.body, "picker") !== "1") return redirect(`/playlists/${playlistId}`);
    const playlists = await listPlaylists(db, web.session.user.id, false);
    return (
      <PickerBody
        what={addition.what}
        subject={addition.subject}
        playlists={playlists}
        csrf={web.session.csrfToken}
        dialog
        message={message}
      />
    );
  };

  return (
    new Elysia({ name: "web-playlists" })
      .get("/playlists", ({ request }) =>
        browsePage(ctx, request, async ({ session }) => ({
          title: "Playlists",
          section: "playlists",
          body: await listPage(session),
        })),
      )
      .post("/playlists", ({ request, body }) =>
        guarded(ctx, { request, body }, async (web) => {
          const { session } = web;
          const picker = field(body, "picker") === "1";
          const raw = additionFromBody(body);
          const adding = raw.album !== "" || raw.tracks.length > 0;
          let name: string;
          try {
            name = validName(field(body, "name"));
          } catch (err) {
            if (picker || adding || !(err instanceof DomainError)) throw err;
            return fullPage(
              session,
              "Playlists",
              await listPage(session, err.message, field(body, "name")),
              400,
            );
          }
          const addition = adding ? await resolveAddition(ctx, raw) : undefined;
          const id = await createPlaylist(db, session.user.id, name, addition?.ids ?? []);
          if (!addition) return redirect(`/playlists/${id}`);
          const n = addition.ids.length;
          return afterAdd(
            web,
            addition,
            id,
            `Created “${name}” with ${n === 1 ? `“${addition.subject}”` : `${n} tracks`}.`,
          );
        }),
      )
      // The choice of playlist: a page without JavaScript…
      .get("/playlists/add", ({ request }) =>
        browsePage(ctx, request, async ({ session, url }) => {
          const addition = await resolveAddition(ctx, additionFromQuery(url));
          const playlists = await listPlaylists(db, session.user.id, false);
          return {
            title: "Add to playlist",
            section: "playlists",
            body: (
              <section class="picker-page">
                <PickerBody
                  what={addition.what}
                  subject={addition.subject}
                  playlists={playlists}
                  csrf={session.csrfToken}
                  dialog={false}
                />
              </section>
            ),
          };
        }),
      )
      // …and a dialog the "Add … to playlist" buttons append to the page.
      .get("/playlists/picker", ({ request }) =>
        guarded(ctx, { request }, async ({ session, url }) => {
          if (!wantsFragment(request)) return redirect(`/playlists/add${url.search}`);
          const addition = await resolveAddition(ctx, additionFromQuery(url));
          const playlists = await listPlaylists(db, session.user.id, false);
          return (
            <PickerDialog
              what={addition.what}
              subject={addition.subject}
              playlists={playlists}
              csrf={session.csrfToken}
            />
          );
        }),
      )
      .get("/playlists/:id", ({ request, params }) =>
        browsePage(ctx, request, async ({ session }) => {
          const p = await visiblePlaylist(ctx, session, params.id);
          return { title: p.name, section: "playlists", body: await playlistPage(session, p) };
        }),
      )
      .post("/playlists/:id", ({ request, body, params }) =>
        guarded(ctx, { request, body }, async ({ session }) => {
          const p = await editablePlaylist(ctx, session, params.id);
          const comment = field(body, "comment");
          let name: string;
          try {
            name = validName(field(body, "name"));
            if (comment.length > MAX_COMMENT) {
              throw new DomainError("invalid", `A comment has at most ${MAX_COMMENT} characters.`);
            }
          } catch (err) {
            if (!(err instanceof DomainError)) throw err;
            return fullPage(session, p.name, await playlistPage(session, p, err.message), 400);
          }
          await updatePlaylist(db, p.id, {
            name,
            comment,
            public: ["1", "on", "true"].includes(field(body, "public")),
          });
          return redirect(`/playlists/${p.id}`);
        }),
      )
      .get("/playlists/:id/delete", ({ request, params }) =>
        browsePage(ctx, request, async ({ session }) => {
          const p = await editablePlaylist(ctx, session, params.id);
          return {
            title: `Delete ${p.name}`,
            section: "playlists",
            body: (
              <section class="card confirm" aria-labelledby="delete-heading">
                <h1 id="delete-heading" safe>
                  {`Delete “${p.name}”?`}
                </h1>
                <p>
                  {`The playlist and its order go for good; its ${playlistSummary(p)} stay in the library.`}
                </p>
                <form method="post" action={`/playlists/${p.id}/delete`}>
                  <input type="hidden" name="_csrf" value={session.csrfToken} />
                  <button type="submit" class="danger">
                    Delete playlist
                  </button>
                </form>
                <p>
                  <a href={`/playlists/${p.id}`}>Cancel</a>
                </p>
              </section>
            ),
          };
        }),
      )
      .post("/playlists/:id/delete", ({ request, body, params }) =>
        guarded(ctx, { request, body }, async ({ session }) => {
          const p = await editablePlaylist(ctx, session, params.id);
          await deletePlaylist(db, p.id);
          return redirect("/playlists");
        }),
      )
      .post("/playlists/:id/tracks", ({ request, body, params }) =>
        guarded(ctx, { request, body }, async (web) => {
          const p = await editablePlaylist(ctx, web.session, params.id);
          const addition = await resolveAddition(ctx, additionFromBody(body));
          await updatePlaylist(db, p.id, { add: addition.ids });
          const n = addition.ids.length;
          const what = n === 1 ? `“${addition.subject}”` : `${n} tracks`;
          return afterAdd(web, addition, p.id, `Added ${what} to “${p.name}”.`);
        }),
      )
      .post("/playlists/:id/move", ({ request, body, params }) =>
        guarded(ctx, { request, body }, async (web) => {
          const p = await editablePlaylist(ctx, web.session, params.id);
          const ids = await playlistTrackIds(db, p.id);
          const from = entryAt(ids, Number(field(body, "index")), Number(field(body, "track")));
          const dir = field(body, "dir");
          if (dir !== "up" && dir !== "down") {
            throw new DomainError("invalid", "dir must be up or down");
          }
          const to = from + (dir === "up" ? -1 : 1);
          const next = moveEntry(ids, from, to);
          await replacePlaylistTracks(db, p.id, next);
          const [t] = await tracksByIds(db, [ids[from] ?? 0]);
          return afterEdit(ctx, web, p.id, `Moved “${t?.title ?? "track"}” ${dir}.`);
        }),
      )
      .post("/playlists/:id/remove", ({ request, body, params }) =>
        guarded(ctx, { request, body }, async (web) => {
          const p = await editablePlaylist(ctx, web.session, params.id);
          const ids = await playlistTrackIds(db, p.id);
          const at = entryAt(ids, Number(field(body, "index")), Number(field(body, "track")));
          await replacePlaylistTracks(db, p.id, removeEntry(ids, at));
          const [t] = await tracksByIds(db, [ids[at] ?? 0]);
          return afterEdit(ctx, web, p.id, `Removed “${t?.title ?? "track"}”.`);
        }),
      )
      .post("/playlists/:id/order", ({ request, body, params }) =>
        guarded(ctx, { request, body }, async (web) => {
          const p = await editablePlaylist(ctx, web.session, params.id);
          const ids = await playlistTrackIds(db, p.id);
          if (field(body, "ids") !== ids.join(",")) {
            throw new DomainError("conflict", "The playlist changed meanwhile: reload the page.");
          }
          const order = intList(field(body, "order"), "order");
          await replacePlaylistTracks(db, p.id, reorderEntries(ids, order));
          return afterEdit(ctx, web, p.id, "New order saved.");
        }),
      )
  );
}
