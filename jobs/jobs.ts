import { and, count, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { sha256Hex } from "../auth/tokens.ts";
import type { Database } from "../db/client.ts";
import { type JobState, jobLogs, jobs } from "../db/schema.ts";
import type { PubSub } from "../edge/types.ts";
import { DomainError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { JobQueue } from "./queue.ts";
import {
  ACTIVE_STATES,
  type JobContext,
  type JobHandler,
  type JobOutcome,
  type JobRow,
} from "./types.ts";

const TERMINAL: JobState[] = ["finished", "failed", "canceled"];
const LOG_LIMIT = 500;
const DEFAULT_BUDGET_MS = 10_000;

export interface Delivery {
  messageId?: string;
  /** How many times this message was delivered before (Upstash-Retried). */
  retried: number;
}

/** What the job route answers: 2xx done, 5xx retry, 489 give up. */
export type DeliveryResult = { status: 200 | 489 | 500; message: string };

export interface EnqueueOptions {
  delaySeconds?: number;
  /** While a job with this id is active, enqueueing again returns it. */
  dedupId?: string;
}

/** The job registry and state machine; the route only verifies and calls `deliver`. */
export class Jobs {
  private readonly handlers = new Map<string, JobHandler>();

  constructor(
    private readonly database: Database,
    private readonly queue: JobQueue,
    private readonly pubsub: PubSub,
    private readonly log: Logger,
    /** A delivery's time limit: chunks must end well inside it. */
    private readonly deliveryTimeoutMs = 60_000,
  ) {}

  register<P, C>(handler: JobHandler<P, C>): void {
    this.handlers.set(handler.name, handler as unknown as JobHandler);
  }

  has(name: string): boolean {
    return this.handlers.has(name);
  }

  private get db() {
    return this.database.db;
  }

  async enqueue(
    name: string,
    payload: unknown = {},
    options: EnqueueOptions = {},
  ): Promise<JobRow> {
    const handler = this.handlers.get(name);
    if (!handler) throw new DomainError("invalid", `unknown job "${name}"`);
    if (options.dedupId || handler.exclusive) {
      const existing = await this.db.query.jobs.findFirst({
        where: and(
          options.dedupId ? eq(jobs.dedupId, options.dedupId) : eq(jobs.name, name),
          inArray(jobs.state, ACTIVE_STATES),
        ),
      });
      if (existing) return existing;
    }
    const delay = options.delaySeconds ?? 0;
    const [job] = await this.database.write(async (db) => {
      // A dedup id binds only while its job is active: free it from finished ones.
      if (options.dedupId) {
        await db
          .update(jobs)
          .set({ dedupId: null })
          .where(and(eq(jobs.dedupId, options.dedupId), inArray(jobs.state, TERMINAL)));
      }
      return db
        .insert(jobs)
        .values({
          id: `job_${crypto.randomUUID()}`,
          name,
          payload: JSON.stringify(payload),
          state: delay > 0 ? "scheduled" : "queued",
          maxAttempts: handler.maxAttempts ?? 3,
          dedupId: options.dedupId,
          runAt: Date.now() + delay * 1000,
        })
        .onConflictDoNothing()
        .returning();
    });
    if (!job) {
      // Lost a race on the dedup id: the winner is the job.
      const winner = await this.db.query.jobs.findFirst({
        where: eq(jobs.dedupId, options.dedupId ?? ""),
      });
      if (winner) return winner;
      throw new Error("job insert returned nothing");
    }
    await this.queue.publish(
      name,
      { jobId: job.id },
      {
        delaySeconds: delay,
        retries: job.maxAttempts - 1,
        deduplicationId: `${job.id}:start`,
      },
    );
    await this.emit(job);
    return job;
  }

  /** Runs one delivery of a job message (one chunk of the job). */
  async deliver(name: string, rawBody: string, delivery: Delivery): Promise<DeliveryResult> {
    const handler = this.handlers.get(name);
    if (!handler) return { status: 489, message: `unknown job "${name}"` };
    let body: { jobId?: unknown };
    try {
      body = JSON.parse(rawBody || "{}");
    } catch {
      return { status: 489, message: "body is not JSON" };
    }
    const job =
      typeof body.jobId === "string"
        ? await this.get(body.jobId)
        : await this.adopt(name, body, delivery);
    if (job === "joined") return { status: 200, message: `joined the active ${name} job` };
    if (!job || job.name !== name) return { status: 489, message: "no such job" };
    if (TERMINAL.includes(job.state)) return { status: 200, message: `already ${job.state}` };
    if (job.cancelRequested) {
      await this.transition(job, { state: "canceled", finishedAt: Date.now() });
      return { status: 200, message: "canceled" };
    }

    const started = await this.transition(job, {
      state: "started",
      attempts: job.attempts + 1,
      startedAt: job.startedAt ?? Date.now(),
      error: null,
    });
    let outcome: JobOutcome;
    try {
      outcome = await handler.run(this.context(started, handler));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await this.appendLog(job.id, "error", message);
      if (delivery.retried + 1 >= job.maxAttempts) {
        await this.fail(job.id, message);
        return { status: 489, message };
      }
      await this.transition(started, { state: "queued", error: message });
      return { status: 500, message };
    }

    const fresh = (await this.get(job.id)) ?? started;
    if ("deferred" in outcome) return this.defer(fresh, outcome.deferred, outcome.delaySeconds);
    if (outcome.done) {
      await this.transition(fresh, {
        state: "finished",
        progress: 100,
        result: JSON.stringify(outcome.result ?? null),
        finishedAt: Date.now(),
      });
      return { status: 200, message: "finished" };
    }
    if (fresh.cancelRequested) {
      await this.transition(fresh, { state: "canceled", finishedAt: Date.now() });
      return { status: 200, message: "canceled" };
    }
    const cursor = JSON.stringify(outcome.cursor);
    await this.transition(fresh, { cursor, attempts: 0 });
    await this.queue.publish(
      name,
      { jobId: job.id },
      {
        retries: job.maxAttempts - 1,
        deduplicationId: `${job.id}:${sha256Hex(cursor)}`,
      },
    );
    return { status: 200, message: "continued" };
  }

  /** The job waits for a resource: a delayed message of its own brings it back, attempt unspent. */
  private async defer(job: JobRow, reason: string, delaySeconds = 2): Promise<DeliveryResult> {
    if (job.cancelRequested) {
      await this.transition(job, { state: "canceled", finishedAt: Date.now() });
      return { status: 200, message: "canceled" };
    }
    await this.appendLog(job.id, "info", `deferred ${delaySeconds} s: ${reason}`);
    await this.transition(job, { state: "deferred", attempts: Math.max(0, job.attempts - 1) });
    await this.queue.publish(
      job.name,
      { jobId: job.id },
      {
        delaySeconds,
        retries: job.maxAttempts - 1,
        deduplicationId: `${job.id}:deferred:${Date.now()}`,
      },
    );
    return { status: 200, message: `deferred: ${reason}` };
  }

  /** A delivery without a job id (a schedule firing) becomes a job of its own. */
  private async adopt(name: string, body: unknown, delivery: Delivery): Promise<JobRow | "joined"> {
    const dedupId = delivery.messageId ? `delivery:${delivery.messageId}` : undefined;
    if (dedupId) {
      const seen = await this.db.query.jobs.findFirst({ where: eq(jobs.dedupId, dedupId) });
      if (seen) return seen;
    }
    const handler = this.handlers.get(name);
    if (handler?.exclusive) {
      const active = await this.db.query.jobs.findFirst({
        where: and(eq(jobs.name, name), inArray(jobs.state, ACTIVE_STATES)),
      });
      // Joining: the active job's own messages drive it; this delivery adds nothing.
      if (active) return "joined";
    }
    const [job] = await this.database.write((db) =>
      db
        .insert(jobs)
        .values({
          id: `job_${crypto.randomUUID()}`,
          name,
          payload: JSON.stringify(body ?? {}),
          maxAttempts: handler?.maxAttempts ?? 3,
          dedupId,
        })
        .returning(),
    );
    if (!job) throw new Error("job insert returned nothing");
    return job;
  }

  private context(job: JobRow, handler: JobHandler): JobContext {
    return {
      job,
      payload: JSON.parse(job.payload),
      cursor: job.cursor ? JSON.parse(job.cursor) : undefined,
      deadline:
        Date.now() + Math.min(handler.budgetMs ?? DEFAULT_BUDGET_MS, this.deliveryTimeoutMs / 3),
      log: (message, level = "info") => this.appendLog(job.id, level, message),
      progress: async (done, total) => {
        const progress = total ? Math.min(100, (done / total) * 100) : 0;
        const [row] = await this.database.write((db) =>
          db
            .update(jobs)
            .set({ done, total: total ?? null, progress })
            .where(eq(jobs.id, job.id))
            .returning(),
        );
        if (row) await this.emit(row);
      },
      cancelRequested: async () => (await this.get(job.id))?.cancelRequested ?? false,
    };
  }

  async cancel(id: string): Promise<JobRow> {
    const job = await this.require(id);
    if (TERMINAL.includes(job.state)) {
      throw new DomainError("conflict", `job is already ${job.state}`);
    }
    if (job.state === "started") {
      return this.transition(job, { cancelRequested: true });
    }
    return this.transition(job, {
      state: "canceled",
      cancelRequested: true,
      finishedAt: Date.now(),
    });
  }

  /** Runs a failed or canceled job again, from where it stopped. */
  async retry(id: string): Promise<JobRow> {
    const job = await this.require(id);
    if (job.state !== "failed" && job.state !== "canceled") {
      throw new DomainError(
        "conflict",
        `only failed or canceled jobs can be retried (is ${job.state})`,
      );
    }
    const queued = await this.transition(job, {
      state: "queued",
      attempts: 0,
      error: null,
      cancelRequested: false,
      finishedAt: null,
    });
    await this.queue.publish(
      job.name,
      { jobId: job.id },
      {
        retries: job.maxAttempts - 1,
        deduplicationId: `${job.id}:retry:${Date.now()}`,
      },
    );
    return queued;
  }

  /** The queue gave up on a message: its job failed. */
  async deadLettered(rawBody: string, error: string): Promise<void> {
    let jobId: unknown;
    try {
      jobId = JSON.parse(rawBody).jobId;
    } catch {
      return;
    }
    if (typeof jobId !== "string") return;
    const job = await this.get(jobId);
    if (job && !TERMINAL.includes(job.state)) await this.fail(jobId, `delivery gave up: ${error}`);
  }

  private async fail(id: string, error: string): Promise<void> {
    const job = await this.get(id);
    if (job) await this.transition(job, { state: "failed", error, finishedAt: Date.now() });
  }

  get(id: string): Promise<JobRow | undefined> {
    return this.db.query.jobs.findFirst({ where: eq(jobs.id, id) });
  }

  private async require(id: string): Promise<JobRow> {
    const job = await this.get(id);
    if (!job) throw new DomainError("not_found", `no job "${id}"`);
    return job;
  }

  async list(filter: { state?: JobState; name?: string; limit?: number; offset?: number } = {}) {
    const where: SQL[] = [];
    if (filter.state) where.push(eq(jobs.state, filter.state));
    if (filter.name) where.push(eq(jobs.name, filter.name));
    const cond = where.length ? and(...where) : undefined;
    const [items, [total]] = await Promise.all([
      this.db
        .select()
        .from(jobs)
        .where(cond)
        .orderBy(desc(jobs.createdAt), desc(jobs.id))
        .limit(Math.min(filter.limit ?? 50, 500))
        .offset(filter.offset ?? 0),
      this.db.select({ n: count() }).from(jobs).where(cond),
    ]);
    return { items, total: total?.n ?? 0 };
  }

  logs(jobId: string) {
    return this.db
      .select({ at: jobLogs.at, level: jobLogs.level, message: jobLogs.message })
      .from(jobLogs)
      .where(eq(jobLogs.jobId, jobId))
      .orderBy(jobLogs.id);
  }

  async appendLog(jobId: string, level: "debug" | "info" | "warn" | "error", message: string) {
    await this.database.write(async (db) => {
      const [row] = await db
        .insert(jobLogs)
        .values({ jobId, level, message: message.slice(0, 2000) })
        .returning({ id: jobLogs.id });
      // Keep each job's log bounded: trim now and then rather than on every line.
      if (row && row.id % 50 === 0) {
        await db.run(sql`DELETE FROM job_logs WHERE job_id = ${jobId} AND id NOT IN
          (SELECT id FROM job_logs WHERE job_id = ${jobId} ORDER BY id DESC LIMIT ${LOG_LIMIT})`);
      }
    });
  }

  private async transition(job: JobRow, values: Partial<JobRow>): Promise<JobRow> {
    const [row] = await this.database.write((db) =>
      db.update(jobs).set(values).where(eq(jobs.id, job.id)).returning(),
    );
    const next = row ?? { ...job, ...values };
    if (values.state && values.state !== job.state) {
      this.log.debug("job transition", {
        id: job.id,
        name: job.name,
        from: job.state,
        to: values.state,
      });
    }
    await this.emit(next);
    return next;
  }

  private async emit(job: JobRow): Promise<void> {
    const { id, name, state, progress, done, total, error } = job;
    await this.pubsub
      .publish("jobs", JSON.stringify({ id, name, state, progress, done, total, error }))
      .catch((err) => this.log.warn("jobs event not published", { error: String(err) }));
  }
}
