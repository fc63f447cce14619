import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { count } from "drizzle-orm";
import { tracks } from "../db/schema.ts";
import type { LocalDispatcher } from "../jobs/local-dispatcher.ts";
import { startTestApp, type TestApp, tempDir } from "./helpers/app.ts";
import { makeTone } from "./helpers/audio-files.ts";

let t: TestApp;
let adminKey: string;
let userKey: string;
const src = tempDir("bandstand-upload-src-");
const files: string[] = [];

beforeAll(async () => {
  t = await startTestApp({ BANDSTAND_UPLOAD_MAX_MB: "1" });
  await t.ctx.library.syncFolders();
  const admin = await t.ctx.users.create({
    username: "admin",
    password: "admin-pw",
    role: "admin",
  });
  const user = await t.ctx.users.create({ username: "user", password: "user-pw" });
  adminKey = (await t.ctx.apiKeys.create(admin.id, "t")).key;
  userKey = (await t.ctx.apiKeys.create(user.id, "t")).key;
  for (const [i, f] of [440, 550, 660].entries()) {
    files.push(
      await makeTone(join(src, `song${i}.mp3`), {
        frequency: f,
        tags: {
          title: `Upload ${i}`,
          artist: "Uploader",
          album: "Uploaded Album",
          track: String(i + 1),
        },
      }),
    );
  }
});
afterAll(() => t.close());

function form(entries: [string, Blob | string, string?][]): FormData {
  const fd = new FormData();
  for (const [name, value, fileName] of entries) {
    if (typeof value === "string") fd.append(name, value);
    else fd.append(name, value, fileName);
  }
  return fd;
}

async function upload(fd: FormData, key = adminKey) {
  const res = await t.request("/api/v1/uploads", {
    method: "POST",
    body: fd,
    headers: { "X-API-Key": key },
  });
  return { status: res.status, body: (await res.json()) as { files: Record<string, unknown>[] } };
}

const trackCount = async () => (await t.ctx.database.db.select({ n: count() }).from(tracks))[0]?.n;

describe("uploads", () => {
  test("three files become three tracks, through import jobs", async () => {
    const fd = form(files.map((f, i) => ["file", Bun.file(f), `song${i}.mp3`]));
    const { status, body } = await upload(fd);
    expect(status).toBe(202);
    expect(body.files.map((f) => f.status)).toEqual(["accepted", "accepted", "accepted"]);
    await (t.ctx.queue as LocalDispatcher).drain();
    expect(await trackCount()).toBe(3);
    const titles = await t.ctx.database.db.select({ title: tracks.title }).from(tracks);
    expect(titles.map((r) => r.title).sort()).toEqual(["Upload 0", "Upload 1", "Upload 2"]);
    const jobs = await t.ctx.jobs.list({ name: "import" });
    expect(jobs.items.map((j) => j.state)).toEqual(["finished", "finished", "finished"]);
  });

  test("each import is analysed: loudness, peaks, BPM; ReplayGain filled in where tags had none", async () => {
    const rows = await t.ctx.database.client.execute(
      `SELECT a.integrated_lufs, a.true_peak_db, a.track_gain, length(a.peaks) AS peak_bytes,
              t.rg_track_gain, al.rg_album_gain
         FROM audio_analysis a JOIN tracks t ON t.id = a.track_id JOIN albums al ON al.id = t.album_id`,
    );
    expect(rows.rows.length).toBe(3);
    for (const r of rows.rows) {
      // ffmpeg's sine source is -18 dBFS peak-ish mono: about -21 LUFS.
      expect(Number(r.integrated_lufs)).toBeGreaterThan(-30);
      expect(Number(r.integrated_lufs)).toBeLessThan(-10);
      expect(Number(r.peak_bytes)).toBe(2000);
      expect(Number(r.rg_track_gain)).toBeCloseTo(-18 - Number(r.integrated_lufs), 5);
      expect(r.rg_album_gain).not.toBeNull();
    }
  });

  test("the same content again is a duplicate, not a second track", async () => {
    const { status, body } = await upload(
      form([["file", Bun.file(files[0] ?? ""), "renamed.mp3"]]),
    );
    expect(status).toBe(202);
    expect(body.files[0]?.status).toBe("duplicate");
    await (t.ctx.queue as LocalDispatcher).drain();
    expect(await trackCount()).toBe(3);
  });

  test("audio is checked by content, not by extension", async () => {
    const { body } = await upload(
      form([["file", new Blob(["this is not audio at all, just text"]), "fake.mp3"]]),
    );
    expect(body.files[0]).toMatchObject({ status: "rejected", code: "not_audio" });
    const empty = await upload(form([["file", new Blob([]), "empty.flac"]]));
    expect(empty.body.files[0]).toMatchObject({ status: "rejected", code: "empty" });
  });

  test("a file over the size limit is refused and nothing of it stays", async () => {
    const big = new Uint8Array(1024 * 1024 + 10);
    big.set([0x49, 0x44, 0x33, 4, 0]); // looks like ID3, so only the size refuses it
    const { body } = await upload(form([["file", new Blob([big]), "big.mp3"]]));
    expect(body.files[0]).toMatchObject({ status: "rejected", code: "too_large" });
    expect(readdirSync(join(t.dataDir, "tmp"))).toEqual([]);
  });

  test("a hostile file name stays inside the uploads folder", async () => {
    const other = await makeTone(join(src, "evil.mp3"), { frequency: 880 });
    const { body } = await upload(form([["file", Bun.file(other), "../../../etc/passwd.mp3"]]));
    expect(body.files[0]?.status).toBe("accepted");
    expect(body.files[0]?.path).toBe("admin/passwd.mp3");
    await (t.ctx.queue as LocalDispatcher).drain();
    expect(await trackCount()).toBe(4);
  });

  test("uploads need credentials; a cookie session needs the CSRF header", async () => {
    const anon = await t.request("/api/v1/uploads", {
      method: "POST",
      body: form([["file", "x"]]),
    });
    expect(anon.status).toBe(401);
    const { token } = await t.ctx.sessions.create((await t.ctx.users.byName("user"))?.id ?? 0);
    const noCsrf = await t.request("/api/v1/uploads", {
      method: "POST",
      body: form([["file", Bun.file(files[1] ?? ""), "x.mp3"]]),
      headers: { cookie: `bandstand_session=${token}` },
    });
    expect(noCsrf.status).toBe(403);
    const asUser = await upload(form([["file", new Blob([])]]), userKey);
    expect(asUser.status).toBe(202);
    const notMultipart = await t.request("/api/v1/uploads", {
      method: "POST",
      body: "{}",
      headers: { "X-API-Key": adminKey, "content-type": "application/json" },
    });
    expect(notMultipart.status).toBe(400);
  });
});

describe("jobs API", () => {
  test("lists with filters and paging, shows one job with its log", async () => {
    const res = await t.request("/api/v1/jobs?name=import&state=finished&limit=2", {
      headers: { "X-API-Key": userKey },
    });
    expect(res.status).toBe(200);
    const list = (await res.json()) as { items: { id: string; state: string }[]; total: number };
    expect(list.items.length).toBe(2);
    expect(list.total).toBe(4);
    const one = await t.request(`/api/v1/jobs/${list.items[0]?.id}`, {
      headers: { "X-API-Key": userKey },
    });
    const job = (await one.json()) as { log: { message: string }[]; state: string };
    expect(job.state).toBe("finished");
    expect(job.log.map((l) => l.message).join()).toContain("imported");
    expect(
      (await t.request("/api/v1/jobs?state=bogus", { headers: { "X-API-Key": userKey } })).status,
    ).toBe(400);
    expect(
      (await t.request("/api/v1/jobs/job_nope", { headers: { "X-API-Key": userKey } })).status,
    ).toBe(404);
  });

  test("cancel and retry are for admins", async () => {
    const job = await t.ctx.jobs.enqueue("clean-cache", {}, { delaySeconds: 60 });
    const asUser = await t.request(`/api/v1/jobs/${job.id}/cancel`, {
      method: "POST",
      headers: { "X-API-Key": userKey },
    });
    expect(asUser.status).toBe(403);
    const canceled = await t.request(`/api/v1/jobs/${job.id}/cancel`, {
      method: "POST",
      headers: { "X-API-Key": adminKey },
    });
    expect(canceled.status).toBe(200);
    expect(((await canceled.json()) as { state: string }).state).toBe("canceled");
    const again = await t.request(`/api/v1/jobs/${job.id}/cancel`, {
      method: "POST",
      headers: { "X-API-Key": adminKey },
    });
    expect(again.status).toBe(409);
    const retried = await t.request(`/api/v1/jobs/${job.id}/retry`, {
      method: "POST",
      headers: { "X-API-Key": adminKey },
    });
    expect(((await retried.json()) as { state: string }).state).toBe("queued");
    await (t.ctx.queue as LocalDispatcher).drain();
    expect((await t.ctx.jobs.get(job.id))?.state).toBe("finished");
  });
});
