import { Elysia } from "elysia";
import type { ActiveSession } from "../../auth/sessions.ts";
import type { AppContext } from "../../context.ts";
import { startScan } from "../../jobs/registry.ts";
import type { JobRow } from "../../jobs/types.ts";
import { type FolderSummary, folderSummaries } from "../../library/folders.ts";
import { Csrf, Notice, When } from "../../views/account.tsx";
import { AdminPage } from "../../views/admin.tsx";
import { isActive, liveTrigger } from "../../views/jobs.tsx";
import { Layout } from "../../views/layout.tsx";
import { field, guarded } from "./page.ts";
import { redirect } from "./session.ts";

const ADMIN = { admin: true };
const PROBLEMS_PER_PAGE = 100;
const SCAN_JOBS = [
  { name: "scan", label: "Scan" },
  { name: "refresh-metadata", label: "Full rescan" },
] as const;

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
              <span class="folder-name" safe>
                {f.name}
              </span>
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

  const page = async (session: ActiveSession, url: URL) => {
    const raw = url.searchParams.get("page") ?? "1";
    const pageNo = /^\d{1,6}$/.test(raw) && Number(raw) > 0 ? Number(raw) : 1;
    const [folders, problems, latest] = await Promise.all([
      folderSummaries(ctx.database),
      ctx.library.problems(PROBLEMS_PER_PAGE, (pageNo - 1) * PROBLEMS_PER_PAGE),
      latestScans(),
    ]);
    const total = folders.reduce((n, f) => n + f.problems, 0);
    const done = url.searchParams.get("done");
    const ok =
      done === "scan"
        ? "Scan queued: new and changed files will be read."
        : done === "rescan"
          ? "Full rescan queued: every file will be read again."
          : undefined;
    return (
      <Layout
        title="Music folders"
        user={session.user}
        csrfToken={session.csrfToken}
        section="admin"
      >
        <AdminPage heading="Music folders" tab="library">
          <Notice ok={ok} />
          <FolderTable folders={folders} />
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

  return new Elysia({ name: "web-admin-library" })
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
    .get("/admin/library/scan", ({ request }) =>
      guarded(ctx, { request }, () => redirect("/admin/library"), ADMIN),
    );
}
