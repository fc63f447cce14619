import { Elysia } from "elysia";
import type { ActiveSession } from "../../auth/sessions.ts";
import type { AppContext } from "../../context.ts";
import { DomainError } from "../../errors.ts";
import { startScan } from "../../jobs/registry.ts";
import { isActive, type JobRow } from "../../jobs/types.ts";
import { type FolderSummary, folderSummaries } from "../../library/folders.ts";
import { Csrf, Notice, When } from "../../views/account.tsx";
import { AdminPage, ConfirmRemoval } from "../../views/admin.tsx";
import { liveTrigger } from "../../views/jobs.tsx";
import { Layout } from "../../views/layout.tsx";
import { attempt, pageAnswer } from "./account.ts";
import { doneNotice, field, guarded, idParam } from "./page.ts";
import { redirect } from "./session.ts";

const ADMIN = { admin: true };
const PROBLEMS_PER_PAGE = 100;
const SCAN_JOBS = [
  { name: "scan", label: "Scan" },
  { name: "refresh-metadata", label: "Full rescan" },
] as const;

/** What the page says after a change (`?done=…&name=…`). */
const DONE = new Map<string, (name: string) => string>([
  ["scan", () => "Scan queued: new and changed files will be read."],
  ["rescan", () => "Full rescan queued: every file will be read again."],
  ["added", (name) => `Added ${name}: a scan is reading it.`],
  ["removed", (name) => `Removed ${name} and its tracks.`],
  ["renamed", () => "Renamed."],
]);

type Problem = Awaited<ReturnType<AppContext["library"]["problems"]>>[number];

/** The latest scan and full rescan: what they are doing or how they ended, kept live. */
function ScanStatus(props: { latest: { label: string; job?: JobRow }[] }) {
  return (
    <ul
      id="scan-status"
      class="scan-status"
      aria-label="Scan status"
      hx-get="/admin/library/status"
      hx-trigger={liveTrigger(props.latest.some(({ job }) => job && isActive(job)))}
      hx-swap="outerSync"
    >
      {props.latest.map(({ label, job }) => (
        <li>
          <strong>{label}:</strong>{" "}
          {!job ? (
            "never run"
          ) : isActive(job) ? (
            <span>
              {job.state}
              {job.state === "started" &&
                ` — ${job.done}${job.total ? ` of ${job.total}` : ""} files (${Math.round(job.progress)}%)`}
            </span>
          ) : (
            <span>
              {job.state} <When ms={job.finishedAt ?? job.createdAt} />
              {job.error && (
                <>
                  {" — "}
                  <span safe>{job.error}</span>
                </>
              )}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

function FolderTable(props: { folders: FolderSummary[] }) {
  return (
    <table class="folders">
      <caption class="visually-hidden">Music folders</caption>
      <thead>
        <tr>
          <th scope="col">Folder</th>
          <th scope="col">Tracks</th>
          <th scope="col">Problems</th>
        </tr>
      </thead>
      <tbody>
        {props.folders.map((f) => (
          <tr>
            <td>
              <a
                class="folder-name"
                href={`/admin/library/folders/${f.id}`}
                aria-label={`Manage folder ${f.name}`}
                safe
              >
                {f.name}
              </a>
              {f.kind === "uploads" && <span class="muted"> (uploads)</span>}
              <br />
              <code class="path" safe>
                {f.path}
              </code>
            </td>
            <td class="num">{f.tracks}</td>
            <td class="num">
              {f.problems > 0 ? <a href="#problems-heading">{f.problems}</a> : "0"}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AddFolderForm(props: { csrf: string; form?: { path: string; name: string } }) {
  return (
    <section aria-labelledby="add-folder-heading" class="panel">
      <h2 id="add-folder-heading">Add a music folder</h2>
      <p class="muted">
        A folder on this server, given by its absolute path. A scan reads it once it is added.
      </p>
      <form method="post" action="/admin/library/folders">
        <Csrf token={props.csrf} />
        <label for="folder-path">Path</label>
        <input
          type="text"
          id="folder-path"
          name="path"
          required
          maxlength="4096"
          autocomplete="off"
          placeholder="/srv/music"
          value={props.form?.path ?? ""}
        />
        <label for="folder-name">Name (optional)</label>
        <input
          type="text"
          id="folder-name"
          name="name"
          maxlength="100"
          autocomplete="off"
          value={props.form?.name ?? ""}
        />
        <p>
          <button type="submit">Add folder</button>
        </p>
      </form>
    </section>
  );
}

function FolderView(props: {
  folder: FolderSummary;
  blocker?: string;
  csrf: string;
  ok?: string;
  error?: string;
}) {
  const f = props.folder;
  const base = `/admin/library/folders/${f.id}`;
  return (
    <AdminPage heading={`Folder ${f.name}`} tab="library">
      <p>
        <a href="/admin/library">← All music folders</a>
      </p>
      <Notice ok={props.ok} error={props.error} />
      <dl class="facts">
        <dt>Path</dt>
        <dd>
          <code class="path" safe>
            {f.path}
          </code>
        </dd>
        <dt>Tracks</dt>
        <dd>{String(f.tracks)}</dd>
        <dt>Unreadable files</dt>
        <dd>{String(f.problems)}</dd>
        <dt>Added</dt>
        <dd>
          <When ms={f.createdAt} />
        </dd>
      </dl>
      <section aria-labelledby="rename-heading" class="panel">
        <h2 id="rename-heading">Name</h2>
        <p class="muted">Subsonic apps show this name in their folder lists.</p>
        <form method="post" action={`${base}/name`} class="inline-form">
          <Csrf token={props.csrf} />
          <div>
            <label for="folder-new-name">Name</label>
            <input
              type="text"
              id="folder-new-name"
              name="name"
              required
              maxlength="100"
              value={f.name}
            />
          </div>
          <button type="submit">Rename</button>
        </form>
      </section>
      <section aria-labelledby="remove-heading" class="panel">
        <h2 id="remove-heading">Remove</h2>
        {props.blocker ? (
          <p safe>{props.blocker}</p>
        ) : (
          <p>
            <a href={`${base}/remove`} class="danger-link" safe>
              {`Remove ${f.name}…`}
            </a>
          </p>
        )}
      </section>
    </AdminPage>
  );
}

function RemoveFolderView(props: { folder: FolderSummary; csrf: string; error?: string }) {
  const f = props.folder;
  const base = `/admin/library/folders/${f.id}`;
  return (
    <ConfirmRemoval
      heading={`Remove ${f.name}?`}
      tab="library"
      action={`${base}/remove`}
      button={`Remove ${f.name}`}
      cancel={base}
      csrf={props.csrf}
      error={props.error}
    >
      {`Its ${f.tracks === 1 ? "1 track leaves" : `${f.tracks} tracks leave`} the library, with their stars, ratings, plays and places in playlists. The files stay on disk; adding the folder again reads them anew.`}
    </ConfirmRemoval>
  );
}

function ProblemList(props: { problems: Problem[]; total: number; page: number }) {
  const pages = Math.max(1, Math.ceil(props.total / PROBLEMS_PER_PAGE));
  return (
    <section aria-labelledby="problems-heading" class="panel">
      <h2 id="problems-heading">Files the scanner could not read</h2>
      {props.total === 0 ? (
        <p class="empty">None: every file was read.</p>
      ) : (
        <>
          <p class="muted">
            {`${props.total} file${props.total === 1 ? "" : "s"}`}
            {pages > 1 && `, page ${props.page} of ${pages}`}
            {". A file is tried again when it changes."}
          </p>
          <ul class="problems" aria-label="Scan problems">
            {props.problems.map((p) => (
              <li>
                <code class="path" safe>
                  {p.path}
                </code>
                <span class="muted">
                  <span safe>{p.folder}</span>
                  {" · "}
                  <span safe>{p.reason}</span>
                  {" · "}
                  <When ms={p.seenAt} />
                </span>
                <span safe>{p.message}</span>
              </li>
            ))}
          </ul>
          {pages > 1 && (
            <nav aria-label="Problem pages" class="pager">
              {props.page > 1 && <a href={`/admin/library?page=${props.page - 1}`}>Previous</a>}
              {props.page < pages && <a href={`/admin/library?page=${props.page + 1}`}>Next</a>}
            </nav>
          )}
        </>
      )}
    </section>
  );
}

/** Music folders: their tracks and unreadable files, and the scan buttons. */
export function adminLibraryRoutes(ctx: AppContext) {
  const latestScans = async () =>
    Promise.all(
      SCAN_JOBS.map(async ({ name, label }) => ({
        label,
        job: (await ctx.jobs.list({ name, limit: 1 })).items[0],
      })),
    );

  /** A folder by its id in the path, with its counts; 404 when there is none. */
  const summary = async (raw: string | undefined): Promise<FolderSummary> => {
    const id = idParam(raw, "music folder");
    const folder = (await folderSummaries(ctx.database)).find((f) => f.id === id);
    if (!folder) throw new DomainError("not_found", "no such music folder");
    return folder;
  };

  const folderPage = (
    session: ActiveSession,
    folder: FolderSummary,
    extra: { ok?: string; error?: string },
  ) => (
    <Layout
      title={`Folder ${folder.name}`}
      user={session.user}
      csrfToken={session.csrfToken}
      section="admin"
    >
      <FolderView
        folder={folder}
        blocker={ctx.library.removalBlocker(folder)}
        csrf={session.csrfToken}
        {...extra}
      />
    </Layout>
  );

  const removePage = (session: ActiveSession, folder: FolderSummary, error?: string) => (
    <Layout
      title={`Remove ${folder.name}`}
      user={session.user}
      csrfToken={session.csrfToken}
      section="admin"
    >
      <RemoveFolderView folder={folder} csrf={session.csrfToken} error={error} />
    </Layout>
  );

  const page = async (
    session: ActiveSession,
    url: URL,
    extra: { error?: string; form?: { path: string; name: string } } = {},
  ) => {
    const raw = url.searchParams.get("page") ?? "1";
    const pageNo = /^\d{1,6}$/.test(raw) && Number(raw) > 0 ? Number(raw) : 1;
    const [folders, problems, latest] = await Promise.all([
      folderSummaries(ctx.database),
      ctx.library.problems(PROBLEMS_PER_PAGE, (pageNo - 1) * PROBLEMS_PER_PAGE),
      latestScans(),
    ]);
    const total = folders.reduce((n, f) => n + f.problems, 0);
    const ok = doneNotice(url, DONE);
    return (
      <Layout
        title="Music folders"
        user={session.user}
        csrfToken={session.csrfToken}
        section="admin"
      >
        <AdminPage heading="Music folders" tab="library">
          <Notice ok={ok} error={extra.error} />
          <FolderTable folders={folders} />
          <AddFolderForm csrf={session.csrfToken} form={extra.form} />
          <section aria-labelledby="scan-heading" class="panel">
            <h2 id="scan-heading">Scanning</h2>
            <ScanStatus latest={latest} />
            <p class="muted">
              A scan reads new and changed files; a full rescan reads every file again (slower).
              Follow them on the <a href="/jobs">Jobs page</a>.
            </p>
            <div class="button-row">
              <form method="post" action="/admin/library/scan">
                <Csrf token={session.csrfToken} />
                <button type="submit">Scan now</button>
              </form>
              <form method="post" action="/admin/library/scan">
                <Csrf token={session.csrfToken} />
                <input type="hidden" name="full" value="1" />
                <button type="submit" class="secondary">
                  Full rescan
                </button>
              </form>
            </div>
          </section>
          <ProblemList problems={problems} total={total} page={pageNo} />
        </AdminPage>
      </Layout>
    );
  };

  return (
    new Elysia({ name: "web-admin-library" })
      .get("/admin/library", ({ request }) =>
        guarded(ctx, { request }, ({ session, url }) => page(session, url), ADMIN),
      )
      .get("/admin/library/status", ({ request }) =>
        guarded(ctx, { request }, async () => <ScanStatus latest={await latestScans()} />, ADMIN),
      )
      .post("/admin/library/scan", ({ request, body }) =>
        guarded(
          ctx,
          { request, body },
          async () => {
            const full = field(body, "full") === "1";
            await startScan(ctx, full);
            return redirect(`/admin/library?done=${full ? "rescan" : "scan"}`);
          },
          ADMIN,
        ),
      )
      .post("/admin/library/folders", ({ request, body }) =>
        guarded(
          ctx,
          { request, body },
          async ({ session, url }) => {
            const form = { path: field(body, "path"), name: field(body, "name") };
            const r = await attempt(() => ctx.library.addFolder(form));
            if (!r.ok) {
              const answer = await page(session, url, { error: r.error, form });
              return pageAnswer(answer, r.status, "/admin/library");
            }
            await startScan(ctx, false);
            return redirect(`/admin/library?done=added&name=${encodeURIComponent(r.value.name)}`);
          },
          ADMIN,
        ),
      )
      .get("/admin/library/folders/:id", ({ request, params }) =>
        guarded(
          ctx,
          { request },
          async ({ session, url }) => {
            const folder = await summary(params.id);
            return folderPage(session, folder, { ok: doneNotice(url, DONE) });
          },
          ADMIN,
        ),
      )
      .post("/admin/library/folders/:id/name", ({ request, body, params }) =>
        guarded(
          ctx,
          { request, body },
          async ({ session }) => {
            const folder = await summary(params.id);
            const r = await attempt(() => ctx.library.renameFolder(folder.id, field(body, "name")));
            if (!r.ok) {
              const answer = await folderPage(session, folder, { error: r.error });
              return pageAnswer(answer, r.status, `/admin/library/folders/${folder.id}`);
            }
            return redirect(`/admin/library/folders/${folder.id}?done=renamed`);
          },
          ADMIN,
        ),
      )
      .get("/admin/library/folders/:id/remove", ({ request, params }) =>
        guarded(
          ctx,
          { request },
          async ({ session }) => {
            const folder = await summary(params.id);
            if (ctx.library.removalBlocker(folder)) {
              return redirect(`/admin/library/folders/${folder.id}`);
            }
            return removePage(session, folder);
          },
          ADMIN,
        ),
      )
      .post("/admin/library/folders/:id/remove", ({ request, body, params }) =>
        guarded(
          ctx,
          { request, body },
          async ({ session }) => {
            const folder = await summary(params.id);
            const r = await attempt(() => ctx.library.removeFolder(folder.id, ctx.edge.lock));
            if (!r.ok) {
              const answer = await removePage(session, folder, r.error);
              return pageAnswer(answer, r.status, `/admin/library/folders/${folder.id}/remove`);
            }
            return redirect(`/admin/library?done=removed&name=${encodeURIComponent(folder.name)}`);
          },
          ADMIN,
        ),
      )
      // Without JavaScript, a form answered in place leaves its POST address in the address bar;
      // reloading it asks for the page rather than a 404.
      .get("/admin/library/folders", ({ request }) =>
        guarded(ctx, { request }, () => redirect("/admin/library"), ADMIN),
      )
      .get("/admin/library/folders/:id/name", ({ request, params }) =>
        guarded(ctx, { request }, () => redirect(`/admin/library/folders/${params.id}`), ADMIN),
      )
      .get("/admin/library/scan", ({ request }) =>
        guarded(ctx, { request }, () => redirect("/admin/library"), ADMIN),
      )
  );
}
