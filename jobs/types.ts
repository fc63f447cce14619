import type { JobState, jobs } from "../db/schema.ts";

export type JobRow = typeof jobs.$inferSelect;

/** States of a job that has not ended: it waits, runs, or waits on another. */
export const ACTIVE_STATES: readonly JobState[] = ["queued", "scheduled", "started", "deferred"];

export const isActive = (job: Pick<JobRow, "state">) => ACTIVE_STATES.includes(job.state);

export interface JobContext<P = unknown, C = unknown> {
  job: JobRow;
  payload: P;
  /** Where the previous chunk stopped; undefined on the first. */
  cursor: C | undefined;
  /** Epoch ms by which a chunk should return its cursor. */
  deadline: number;
  log(message: string, level?: "debug" | "info" | "warn" | "error"): Promise<void>;
  progress(done: number, total?: number): Promise<void>;
  /** True once a cancel was asked for: stop at the next safe point. */
  cancelRequested(): Promise<boolean>;
}

/**
 * What a chunk did: finished the job, stopped at a cursor to go on from, or could not start now
 * (a resource another job holds): deferred, it runs again after `delaySeconds` without spending an
 * attempt.
 */
export type JobOutcome<C = unknown> =
  | { done: true; result?: unknown }
  | { done: false; cursor: C }
  | { done: false; deferred: string; delaySeconds?: number };

/** A job: plain domain code, idempotent (delivery is at-least-once). */
export interface JobHandler<P = unknown, C = unknown> {
  name: string;
  /** Time budget of one chunk, ms. */
  budgetMs?: number;
  maxAttempts?: number;
  /** At most one active job of this name: enqueueing (or a schedule firing) joins it. */
  exclusive?: boolean;
  run(ctx: JobContext<P, C>): Promise<JobOutcome<C>>;
}
