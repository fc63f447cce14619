import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { LocalDispatcher } from "../jobs/local-dispatcher.ts";
import type { JobRow } from "../jobs/types.ts";
import { startTestApp, type TestApp, type WebSession, webSession } from "./helpers/app.ts";

let t: TestApp;
let admin: WebSession;
let user: WebSession;
let finished: JobRow;
let failed: JobRow;
let scheduled: JobRow;
const HOSTILE = `<script>alert("job")</script>`;

const drain = () => (t.ctx.queue as LocalDispatcher).drain(30_000);

/** Drains until the job reached `state` (a failed attempt is retried after a backoff). */
async function until(job: JobRow, state: string): Promise<void> {
  const end = Date.now() + 20_000;
  while ((await t.ctx.jobs.get(job.id))?.state !== state) {
    if (Date.now() > end) throw new Error(`${job.name} never became ${state}`);
    await drain();
    await Bun.sleep(25);
  }
}
const short = (job: JobRow) => job.id.slice(4, 12);

beforeAll(async () => {
  t = await startTestApp({ BANDSTAND_AUTO_ANALYZE: "false" });
  await t.ctx.library.syncFolders();
  admin = await webSession(t, "boss", "admin");
  user = await webSession(t, "listener");
  finished = await t.ctx.jobs.enqueue("clean-cache");
  // An import of a file in a folder that does not exist fails (after its attempts).
  failed = await t.ctx.jobs.enqueue("import", { folderId: 999, relPath: "gone.mp3" });
  await until(finished, "finished");
  await until(failed, "failed");
  await t.ctx.jobs.appendLog(finished.id, "warn", `tag said ${HOSTILE}`);
  // Far in the future: these stay scheduled through the whole file.
  for (let i = 0; i < 27; i++) {
    const job = await t.ctx.jobs.enqueue("analyze", { trackId: 1000 + i }, { delaySeconds: 3600 });
    if (i === 26) scheduled = job;
  }
});
afterAll(() => t.close());

async function page(s: WebSession, path: string) {
  const res = await s.request(path);
  return { status: res.status, html: await res.text(), res };
}

/** The number shown for a state in the "Jobs by state" counts. */
const countOf = (html: string, state: string) =>
  Number(
    html.match(
      new RegExp(`<span class="count-state">${state}</span> <strong>(\\d+)</strong>`),
    )?.[1],
  );

/** A form POST with the CSRF field (or without, or with a wrong one). */
function post(s: WebSession, path: string, fields: Record<string, string> = {}, csrf = s.csrf) {
  return t.request(path, {
    method: "POST",
    headers: { cookie: s.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(csrf ? { _csrf: csrf, ...fields } : fields).toString(),
  });
}

describe("job monitor", () => {
  test("the jobs page needs a login", async () => {
    const res = await t.request("/jobs");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?next=%2Fjobs");
  });

  test("lists jobs with counts per state, newest first, paged", async () => {
    expect((await t.ctx.jobs.get(failed.id))?.state).toBe("failed");
    const { status, html } = await page(user, "/jobs");
    expect(status).toBe(200);
    expect(html).toContain('aria-label="Jobs by state"');
    expect(countOf(html, "finished")).toBe(1);
    expect(countOf(html, "failed")).toBe(1);
    expect(countOf(html, "scheduled")).toBe(27);
    expect(countOf(html, "queued")).toBe(0);
    expect(countOf(html, "canceled")).toBe(0);
    expect(html).toContain("Jobs 1–25 of 29");
    // 25 a page: the oldest two (the finished and failed ones) are on page 2.
    expect(html).not.toContain(`/jobs/${finished.id}"`);
    expect(html).toContain(`aria-label="Progress of analyze ${short(scheduled)}"`);
    expect(html).toContain('rel="next"');
    const two = await page(user, "/jobs?page=2");
    expect(two.html).toContain("Jobs 26–29 of 29");
    expect(two.html).toContain(`href="/jobs/${finished.id}"`);
    expect(two.html).toContain(`href="/jobs/${failed.id}"`);
    expect(two.html).toContain("no music folder 999");
    // The list part refreshes itself on job events from the SSE stream, and polls while a job it
    // lists is active (a lost event must not freeze it); a list of ended jobs only listens.
    expect(html).toMatch(/id="jobs-live"[^>]*hx-trigger="job from:body throttle:500ms, every 2s"/);
    const ended = await page(user, "/jobs?state=failed");
    expect(ended.html).toMatch(/id="jobs-live"[^>]*hx-trigger="job from:body throttle:500ms"/);
  });

  test("filters by state and by name", async () => {
    const f = await page(user, "/jobs?state=failed");
    expect(f.html).toContain("Jobs 1–1 of 1");
    expect(f.html).toContain(`href="/jobs/${failed.id}"`);
    expect(f.html).not.toContain(`href="/jobs/${scheduled.id}"`);
    const n = await page(user, "/jobs?name=clean-cache");
    expect(n.html).toContain("Jobs 1–1 of 1");
    expect(n.html).toContain(`href="/jobs/${finished.id}"`);
    expect(n.html).toContain('<option value="clean-cache" selected>');
    expect((await page(user, "/jobs?state=bogus")).status).toBe(400);
    expect((await page(user, "/jobs?page=0")).status).toBe(400);
    expect((await page(user, "/jobs?name=%3Cscript%3E")).status).toBe(400);
    expect((await page(user, "/jobs?state=queued")).html).toContain("No jobs.");
  });

  test("users see no admin buttons; admins see cancel, retry and start scan", async () => {
    const u = await page(user, "/jobs");
    expect(u.html).not.toContain("Cancel analyze");
    expect(u.html).not.toContain("Start scan");
    const a = await page(admin, "/jobs");
    expect(a.html).toContain(`aria-label="Cancel analyze ${short(scheduled)}"`);
    expect(a.html).toContain("Start full scan");
    const a2 = await page(admin, "/jobs?page=2");
    expect(a2.html).toContain(`aria-label="Retry import ${short(failed)}"`);
    expect(a2.html).not.toContain(`Cancel clean-cache`);
    expect(a2.html).not.toContain(`Retry clean-cache`);
  });

  test("a job page shows state, progress, timings, payload, error and its log, escaped", async () => {
    const f = await page(user, `/jobs/${finished.id}`);
    expect(f.status).toBe(200);
    expect(f.html).toContain(">finished</span>");
    expect(f.html).toContain(`aria-label="Progress of clean-cache ${short(finished)}"`);
    expect(f.html).toContain('value="100"');
    expect(f.html).toMatch(/<dt>Started<\/dt>\s*<dd>\s*<time datetime="/);
    expect(f.html).toContain('aria-label="Log"');
    expect(f.html).toContain("tag said &lt;script&gt;alert(&quot;job&quot;)&lt;/script&gt;");
    expect(f.html).not.toContain(HOSTILE);
    expect(f.html).toContain("<h2>Result</h2>");
    // Live while it runs: refreshes on this job's events only.
    expect(f.html).toContain(`hx-trigger="job[detail.data.includes('${finished.id}')] from:body`);
    const e = await page(user, `/jobs/${failed.id}`);
    expect(e.html).toContain("<h2>Error</h2>");
    expect(e.html).toContain("no music folder 999");
    expect(e.html).toContain("&quot;relPath&quot;: &quot;gone.mp3&quot;");
    expect(e.html).toContain("2 of 2");
  });

  test("an unknown or malformed job id is a 404", async () => {
    expect((await page(user, "/jobs/job_00000000-0000-0000-0000-000000000000")).status).toBe(404);
    expect((await page(user, "/jobs/nope")).status).toBe(404);
    expect((await page(user, "/jobs/job_../../etc")).status).toBe(404);
  });
});

describe("cancel and retry", () => {
  test("a user gets 403 and the job is untouched", async () => {
    const res = await post(user, `/jobs/${scheduled.id}/cancel`);
    expect(res.status).toBe(403);
    expect((await t.ctx.jobs.get(scheduled.id))?.state).toBe("scheduled");
    expect((await post(user, `/jobs/${failed.id}/retry`)).status).toBe(403);
    expect((await t.ctx.jobs.get(failed.id))?.state).toBe("failed");
    expect((await post(user, "/jobs/actions/scan")).status).toBe(403);
  });

  test("without the CSRF token (or with a wrong one) an admin gets 403", async () => {
    expect((await post(admin, `/jobs/${scheduled.id}/cancel`, {}, "")).status).toBe(403);
    expect((await post(admin, `/jobs/${scheduled.id}/cancel`, {}, "forged")).status).toBe(403);
    expect((await post(admin, `/jobs/${failed.id}/retry`, {}, "")).status).toBe(403);
    expect((await post(admin, "/jobs/actions/scan", {}, "")).status).toBe(403);
    expect((await t.ctx.jobs.get(scheduled.id))?.state).toBe("scheduled");
    expect((await t.ctx.jobs.get(failed.id))?.state).toBe("failed");
  });

  test("an unknown job is a 404", async () => {
    const missing = "job_00000000-0000-0000-0000-000000000000";
    expect((await post(admin, `/jobs/${missing}/cancel`)).status).toBe(404);
    expect((await post(admin, `/jobs/${missing}/retry`)).status).toBe(404);
    expect((await post(admin, "/jobs/not-a-job/cancel")).status).toBe(404);
  });

  test("an admin cancels a waiting job and goes back where they were", async () => {
    const res = await post(admin, `/jobs/${scheduled.id}/cancel`, {
      back: "/jobs?state=scheduled",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/jobs?state=scheduled");
    expect((await t.ctx.jobs.get(scheduled.id))?.state).toBe("canceled");
    const { html } = await page(admin, "/jobs");
    expect(countOf(html, "canceled")).toBe(1);
    expect(countOf(html, "scheduled")).toBe(26);
  });

  test("cancelling a job that is done already is a 409 that shows where it is", async () => {
    const res = await post(admin, `/jobs/${finished.id}/cancel`);
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(html).toContain("Could not cancel: job is already finished.");
    expect(html).toContain("<!doctype html>");
    expect((await post(admin, `/jobs/${scheduled.id}/cancel`)).status).toBe(409);
  });

  test("an admin retries a failed job; a back address off the jobs pages is ignored", async () => {
    const res = await post(admin, `/jobs/${failed.id}/retry`, { back: "https://evil.test/" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/jobs/${failed.id}`);
    expect(["queued", "started", "failed"]).toContain(
      (await t.ctx.jobs.get(failed.id))?.state as string,
    );
    await until(failed, "failed");
    // It really ran again: a fresh error in its log.
    const log = await t.ctx.jobs.logs(failed.id);
    expect(log.filter((l) => l.message.includes("no music folder 999")).length).toBeGreaterThan(2);
    // A canceled job can be retried too.
    expect((await post(admin, `/jobs/${scheduled.id}/retry`)).status).toBe(303);
    expect((await t.ctx.jobs.get(scheduled.id))?.state).not.toBe("canceled");
  });

  test("an admin starts a scan from the jobs page", async () => {
    const res = await post(admin, "/jobs/actions/scan", { full: "1" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/jobs");
    const scans = await t.ctx.jobs.list({ name: "refresh-metadata" });
    expect(scans.total).toBe(1);
    await drain();
    expect((await t.ctx.jobs.get(scans.items[0]?.id ?? ""))?.state).toBe("finished");
  });
});
