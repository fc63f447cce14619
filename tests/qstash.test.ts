import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DEAD_LETTER_ROUTE, QStashQueue } from "../jobs/qstash-queue.ts";
import { startTestApp, type TestApp } from "./helpers/app.ts";
import { mint } from "./helpers/qstash-sign.ts";

/** QStash's hosted API cannot run here: a stand-in records what the SDK sends on the wire. */
interface Seen {
  method: string;
  path: string;
  headers: Headers;
  body: string;
}
const seen: Seen[] = [];
const qstash = Bun.serve({
  port: 0,
  async fetch(req) {
    const url = new URL(req.url);
    seen.push({
      method: req.method,
      path: decodeURIComponent(url.pathname),
      headers: req.headers,
      body: await req.text(),
    });
    if (url.pathname.startsWith("/v2/publish/"))
      return Response.json({ messageId: "msg_from_qstash" });
    if (url.pathname.startsWith("/v2/schedules/") && req.method === "POST") {
      return Response.json({ scheduleId: req.headers.get("upstash-schedule-id") });
    }
    return new Response(null, { status: 200 });
  },
});
afterAll(() => qstash.stop(true));

const queue = new QStashQueue("https://music.example.org", {
  token: "qstash-token",
  url: `http://127.0.0.1:${qstash.port}`,
});

describe("QStash adapter, on the wire", () => {
  test("publish: destination in the path, bearer token, delay, retries, dedup id, failure callback", async () => {
    seen.length = 0;
    const id = await queue.publish(
      "scan",
      { jobId: "job_1" },
      {
        delaySeconds: 5,
        retries: 2,
        deduplicationId: "job_1:start",
      },
    );
    expect(id).toBe("msg_from_qstash");
    const [req] = seen;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/v2/publish/https://music.example.org/jobs/scan");
    expect(req?.headers.get("authorization")).toBe("Bearer qstash-token");
    expect(req?.headers.get("upstash-delay")).toBe("5s");
    expect(req?.headers.get("upstash-retries")).toBe("2");
    expect(req?.headers.get("upstash-deduplication-id")).toBe("job_1:start");
    expect(req?.headers.get("upstash-failure-callback")).toBe(
      `https://music.example.org/jobs/${DEAD_LETTER_ROUTE}`,
    );
    expect(req?.headers.get("content-type")).toContain("application/json");
    expect(JSON.parse(req?.body ?? "")).toEqual({ jobId: "job_1" });
  });

  test("schedule with a fixed id, and unschedule", async () => {
    seen.length = 0;
    await queue.schedule({ id: "rescan", cron: "0 * * * *", name: "scan", body: { full: false } });
    await queue.unschedule("rescan");
    const [create, remove] = seen;
    expect(create?.path).toBe("/v2/schedules/https://music.example.org/jobs/scan");
    expect(create?.headers.get("upstash-cron")).toBe("0 * * * *");
    expect(create?.headers.get("upstash-schedule-id")).toBe("rescan");
    expect(JSON.parse(create?.body ?? "")).toEqual({ full: false });
    expect(remove?.method).toBe("DELETE");
    expect(remove?.path).toBe("/v2/schedules/rescan");
  });
});

describe("QStash failure callback", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    t.ctx.jobs.register({ name: "work", run: async () => ({ done: true }) });
  });
  afterAll(() => t.close());

  test("a signed dead-letter callback marks the job failed", async () => {
    const job = await t.ctx.jobs.enqueue("work");
    const body = JSON.stringify({
      status: 500,
      sourceMessageId: "msg_x",
      url: "http://bandstand.test/jobs/work",
      sourceBody: Buffer.from(JSON.stringify({ jobId: job.id })).toString("base64"),
    });
    const url = `http://bandstand.test/jobs/${DEAD_LETTER_ROUTE}`;
    const unsigned = await t.request(`/jobs/${DEAD_LETTER_ROUTE}`, { method: "POST", body });
    expect(unsigned.status).toBe(401);
    expect((await t.ctx.jobs.get(job.id))?.state).toBe("queued");
    const res = await t.request(`/jobs/${DEAD_LETTER_ROUTE}`, {
      method: "POST",
      body,
      headers: { "Upstash-Signature": await mint(t.ctx.signingKeys.currentSigningKey, url, body) },
    });
    expect(res.status).toBe(200);
    const failed = await t.ctx.jobs.get(job.id);
    expect(failed?.state).toBe("failed");
    expect(failed?.error).toContain("HTTP 500");
  });
});
