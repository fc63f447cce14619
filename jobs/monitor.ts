import { count, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { type JobState, jobStates, jobs } from "../db/schema.ts";

/** How many jobs are in each state (every state present, zero included). */
export async function jobCounts(database: Database): Promise<Record<JobState, number>> {
  const rows = await database.db
    .select({ state: jobs.state, n: count() })
    .from(jobs)
    .groupBy(jobs.state);
  const out = Object.fromEntries(jobStates.map((s) => [s, 0])) as Record<JobState, number>;
  for (const r of rows) out[r.state] = r.n;
  return out;
}

/** The job names that occur, for a filter. */
export async function jobNames(database: Database): Promise<string[]> {
  const rows = await database.db
    .selectDistinct({ name: jobs.name })
    .from(jobs)
    .orderBy(sql`${jobs.name}`);
  return rows.map((r) => r.name);
}
