import { afterEach, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { outbox, schedules } from "../db/schema.ts";
import { LocalDispatcher, type LocalDispatcherOptions } from "../jobs/local-dispatcher.ts";
import { SCAN_LOCK } from "../library/folders.ts";
import { createLogger } from "../log.ts";
import { startTestApp, type TestApp, tempDir } from "./helpers/app.ts";

const open: TestApp[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

async function app(options: Parameters<typeof startTestApp>[1] = {}) {
  const t = await startTestApp({}, options);
  open.push(t);
  return t;
}

const dispatcher = (t: TestApp) => t.ctx.queue as LocalDispatcher;

/** Another dispatcher on the same database, as a second instance would run. */
function secondDispatcher(t: TestApp, options: Partial<LocalDispatcherOptions> = {}) {
  return new LocalDispatcher({
    database: t.ctx.database,
    publicUrl: t.ctx.config.publicUrl,
    keys: t.ctx.signingKeys,
    lock: t.ctx.edge.lock,
    log: createLogger("error"),
    fetch: (r) => t.app.handle(r),
    ...options,
  });
}

async function rows(t: TestApp) {
  return t.ctx.database.db.select().from(outbox);
}

describe("built-in dispatcher", () => {
  test("a published message is delivered as a signed POST and runs its job", async () => {
    const t = await app();
    const seen: unknown[] = [];
    t.ctx.jobs.register({
      name: "hello",
      async run(ctx) {
        seen.push(ctx.payload);
        return { done: true, result: 42 };
      },
    });
    const job = await t.ctx.jobs.enqueue("hello", { n: 1 });
    expect(job.state).toBe("queued");
    await dispatcher(t).drain();
    expect(seen).toEqual([{ n: 1 }]);
    const done = await t.ctx.jobs.get(job.id);
    expect(done?.state).toBe("finished");
    expect(done?.result).toBe("42");
    expect((await rows(t)).map((r) => r.state)).toEqual(["delivered"]);
  });

  test("every job transition is published on the jobs channel", async () => {
    const t = await app();
    t.ctx.jobs.register({ name: "observed", run: async () => ({ done: true }) });
    const seen: string[] = [];
    const unsubscribe = await t.ctx.edge.pubsub.subscribe("jobs", (message) => {
      const event = JSON.parse(message) as { name: string; state: string };
      if (event.name === "observed") seen.push(event.state);
    });
    await t.ctx.jobs.enqueue("observed");
    await dispatcher(t).drain();
    await unsubscribe();
    expect(seen).toEqual(["queued", "started", "finished"]);
  });

  test("a delayed message waits for its time", async () => {
    const t = await app();
    let ran = 0;
    t.ctx.jobs.register({
      name: "later",
      run: async () => {
        ran += 1;
        return { done: true };
      },
    });
    const job = await t.ctx.jobs.enqueue("later", {}, { delaySeconds: 1 });
    expect(job.state).toBe("scheduled");
    await dispatcher(t).tick();
    expect(ran).toBe(0);
    await Bun.sleep(1100);
    await dispatcher(t).drain();
    expect(ran).toBe(1);
  });

  test("a failing job is retried with backoff, then finishes", async () => {
    const t = await app();
    let calls = 0;
    t.ctx.jobs.register({
      name: "flaky",
      maxAttempts: 3,
      async run() {
        calls += 1;
        if (calls < 3) throw new Error(`boom ${calls}`);
        return { done: true };
      },
    });
    const job = await t.ctx.jobs.enqueue("flaky");
    const until = Date.now() + 5000;
    while ((await t.ctx.jobs.get(job.id))?.state !== "finished" && Date.now() < until) {
      await dispatcher(t).tick();
      await Bun.sleep(30);
    }
    expect(calls).toBe(3);
    expect((await t.ctx.jobs.get(job.id))?.state).toBe("finished");
    const [row] = await rows(t);
    expect(row?.attempts).toBe(2);
    expect(row?.lastError).toContain("HTTP 500");
    const logs = await t.ctx.jobs.logs(job.id);
    expect(logs.map((l) => l.message)).toEqual(["boom 1", "boom 2"]);
  });

  test("the last failed attempt answers 489: dead-lettered at once, job failed", async () => {
    const t = await app();
    let calls = 0;
    t.ctx.jobs.register({
      name: "doomed",
      maxAttempts: 1,
      async run() {
        calls += 1;
        throw new Error("cannot work");
      },
    });
    const job = await t.ctx.jobs.enqueue("doomed");
    await dispatcher(t).drain();
    expect(calls).toBe(1);
    const failed = await t.ctx.jobs.get(job.id);
    expect(failed?.state).toBe("failed");
    expect(failed?.error).toBe("cannot work");
    const [row] = await rows(t);
    expect(row?.state).toBe("dead");
    expect(row?.attempts).toBe(1);
  });

  test("5xx until retries run out: dead-lettered and the job marked failed", async () => {
    let posts = 0;
    const t = await app({
      dispatcherFetch: async () => {
        posts += 1;
        return new Response("unavailable", { status: 503 });
      },
    });
    t.ctx.jobs.register({ name: "never", maxAttempts: 3, run: async () => ({ done: true }) });
    const job = await t.ctx.jobs.enqueue("never");
    const until = Date.now() + 5000;
    while ((await rows(t))[0]?.state !== "dead" && Date.now() < until) {
      await dispatcher(t).tick();
      await Bun.sleep(30);
    }
    expect(posts).toBe(3);
    const failed = await t.ctx.jobs.get(job.id);
    expect(failed?.state).toBe("failed");
    expect(failed?.error).toContain("HTTP 503");
  });

  test("a delivery that times out is retried", async () => {
    let posts = 0;
    const dataDir = tempDir();
    const t = await app({ dataDir });
    const slow = secondDispatcher(t, {
      timeoutMs: 100,
      backoffBaseMs: 10,
      fetch: (request) => {
        posts += 1;
        if (posts > 1) return t.app.handle(request);
        return new Promise((_, reject) =>
          request.signal.addEventListener("abort", () => reject(request.signal.reason)),
        );
      },
    });
    let ran = 0;
    t.ctx.jobs.register({
      name: "t",
      run: async () => {
        ran += 1;
        return { done: true };
      },
    });
    await slow.publish("t", {});
    const until = Date.now() + 5000;
    while (ran === 0 && Date.now() < until) {
      await slow.tick();
      await Bun.sleep(30);
    }
    await slow.stop();
    expect(posts).toBe(2);
    expect(ran).toBe(1);
    const [row] = await rows(t);
    expect(row?.lastError).toContain("TimeoutError");
  });

  test("a restart delivers what was pending", async () => {
    const dataDir = tempDir();
    const first = await startTestApp({}, { dataDir });
    first.ctx.jobs.register({ name: "persist", run: async () => ({ done: true }) });
    const job = await first.ctx.jobs.enqueue("persist", { keep: true });
    await first.close(); // never ticked: the message is only in the outbox

    const second = await app({ dataDir });
    let payload: unknown;
    second.ctx.jobs.register({
      name: "persist",
      run: async (ctx) => {
        payload = ctx.payload;
        return { done: true };
      },
    });
    second.ctx.queue.start();
    const until = Date.now() + 5000;
    while ((await second.ctx.jobs.get(job.id))?.state !== "finished" && Date.now() < until) {
      await Bun.sleep(20);
    }
    expect(payload).toEqual({ keep: true });
    expect((await second.ctx.jobs.get(job.id))?.state).toBe("finished");
  });

  test("a deduplication id drops the second publish", async () => {
    const t = await app();
    const a = await t.ctx.queue.publish("x", { a: 1 }, { deduplicationId: "same" });
    const b = await t.ctx.queue.publish("x", { a: 2 }, { deduplicationId: "same" });
    expect(b).toBe(a);
    expect((await rows(t)).length).toBe(1);
  });

  test("two dispatchers on one database deliver each message once", async () => {
    const t = await app();
    const seen = new Map<string, number>();
    t.ctx.jobs.register({
      name: "count",
      run: async (ctx) => {
        const id = (ctx.payload as { i: number }).i.toString();
        seen.set(id, (seen.get(id) ?? 0) + 1);
        return { done: true };
      },
    });
    for (let i = 0; i < 20; i++) await t.ctx.jobs.enqueue("count", { i });
    const other = secondDispatcher(t);
    await Promise.all([dispatcher(t).drain(), other.drain()]);
    expect(seen.size).toBe(20);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });

  test("a due schedule fires once per tick, even with two dispatchers", async () => {
    const t = await app();
    let ran = 0;
    t.ctx.jobs.register({
      name: "tick",
      run: async () => {
        ran += 1;
        return { done: true };
      },
    });
    await t.ctx.queue.schedule({ id: "every-minute", cron: "* * * * *", name: "tick" });
    const [s] = await t.ctx.database.db.select().from(schedules);
    expect(s?.nextRunAt).toBeGreaterThan(Date.now());
    // Make it due now.
    await t.ctx.database.db
      .update(schedules)
      .set({ nextRunAt: Date.now() - 1 })
      .where(eq(schedules.id, "every-minute"));
    const other = secondDispatcher(t);
    await Promise.all([dispatcher(t).tick(), other.tick()]);
    await Promise.all([dispatcher(t).drain(), other.drain()]);
    expect(ran).toBe(1);
    const [after] = await t.ctx.database.db.select().from(schedules);
    expect(after?.lastRunAt).not.toBeNull();
    expect(after?.nextRunAt).toBeGreaterThan(Date.now());
    const jobs = await t.ctx.jobs.list({ name: "tick" });
    expect(jobs.items.map((j) => j.state)).toEqual(["finished"]);
  });

  test("a job that must wait is deferred: it comes back later without spending an attempt", async () => {
    const t = await app();
    let busy = 4; // more deferrals than attempts: waiting must never fail the job
    t.ctx.jobs.register({
      name: "waits",
      maxAttempts: 2,
      run: async () =>
        busy-- > 0
          ? { done: false, deferred: "the resource is busy", delaySeconds: 0 }
          : { done: true },
    });
    const seen: string[] = [];
    const unsubscribe = await t.ctx.edge.pubsub.subscribe("jobs", (message) => {
      const event = JSON.parse(message) as { name: string; state: string };
      if (event.name === "waits") seen.push(event.state);
    });
    const job = await t.ctx.jobs.enqueue("waits");
    await dispatcher(t).drain();
    await unsubscribe();
    expect(seen).toEqual([
      "queued",
      ...Array.from({ length: 4 }, () => ["started", "deferred"]).flat(),
      "started",
      "finished",
    ]);
    const done = await t.ctx.jobs.get(job.id);
    expect(done?.state).toBe("finished");
    expect(done?.attempts).toBe(1);
    const log = await t.ctx.jobs.logs(job.id);
    expect(log.filter((l) => l.message === "deferred 0 s: the resource is busy")).toHaveLength(4);

    // A deferred job is canceled at once, and its pending message then finds it ended.
    t.ctx.jobs.register({
      name: "waits-long",
      run: async () => ({ done: false, deferred: "still busy", delaySeconds: 60 }),
    });
    const later = await t.ctx.jobs.enqueue("waits-long");
    await dispatcher(t).drain();
    expect((await t.ctx.jobs.get(later.id))?.state).toBe("deferred");
    expect((await t.ctx.jobs.cancel(later.id)).state).toBe("canceled");
  });

  test("a scan that finds another scan running is deferred, then runs", async () => {
    const t = await app();
    const token = await t.ctx.edge.lock.acquire(SCAN_LOCK, 60_000);
    expect(token).toBeTruthy();
    const job = await t.ctx.jobs.enqueue("scan");
    await dispatcher(t).drain();
    const waiting = await t.ctx.jobs.get(job.id);
    expect(waiting?.state).toBe("deferred");
    expect(waiting?.error).toBeNull();
    await t.ctx.edge.lock.release(SCAN_LOCK, token as string);
    await Bun.sleep(2100); // the deferral's delay
    await dispatcher(t).drain();
    expect((await t.ctx.jobs.get(job.id))?.state).toBe("finished");
  });

  test("long work runs in chunks with a cursor, and cancel stops it at the next chunk", async () => {
    const t = await app();
    t.ctx.jobs.register<{ to: number }, number>({
      name: "count-to",
      async run(ctx) {
        const at = (ctx.cursor ?? 0) + 1;
        await ctx.progress(at, ctx.payload.to);
        return at >= ctx.payload.to ? { done: true, result: at } : { done: false, cursor: at };
      },
    });
    const job = await t.ctx.jobs.enqueue("count-to", { to: 4 });
    await dispatcher(t).drain();
    const done = await t.ctx.jobs.get(job.id);
    expect(done?.state).toBe("finished");
    expect(done?.result).toBe("4");
    expect(done?.progress).toBe(100);

    const long = await t.ctx.jobs.enqueue("count-to", { to: 1000 });
    await dispatcher(t).tick(); // first chunk delivered
    await Bun.sleep(50);
    await t.ctx.jobs.cancel(long.id);
    await dispatcher(t).drain();
    const canceled = await t.ctx.jobs.get(long.id);
    expect(canceled?.state).toBe("canceled");
    expect(canceled?.done).toBeLessThan(10);
  });
});
