import { Elysia } from "elysia";
import type { ActiveSession } from "../../auth/sessions.ts";
import type { AppContext } from "../../context.ts";
import { type JobState, jobStates } from "../../db/schema.ts";
import { DomainError } from "../../errors.ts";
import { jobCounts, jobNames } from "../../jobs/monitor.ts";
import { startScan } from "../../jobs/registry.ts";
import { isActive, type JobRow } from "../../jobs/types.ts";
import { albumOfImport } from "../../library/imports.ts";
import {
  canCancel,
  canRetry,
  duration,
  JobActions,
  JobItem,
  JobProgress,
  JobStateBadge,
  jobLabel,
  liveTrigger,
  Time,
} from "../../views/jobs.tsx";
import { Layout } from "../../views/layout.tsx";
import { field, guarded, html } from "./page.ts";
import { redirect } from "./session.ts";

const PAGE_SIZE = 25;
const JOB_ID = /^job_[0-9a-f-]{36}$/;
/** Where an admin action may send the browser back to: a jobs page, nothing else. */
const BACK = /^\/jobs(\/job_[0-9a-f-]{36})?(\?[\w=&%.+-]*)?$/;

interface ListQuery {
  state?: JobState;
  name?: string;
  page: number;
}

function listQuery(url: URL): ListQuery {
  const state = url.searchParams.get("state") || undefined;
  if (state && !jobStates.includes(state as JobState)) {
    throw new DomainError("invalid", `state must be one of ${jobStates.join(", ")}`);
  }
  const name = url.searchParams.get("name") || undefined;
  if (name && (name.length > 64 || !/^[\w-]+$/.test(name))) {
    throw new DomainError("invalid", "no such job name");
  }
  const rawPage = url.searchParams.get("page") || "1";
  const page = Number(rawPage);
  if (!Number.isInteger(page) || page < 1 || page > 1_000_000) {
    throw new DomainError("invalid", "page must be a positive integer");
  }
  return { state: state as JobState | undefined, name, page };
}

function listUrl(q: { state?: string; name?: string; page?: number }): string {
  const p = new URLSearchParams();
  if (q.state) p.set("state", q.state);
  if (q.name) p.set("name", q.name);
  if (q.page && q.page > 1) p.set("page", String(q.page));
  const s = p.toString();
  return s ? `/jobs?${s}` : "/jobs";
}

async function jobOf(ctx: AppContext, raw: string): Promise<JobRow> {
  const job = JOB_ID.test(raw) ? await ctx.jobs.get(raw) : undefined;
  if (!job) throw new DomainError("not_found", "no such job");
  return job;
}

function ScanButtons(props: { csrfToken: string }) {
  return (
    <form method="post" action="/jobs/actions/scan" class="scan-actions">
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      <button type="submit" name="full" value="0">
        Start scan
      </button>
      <button type="submit" name="full" value="1" class="secondary">
        Start full scan
      </button>
    </form>
  );
}

async function listPage(ctx: AppContext, session: ActiveSession, url: URL): Promise<string> {
  const q = listQuery(url);
  const admin = session.user.role === "admin";
  const [counts, names, list] = await Promise.all([
    jobCounts(ctx.database),
    jobNames(ctx.database),
    ctx.jobs.list({
      state: q.state,
      name: q.name,
      limit: PAGE_SIZE,
      offset: (q.page - 1) * PAGE_SIZE,
    }),
  ]);
  const self = listUrl(q);
  const first = list.total === 0 ? 0 : (q.page - 1) * PAGE_SIZE + 1;
  const last = Math.min(list.total, q.page * PAGE_SIZE);
  const pages = Math.max(1, Math.ceil(list.total / PAGE_SIZE));
  const nameOptions = q.name && !names.includes(q.name) ? [...names, q.name] : names;
  return (
    <Layout title="Jobs" user={session.user} csrfToken={session.csrfToken} section="jobs">
      <h1>Jobs</h1>
      {admin && <ScanButtons csrfToken={session.csrfToken} />}
      <form class="job-filter" method="get" action="/jobs" aria-label="Filter jobs">
        <span class="field">
          <label for="job-state">State</label>
          <select id="job-state" name="state">
            <option value="">All states</option>
            {jobStates.map((s) => (
              <option value={s} selected={s === q.state}>
                {s}
              </option>
            ))}
          </select>
        </span>
        <span class="field">
          <label for="job-name">Name</label>
          <select id="job-name" name="name">
            <option value="">All names</option>
            {nameOptions.map((n) => (
              <option value={n} selected={n === q.name} safe>
                {n}
              </option>
            ))}
          </select>
        </span>
        <button type="submit">Filter</button>
      </form>
      <section
        id="jobs-live"
        aria-label="Job monitor"
        hx-get={self}
        hx-select="#jobs-live"
        hx-trigger={liveTrigger(list.items.some(isActive))}
        hx-swap="outerMorph"
      >
        <ul class="job-counts" aria-label="Jobs by state">
          {jobStates.map((s) => (
            <li class={`state-${s}`}>
              <a
                href={listUrl({ state: s, name: q.name })}
                aria-current={s === q.state ? "true" : undefined}
              >
                <span class="count-state">{s}</span> <strong>{String(counts[s])}</strong>
              </a>
            </li>
          ))}
        </ul>
        <p class="job-summary" role="status">
          {list.total === 0 ? "No jobs." : `Jobs ${first}–${last} of ${list.total}`}
        </p>
        <ol class="job-list" aria-label="Jobs">
          {list.items.map((job) => (
            <JobItem job={job} admin={admin} csrfToken={session.csrfToken} back={self} />
          ))}
        </ol>
        {pages > 1 && (
          <nav class="pager" aria-label="Pages">
            {q.page > 1 ? (
              <a href={listUrl({ ...q, page: q.page - 1 })} rel="prev">
                Newer jobs
              </a>
            ) : (
              ""
            )}
            <span>{`Page ${q.page} of ${pages}`}</span>
            {q.page < pages ? (
              <a href={listUrl({ ...q, page: q.page + 1 })} rel="next">
                Older jobs
              </a>
            ) : (
              ""
            )}
          </nav>
        )}
      </section>
    </Layout>
  );
}

function pretty(json: string | null): string {
  if (json === null) return "";
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

async function jobPage(
  ctx: AppContext,
  session: ActiveSession,
  job: JobRow,
  notice?: string,
): Promise<string> {
  const admin = session.user.role === "admin";
  const log = await ctx.jobs.logs(job.id);
  const label = jobLabel(job);
  const self = `/jobs/${job.id}`;
  const ran = job.startedAt ? (job.finishedAt ?? Date.now()) - job.startedAt : undefined;
  // A finished import names the album its file landed on (the page a no-JS upload links to).
  const album =
    job.name === "import" && job.state === "finished"
      ? await albumOfImport(ctx.database, job.payload)
      : undefined;
  return (
    <Layout title={label} user={session.user} csrfToken={session.csrfToken} section="jobs">
      <p class="crumbs">
        <a href="/jobs">All jobs</a>
      </p>
      <h1 safe>{label}</h1>
      {notice && (
        <p class="error" role="alert" safe>
          {notice}
        </p>
      )}
      <section
        id="job-live"
        aria-label="Job details"
        hx-get={self}
        hx-select="#job-live"
        hx-trigger={liveTrigger(isActive(job), `detail.data.includes('${job.id}')`)}
        hx-swap="outerMorph"
      >
        <dl class="job-facts">
          <dt>State</dt>
          <dd>
            <JobStateBadge job={job} />
          </dd>
          <dt>Progress</dt>
          <dd>
            <JobProgress job={job} />
          </dd>
          <dt>Attempts</dt>
          <dd>{`${job.attempts} of ${job.maxAttempts}`}</dd>
          <dt>Created</dt>
          <dd>
            <Time at={job.createdAt} />
          </dd>
          {job.runAt && job.state === "scheduled" ? (
            <>
              <dt>Runs at</dt>
              <dd>
                <Time at={job.runAt} />
              </dd>
            </>
          ) : (
            ""
          )}
          <dt>Started</dt>
          <dd>
            <Time at={job.startedAt} />
          </dd>
          <dt>Finished</dt>
          <dd>
            <Time at={job.finishedAt} />
          </dd>
          <dt>{job.finishedAt ? "Took" : "Running for"}</dt>
          <dd>{ran === undefined ? "—" : duration(ran)}</dd>
          <dt>Id</dt>
          <dd>
            <code>{job.id}</code>
          </dd>
          {album && (
            <>
              <dt>Album</dt>
              <dd>
                <a href={`/albums/${album.id}`} safe>
                  {album.name}
                </a>
              </dd>
            </>
          )}
        </dl>
        {admin && (canCancel(job) || canRetry(job)) && (
          <JobActions job={job} csrfToken={session.csrfToken} back={self} />
        )}
        {job.error && (
          <>
            <h2>Error</h2>
            <pre class="job-error" safe>
              {job.error}
            </pre>
          </>
        )}
        <h2>Payload</h2>
        <pre class="job-json" safe>
          {pretty(job.payload)}
        </pre>
        {job.result !== null && (
          <>
            <h2>Result</h2>
            <pre class="job-json" safe>
              {pretty(job.result)}
            </pre>
          </>
        )}
        <h2>Log</h2>
        {log.length === 0 ? (
          <p class="empty">Nothing logged yet.</p>
        ) : (
          <ol class="job-log" aria-label="Log">
            {log.map((line) => (
              <li class={`level-${line.level}`}>
                <Time at={line.at} /> <span class="level">{line.level}</span>{" "}
                <span class="message" safe>
                  {line.message}
                </span>
              </li>
            ))}
          </ol>
        )}
      </section>
    </Layout>
  );
}

/** Back to the page the admin acted from (a jobs page), or to the list. */
function back(body: unknown, fallback: string): Response {
  const to = field(body, "back");
  return redirect(BACK.test(to) ? to : fallback);
}

/**
 * /jobs: the job monitor (counts per state, a filtered, paged list that moves with the jobs),
 * /jobs/:id (one job with its log, live while it runs), and admin actions: cancel, retry,
 * start a scan. Job callbacks from the queue are POST /jobs/:name (routes/jobs.ts) — these
 * routes never share that shape.
 */
export function jobPageRoutes(ctx: AppContext) {
  const act = async (
    input: { request: Request; body: unknown },
    id: string,
    action: "cancel" | "retry",
  ) =>
    guarded(
      ctx,
      input,
      async ({ session, body }) => {
        const job = await jobOf(ctx, id);
        try {
          await (action === "cancel" ? ctx.jobs.cancel(job.id) : ctx.jobs.retry(job.id));
        } catch (err) {
          // Moved on meanwhile (finished before the cancel arrived): show where it is now.
          if (err instanceof DomainError && err.kind === "conflict") {
            const fresh = (await ctx.jobs.get(job.id)) ?? job;
            return html(
              await jobPage(ctx, session, fresh, `Could not ${action}: ${err.message}.`),
              409,
            );
          }
          throw err;
        }
        return back(body, `/jobs/${job.id}`);
      },
      { admin: true },
    );

  return (
    new Elysia({ name: "web-jobs" })
      .get("/jobs", ({ request }) =>
        guarded(ctx, { request }, ({ session, url }) => listPage(ctx, session, url)),
      )
      .get("/jobs/:id", ({ request, params }) =>
        guarded(ctx, { request }, async ({ session }) =>
          jobPage(ctx, session, await jobOf(ctx, params.id)),
        ),
      )
      // `:name`, not `:id`: the router needs the parameter named as in POST /jobs/:name.
      .post("/jobs/:name/cancel", ({ request, body, params }) =>
        act({ request, body }, params.name, "cancel"),
      )
      .post("/jobs/:name/retry", ({ request, body, params }) =>
        act({ request, body }, params.name, "retry"),
      )
      .post("/jobs/actions/scan", ({ request, body }) =>
        guarded(
          ctx,
          { request, body },
          async ({ body }) => {
            const full = field(body, "full") === "1";
            await startScan(ctx, full);
            return redirect("/jobs");
          },
          { admin: true },
        ),
      )
  );
}
