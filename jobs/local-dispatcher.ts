import { Cron } from "croner";
import { and, eq, lt, lte } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { outbox, schedules } from "../db/schema.ts";
import type { Lock } from "../edge/types.ts";
import type { Logger } from "../log.ts";
import {
  DELIVERY_HEADERS,
  type JobQueue,
  type PublishOptions,
  type ScheduleSpec,
} from "./queue.ts";
import { type SigningKeys, signLikeQStash } from "./signing.ts";

type OutboxRow = typeof outbox.$inferSelect;

export interface LocalDispatcherOptions {
  database: Database;
  publicUrl: string;
  keys: SigningKeys;
  lock: Lock;
  log: Logger;
  /** Told once a message is given up (489 non-retryable, or retries spent). */
  onDeadLetter?: (name: string, body: string, error: string) => Promise<void>;
  /** Injected in tests to deliver into the app without a socket. */
  fetch?: (request: Request) => Promise<Response>;
  pollMs?: number;
  timeoutMs?: number;
  backoffBaseMs?: number;
  maxBackoffMs?: number;
  batchSize?: number;
}

/** Next run of a 5-field cron expression after `from`; throws on a bad expression. */
export function nextCronRun(cron: string, from = new Date()): number {
  const next = new Cron(cron, { paused: true }).nextRun(from);
  if (!next) throw new Error(`cron "${cron}" never runs`);
  return next.getTime();
}

/**
 * The built-in stand-in for QStash: a durable outbox in libSQL, delivered by a
 * polling loop as signed POSTs to PUBLIC_URL/jobs/<name>. Rows are claimed with
 * a compare-and-set on `not_before`, so several instances on one database
 * never deliver the same attempt twice.
 */
export class LocalDispatcher implements JobQueue {
  readonly adapter = "local dispatcher (libSQL outbox)";
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private lastPrune = 0;
  private ticking: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly o: Required<Omit<LocalDispatcherOptions, "onDeadLetter">> &
    Pick<LocalDispatcherOptions, "onDeadLetter">;

  constructor(options: LocalDispatcherOptions) {
    this.o = {
      fetch: (r) => fetch(r),
      pollMs: 250,
      timeoutMs: 60_000,
      backoffBaseMs: 1000,
      maxBackoffMs: 3_600_000,
      batchSize: 8,
      // An option passed as undefined keeps its default.
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    } as typeof this.o;
  }

  async publish(name: string, body: unknown, options: PublishOptions = {}): Promise<string> {
    const id = `msg_${crypto.randomUUID()}`;
    const notBefore = Date.now() + (options.delaySeconds ?? 0) * 1000;
    const inserted = await this.o.database.write((db) =>
      db
        .insert(outbox)
        .values({
          id,
          name,
          body: JSON.stringify(body ?? {}),
          notBefore,
          retries: options.retries ?? 3,
          dedupId: options.deduplicationId,
        })
        .onConflictDoNothing()
        .returning({ id: outbox.id }),
    );
    if (inserted.length === 0 && options.deduplicationId) {
      const existing = await this.o.database.db.query.outbox.findFirst({
        where: eq(outbox.dedupId, options.deduplicationId),
      });
      return existing?.id ?? id;
    }
    this.wake();
    return id;
  }

  async schedule(spec: ScheduleSpec): Promise<void> {
    const nextRunAt = nextCronRun(spec.cron);
    const values = {
      id: spec.id,
      cron: spec.cron,
      name: spec.name,
      body: JSON.stringify(spec.body ?? {}),
      nextRunAt,
    };
    await this.o.database.write((db) =>
      db
        .insert(schedules)
        .values(values)
        .onConflictDoUpdate({
          target: schedules.id,
          set: { cron: values.cron, name: values.name, body: values.body, nextRunAt },
        }),
    );
  }

  async unschedule(id: string): Promise<void> {
    await this.o.database.write((db) => db.delete(schedules).where(eq(schedules.id, id)));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.wake();
  }

  /** Stops polling and waits for deliveries under way. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.ticking;
    await Promise.allSettled([...this.inFlight]);
  }

  /** One pass: fire due schedules, then claim and deliver due messages. */
  async tick(): Promise<void> {
    const now = Date.now();
    // The poll runs four times a second beside the requests: when nothing is due (nearly
    // always), two indexed probes on kept statements answer that, not the query builder.
    const [due] = await this.o.database.all(
      `SELECT EXISTS (SELECT 1 FROM schedules WHERE enabled = 1 AND next_run_at <= ?) AS schedules,
              EXISTS (SELECT 1 FROM outbox WHERE state = 'pending' AND not_before <= ?) AS messages`,
      [now, now],
    );
    if (!Number(due?.schedules) && !Number(due?.messages) && now - this.lastPrune <= 3_600_000) {
      return;
    }
    await this.tickNow();
  }

  private async tickNow(): Promise<void> {
    await this.fireSchedules();
    const now = Date.now();
    if (now - this.lastPrune > 3_600_000) {
      this.lastPrune = now;
      await this.prune();
    }
    const due = await this.o.database.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.state, "pending"), lte(outbox.notBefore, now)))
      .orderBy(outbox.notBefore)
      .limit(this.o.batchSize);
    for (const row of due) {
      if (!(await this.claim(row))) continue;
      const delivery = this.deliver(row)
        .catch((err) =>
          this.o.log.error("job delivery crashed", { id: row.id, error: String(err) }),
        )
        .finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  }

  /** Waits until nothing is due or in flight (tests and the CLI use it). */
  async drain(maxMs = 30_000): Promise<void> {
    const until = Date.now() + maxMs;
    while (Date.now() < until) {
      await this.tick();
      await Promise.allSettled([...this.inFlight]);
      const [pending] = await this.o.database.db
        .select({ id: outbox.id })
        .from(outbox)
        .where(and(eq(outbox.state, "pending"), lte(outbox.notBefore, Date.now())))
        .limit(1);
      if (!pending && this.inFlight.size === 0) return;
    }
    throw new Error("dispatcher did not drain in time");
  }

  private wake(): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.loop(), 0);
  }

  private loop(): void {
    if (!this.running || this.ticking) return;
    this.ticking = this.tick()
      .catch((err) => this.o.log.error("dispatcher tick failed", { error: String(err) }))
      .finally(() => {
        this.ticking = undefined;
        if (this.running) this.timer = setTimeout(() => this.loop(), this.o.pollMs);
      });
  }

  private async claim(row: OutboxRow): Promise<boolean> {
    // The lease: a crashed deliverer's message becomes due again after the timeout.
    const lease = Date.now() + this.o.timeoutMs + 5000;
    const claimed = await this.o.database.write((db) =>
      db
        .update(outbox)
        .set({ notBefore: lease })
        .where(and(eq(outbox.id, row.id), eq(outbox.notBefore, row.notBefore)))
        .returning({ id: outbox.id }),
    );
    return claimed.length === 1;
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const url = `${this.o.publicUrl}/jobs/${row.name}`;
    let error: string;
    let retry = true;
    try {
      const signature = await signLikeQStash(this.o.keys.currentSigningKey, url, row.body);
      const response = await this.o.fetch(
        new Request(url, {
          method: "POST",
          body: row.body,
          headers: {
            "content-type": "application/json",
            [DELIVERY_HEADERS.signature]: signature,
            [DELIVERY_HEADERS.messageId]: row.id,
            [DELIVERY_HEADERS.retried]: String(row.attempts),
          },
          signal: AbortSignal.timeout(this.o.timeoutMs),
        }),
      );
      if (response.ok) {
        await this.settle(row.id, { state: "delivered", deliveredAt: Date.now() });
        return;
      }
      const text = (await response.text()).slice(0, 500);
      error = `HTTP ${response.status}${text ? `: ${text}` : ""}`;
      retry = !(
        response.status === 489 &&
        response.headers.get(DELIVERY_HEADERS.nonRetryable)?.toLowerCase() === "true"
      );
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    const attempts = row.attempts + 1;
    if (retry && attempts <= row.retries) {
      const backoff = Math.min(this.o.maxBackoffMs, this.o.backoffBaseMs * 2 ** (attempts - 1));
      await this.settle(row.id, { attempts, lastError: error, notBefore: Date.now() + backoff });
      this.o.log.warn("job delivery failed, will retry", { name: row.name, attempts, error });
      return;
    }
    await this.settle(row.id, { state: "dead", attempts, lastError: error });
    this.o.log.error("job delivery dead-lettered", { name: row.name, attempts, error });
    await this.o.onDeadLetter?.(row.name, row.body, error);
  }

  private async settle(id: string, values: Partial<OutboxRow>): Promise<void> {
    await this.o.database.write((db) => db.update(outbox).set(values).where(eq(outbox.id, id)));
  }

  private async fireSchedules(): Promise<void> {
    const now = Date.now();
    const due = await this.o.database.db
      .select()
      .from(schedules)
      .where(and(eq(schedules.enabled, true), lte(schedules.nextRunAt, now)));
    for (const s of due) {
      const token = await this.o.lock.acquire(`schedule:${s.id}`, 30_000);
      if (!token) continue;
      try {
        // Compare-and-set on next_run_at: one firing per tick even across instances.
        const fired = await this.o.database.write((db) =>
          db
            .update(schedules)
            .set({ lastRunAt: now, nextRunAt: nextCronRun(s.cron, new Date(now)) })
            .where(and(eq(schedules.id, s.id), eq(schedules.nextRunAt, s.nextRunAt ?? 0)))
            .returning({ id: schedules.id }),
        );
        if (fired.length === 1) {
          await this.publish(s.name, JSON.parse(s.body), {
            deduplicationId: `schedule:${s.id}:${s.nextRunAt}`,
          });
        }
      } finally {
        await this.o.lock.release(`schedule:${s.id}`, token);
      }
    }
  }

  /** Forgets delivered messages older than `maxAgeMs`. */
  async prune(maxAgeMs = 7 * 24 * 3600 * 1000): Promise<void> {
    await this.o.database.write((db) =>
      db
        .delete(outbox)
        .where(and(eq(outbox.state, "delivered"), lt(outbox.createdAt, Date.now() - maxAgeMs))),
    );
  }
}
