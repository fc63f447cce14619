import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { type JobState, jobStates } from "../../db/schema.ts";
import type { JobRow } from "../../jobs/types.ts";
import { ApiError, api, apiUser, intParam } from "./guard.ts";

/** The public shape of a job: JSON columns parsed, nothing internal. */
export function jobView(job: JobRow) {
  return {
    id: job.id,
    name: job.name,
    state: job.state,
    payload: JSON.parse(job.payload),
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    progress: job.progress,
    done: job.done,
    total: job.total,
    result: job.result ? JSON.parse(job.result) : null,
    error: job.error,
    cancelRequested: job.cancelRequested,
    createdAt: job.createdAt,
    runAt: job.runAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
  };
}

/** /api/v1/jobs: list, inspect (with log), cancel and retry (admins). */
export function jobApiRoutes(ctx: AppContext) {
  return new Elysia({ name: "api-jobs" })
    .get("/api/v1/jobs", ({ request }) =>
      api(async () => {
        await apiUser(ctx, request);
        const q = new URL(request.url).searchParams;
        const state = q.get("state") || undefined;
        if (state && !jobStates.includes(state as JobState)) {
          throw new ApiError(400, "invalid", `state must be one of ${jobStates.join(", ")}`);
        }
        const { items, total } = await ctx.jobs.list({
          state: state as JobState | undefined,
          name: q.get("name") || undefined,
          limit: intParam(q.get("limit"), "limit", 1, 500, 50),
          offset: intParam(q.get("offset"), "offset", 0, 1_000_000_000, 0),
        });
        return { items: items.map(jobView), total };
      }),
    )
    .get("/api/v1/jobs/:id", ({ request, params }) =>
      api(async () => {
        await apiUser(ctx, request);
        const job = await ctx.jobs.get(params.id);
        if (!job) throw new ApiError(404, "not_found", "no such job");
        return { ...jobView(job), log: await ctx.jobs.logs(job.id) };
      }),
    )
    .post("/api/v1/jobs/:id/cancel", ({ request, params }) =>
      api(async () => {
        await apiUser(ctx, request, "admin");
        return jobView(await ctx.jobs.cancel(params.id));
      }),
    )
    .post("/api/v1/jobs/:id/retry", ({ request, params }) =>
      api(async () => {
        await apiUser(ctx, request, "admin");
        return jobView(await ctx.jobs.retry(params.id));
      }),
    );
}
