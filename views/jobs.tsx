import type { JobState } from "../db/schema.ts";
import { isActive, type JobRow } from "../jobs/types.ts";
import type { AlbumView } from "../library/queries.ts";

const RETRYABLE: JobState[] = ["failed", "canceled"];

/** A job's short handle for people: its name and the first characters of its id. */
export function jobLabel(job: Pick<JobRow, "id" | "name">): string {
  return `${job.name} ${job.id.replace(/^job_/, "").slice(0, 8)}`;
}

export const canCancel = (job: JobRow) => isActive(job) && !job.cancelRequested;

/**
 * The hx-trigger of a part that follows jobs live: it refreshes on SSE `job` events (matching
 * `filter` when given), and while something it shows is active it also polls, so an event lost
 * to a reconnect or to a swap in flight never leaves it showing a state long gone.
 */
export function liveTrigger(active: boolean, filter?: string): string {
  const event = filter ? `job[${filter}]` : "job";
  return `${event} from:body throttle:500ms${active ? ", every 2s" : ""}`;
}
export const canRetry = (job: JobRow) => RETRYABLE.includes(job.state);

/** UTC wall-clock time of an epoch-ms instant, in a `<time>`. */
export function Time(props: { at: number | null | undefined }) {
  if (!props.at) return <span class="muted">—</span>;
  const iso = new Date(props.at).toISOString();
  return <time datetime={iso}>{`${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`}</time>;
}

/** `1.2 s`, `3 min 4 s`, `2 h 5 min`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function JobStateBadge(props: { job: JobRow }) {
  const { job } = props;
  const text = job.cancelRequested && job.state === "started" ? "canceling" : job.state;
  return <span class={`job-state state-${job.state}`}>{text}</span>;
}

/**
 * A job's progress as a `<progress>` named after the job. Without a known amount of work a
 * running job shows an indeterminate bar.
 */
export function JobProgress(props: { job: JobRow; label?: string }) {
  const { job } = props;
  const label = props.label ?? `Progress of ${jobLabel(job)}`;
  const known = job.state === "finished" || job.total != null || job.progress > 0;
  const value = job.state === "finished" ? 100 : Math.round(job.progress * 10) / 10;
  return (
    <span class="job-progress">
      {known || job.state !== "started" ? (
        <progress max="100" value={String(value)} aria-label={label}></progress>
      ) : (
        <progress max="100" aria-label={label}></progress>
      )}
      <span class="job-count">
        {job.total != null
          ? `${job.done.toLocaleString("en")} / ${job.total.toLocaleString("en")}`
          : `${Math.round(value)} %`}
      </span>
    </span>
  );
}

/** Admin buttons for a job: "Cancel NAME" while it is active, "Retry NAME" once it failed or was canceled. */
export function JobActions(props: { job: JobRow; csrfToken: string; back: string }) {
  const { job, csrfToken, back } = props;
  const label = jobLabel(job);
  const button = (action: "cancel" | "retry", text: string) => (
    <form method="post" action={`/jobs/${job.id}/${action}`} class="job-action">
      <input type="hidden" name="_csrf" value={csrfToken} />
      <input type="hidden" name="back" value={back} />
      <button
        type="submit"
        class={action === "cancel" ? "secondary" : ""}
        aria-label={`${text} ${label}`}
      >
        {text}
      </button>
    </form>
  );
  return (
    <span class="job-actions">
      {canCancel(job) && button("cancel", "Cancel")}
      {canRetry(job) && button("retry", "Retry")}
    </span>
  );
}

/**
 * One row of the job list. Its id lets the live refresh (a morph) match the row to its new self
 * when newer jobs push it down, instead of rebuilding it under the pointer.
 */
export function JobItem(props: { job: JobRow; admin: boolean; csrfToken: string; back: string }) {
  const { job } = props;
  const label = jobLabel(job);
  return (
    <li class="job" id={`row-${job.id}`}>
      <a class="job-name" href={`/jobs/${job.id}`} safe>
        {label}
      </a>
      <JobStateBadge job={job} />
      <JobProgress job={job} />
      <span class="job-time">
        <Time at={job.startedAt ?? job.createdAt} />
        {job.finishedAt && job.startedAt ? ` · ${duration(job.finishedAt - job.startedAt)}` : ""}
      </span>
      {job.error && (
        <span class="job-error" safe>
          {job.error}
        </span>
      )}
      {props.admin && <JobActions job={job} csrfToken={props.csrfToken} back={props.back} />}
    </li>
  );
}

/**
 * The live status of one import: it refreshes its content on this job's SSE `job` events (htmx's
 * hx-sse dispatches them on #events, bubbling to body) and once at load (for a change the stream
 * missed), then names the album the file landed on. The element stays; only its content is
 * swapped, so an event throttled while a request is out is not lost.
 */
export function ImportStatus(props: { job: JobRow; file: string; album?: AlbumView }) {
  const { job } = props;
  return (
    <span
      class="import-status"
      role="status"
      hx-get={`/upload/imports/${job.id}`}
      hx-trigger={`load delay:300ms, job[detail.data.includes('${job.id}')] from:body throttle:250ms`}
      hx-swap="innerHTML"
    >
      <ImportStatusBody {...props} />
    </span>
  );
}

export function ImportStatusBody(props: { job: JobRow; file: string; album?: AlbumView }) {
  const { job, file, album } = props;
  return (
    <>
      {job.state === "finished" ? (
        album ? (
          <>
            {"Import finished: "}
            <a href={`/albums/${album.id}`} safe>
              {album.name}
            </a>
            <span safe>{` by ${album.artist}`}</span>
          </>
        ) : (
          "Import finished"
        )
      ) : job.state === "failed" ? (
        <span safe>{`Import failed: ${job.error ?? "unknown error"}`}</span>
      ) : (
        <>
          <span class={`job-state state-${job.state}`}>{`Import ${job.state}`}</span>
          <JobProgress job={job} label={`Importing ${file}`} />
        </>
      )}{" "}
      <a class="job-link" href={`/jobs/${job.id}`} aria-label={`Import job of ${file}`}>
        job
      </a>
    </>
  );
}
