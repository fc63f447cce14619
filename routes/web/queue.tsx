import { Elysia } from "elysia";
import type { ActiveSession } from "../../auth/sessions.ts";
import type { AppContext } from "../../context.ts";
import { DomainError } from "../../errors.ts";
import { annotations } from "../../library/annotations.ts";
import {
  entryAt,
  indexAfterMove,
  indexAfterRemove,
  indexAfterReorder,
  intList,
  moveEntry,
  removeEntry,
  reorderEntries,
} from "../../library/list-edits.ts";
import { loadPlayQueue, type PlayQueue, savePlayQueue } from "../../library/playqueue.ts";
import { type TrackView, tracksByIds } from "../../library/queries.ts";
import { type Entry, EntryControls, errorsTo, playlistSummary } from "../../views/playlists.tsx";
import { AddToPlaylist, TrackList } from "../../views/tracks.tsx";
import { browsePage } from "./browse-page.tsx";
import { field, guarded, html, type Web, wantsFragment } from "./page.ts";
import { entriesOf } from "./playlists.tsx";
import { redirect } from "./session.ts";

/** The player name the web app saves the queue under (as routes/web/player.tsx does). */
const PLAYER = "Bandstand web";
/** "Add queue to playlist" names the tracks in a URL: only for queues up to this long. */
const MAX_TO_PLAYLIST = 500;

const EMPTY: PlayQueue = {
  trackIds: [],
  currentIndex: 0,
  positionMs: 0,
  changedAt: 0,
  changedBy: null,
};

/**
 * The saved play queue (the one Subsonic getPlayQueue/savePlayQueue sync) as a list: the
 * current track marked, each entry movable and removable. The section reloads itself when the
 * player saves (`queue-changed`); its own edits answer `HX-Trigger: queue-updated` so the
 * player reloads the queue.
 */
function QueueSection(props: {
  q: PlayQueue;
  entries: Entry<TrackView>[];
  marks: Awaited<ReturnType<typeof annotations>>;
  csrf: string;
  message?: string;
}) {
  const { q, entries } = props;
  const current = entries.findIndex((e) => e.pos === q.currentIndex);
  const total = {
    songCount: entries.length,
    durationMs: entries.reduce((n, e) => n + e.track.durationMs, 0),
  };
  return (
    <section
      id="queue"
      class="entries"
      aria-labelledby="queue-heading"
      data-reorder="/queue/order"
      data-ids={q.trackIds.join(",")}
      hx-get="/queue"
      hx-trigger="queue-changed from:body"
      hx-swap="outerSync"
      {...errorsTo("queue-status")}
    >
      <div class="entries-head">
        <h2 id="queue-heading">Up next</h2>
        <span class="summary">{playlistSummary(total)}</span>
      </div>
      <div id="queue-status" class="status" role="status">
        {props.message && <p safe>{props.message}</p>}
      </div>
      {entries.length > 0 ? (
        <>
          {current >= 0 && (
            <p class="now">
              Current track: <strong safe>{entries[current]?.track.title ?? ""}</strong>
            </p>
          )}
          <TrackList
            csrf={props.csrf}
            id="queue-list"
            label="Play queue"
            tracks={entries.map((e) => e.track)}
            marks={props.marks}
            showAlbum
            current={current >= 0 ? current : undefined}
            extra={(t, i) => (
              <EntryControls
                base="/queue"
                target="queue"
                status="queue-status"
                csrf={props.csrf}
                pos={entries[i]?.pos ?? i}
                trackId={t.id}
                title={t.title}
                first={i === 0}
                last={i === entries.length - 1}
                removeLabel={`Remove ${t.title} from queue`}
              />
            )}
          />
          <div class="list-actions">
            {entries.length <= MAX_TO_PLAYLIST && (
              <AddToPlaylist
                what={{ tracks: entries.map((e) => e.track.id) }}
                name="queue"
                text="Save queue as playlist…"
              />
            )}
            <form
              method="post"
              action="/queue/clear"
              hx-post="/queue/clear"
              hx-target="#queue"
              hx-swap="outerSync"
              {...errorsTo("queue-status")}
            >
              <input type="hidden" name="_csrf" value={props.csrf} />
              <button type="submit" class="danger">
                Clear queue
              </button>
            </form>
          </div>
        </>
      ) : (
        <p class="empty">The queue is empty. Play or add tracks from anywhere in the library.</p>
      )}
    </section>
  );
}

export function queueRoutes(ctx: AppContext) {
  const db = ctx.database;

  const section = async (session: ActiveSession, message?: string) => {
    const q = (await loadPlayQueue(db, session.user.id)) ?? EMPTY;
    const entries = await entriesOf(ctx, q.trackIds);
    const marks = await annotations(
      db,
      session.user.id,
      "track",
      entries.map((e) => e.track.id),
    );
    return (
      <QueueSection
        q={q}
        entries={entries}
        marks={marks}
        csrf={session.csrfToken}
        message={message}
      />
    );
  };

  /**
   * Loads the queue, applies `edit` (which answers the new list, current index and a message)
   * and saves it; then the new section for htmx (telling the player), else back to the page.
   */
  const change = async (
    web: Web,
    edit: (q: PlayQueue) => {
      trackIds: number[];
      currentIndex: number;
      /** The track the message names, if any. */
      track?: number;
      message: (title: string) => string;
    },
  ): Promise<Response> => {
    const q = (await loadPlayQueue(db, web.session.user.id)) ?? EMPTY;
    const out = edit(q);
    const [named] = out.track === undefined ? [] : await tracksByIds(db, [out.track]);
    const sameCurrent = out.trackIds[out.currentIndex] === q.trackIds[q.currentIndex];
    await savePlayQueue(db, web.session.user.id, {
      trackIds: out.trackIds,
      currentIndex: out.trackIds.length ? out.currentIndex : 0,
      positionMs: sameCurrent ? q.positionMs : 0,
      changedBy: PLAYER,
    });
    if (!wantsFragment(web.request)) return redirect("/queue");
    const message = out.message(named?.title ?? "");
    return html(await section(web.session, message), 200, { "HX-Trigger": "queue-updated" });
  };

  const entry = (q: PlayQueue, body: unknown) =>
    entryAt(q.trackIds, Number(field(body, "index")), Number(field(body, "track")));

  return new Elysia({ name: "web-queue" })
    .get("/queue", ({ request }) => {
      if (wantsFragment(request)) {
        return guarded(ctx, { request }, ({ session }) => section(session));
      }
      return browsePage(ctx, request, async ({ session }) => ({
        title: "Queue",
        section: "queue",
        body: (
          <>
            <h1>Queue</h1>
            {await section(session)}
            <script src="/public/reorder.js" defer></script>
          </>
        ),
      }));
    })
    .post("/queue/move", ({ request, body }) =>
      guarded(ctx, { request, body }, (web) =>
        change(web, (q) => {
          const from = entry(q, body);
          const dir = field(body, "dir");
          if (dir !== "up" && dir !== "down") {
            throw new DomainError("invalid", "dir must be up or down");
          }
          const to = from + (dir === "up" ? -1 : 1);
          return {
            trackIds: moveEntry(q.trackIds, from, to),
            currentIndex: indexAfterMove(q.currentIndex, from, to),
            track: q.trackIds[from],
            message: (title) => `Moved “${title}” ${dir}.`,
          };
        }),
      ),
    )
    .post("/queue/remove", ({ request, body }) =>
      guarded(ctx, { request, body }, (web) =>
        change(web, (q) => {
          const at = entry(q, body);
          const trackIds = removeEntry(q.trackIds, at);
          return {
            trackIds,
            currentIndex: indexAfterRemove(q.currentIndex, at, trackIds.length),
            track: q.trackIds[at],
            message: (title) => `Removed “${title}”.`,
          };
        }),
      ),
    )
    .post("/queue/order", ({ request, body }) =>
      guarded(ctx, { request, body }, (web) =>
        change(web, (q) => {
          if (field(body, "ids") !== q.trackIds.join(",")) {
            throw new DomainError("conflict", "The queue changed meanwhile: reload the page.");
          }
          const order = intList(field(body, "order"), "order");
          return {
            trackIds: reorderEntries(q.trackIds, order),
            currentIndex: indexAfterReorder(q.currentIndex, order),
            message: () => "New order saved.",
          };
        }),
      ),
    )
    .post("/queue/clear", ({ request, body }) =>
      guarded(ctx, { request, body }, (web) =>
        change(web, () => ({ trackIds: [], currentIndex: 0, message: () => "Queue cleared." })),
      ),
    );
}
