import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { count } from "drizzle-orm";
import { jobs, tracks } from "../db/schema.ts";
import type { LocalDispatcher } from "../jobs/local-dispatcher.ts";
import { startTestApp, type TestApp, tempDir, type WebSession, webSession } from "./helpers/app.ts";
import { makeTone } from "./helpers/audio-files.ts";

let t: TestApp;
let user: WebSession;
let uploadsDir: string;
const src = tempDir("bandstand-web-upload-src-");
const songs: string[] = [];
const HOSTILE_ALBUM = `<script>alert("album")</script>`;

beforeAll(async () => {
  t = await startTestApp({ BANDSTAND_UPLOAD_MAX_MB: "1", BANDSTAND_AUTO_ANALYZE: "false" });
  const folders = await t.ctx.library.syncFolders();
  uploadsDir = folders.find((f) => f.kind === "uploads")?.path ?? "";
  user = await webSession(t, "uploader");
  for (const [i, f] of [330, 440, 550].entries()) {
    songs.push(
      await makeTone(join(src, `song${i}.mp3`), {
        frequency: f,
        tags: {
          title: `Web Upload ${i}`,
          artist: "Web Uploader",
          album_artist: "Web Uploader",
          album: HOSTILE_ALBUM,
          track: String(i + 1),
        },
      }),
    );
  }
});
afterAll(() => t.close());

const trackCount = async () => (await t.ctx.database.db.select({ n: count() }).from(tracks))[0]?.n;
const jobCount = async () => (await t.ctx.database.db.select({ n: count() }).from(jobs))[0]?.n;

/** Every file under a directory, recursively (what an upload left on disk). */
function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name));
  } catch {
    return [];
  }
}
const stored = () => filesUnder(uploadsDir).length;
const leftovers = () => filesUnder(join(t.dataDir, "tmp")).filter((f) => f.includes("upload-"));

type Part = [name: string, value: string | Blob, fileName?: string];

/** The no-JS form: a plain multipart POST to /upload, `_csrf` first as a browser sends it. */
function postForm(parts: Part[], opts: { csrf?: string | null; cookie?: string } = {}) {
  const fd = new FormData();
  const csrf = opts.csrf === undefined ? user.csrf : opts.csrf;
  if (csrf !== null) fd.append("_csrf", csrf);
  for (const [name, value, fileName] of parts) {
    if (typeof value === "string") fd.append(name, value);
    else fd.append(name, value, fileName);
  }
  return t.request("/upload", {
    method: "POST",
    body: fd,
    headers: { cookie: opts.cookie ?? user.cookie },
  });
}

/**
 * The form's answer: a redirect to the outcome page (post/redirect/get, so a reload sends
 * nothing again); returns that page as the uploader sees it.
 */
async function outcomePage(res: Response): Promise<string> {
  expect(res.status).toBe(303);
  const location = res.headers.get("location") ?? "";
  expect(location).toMatch(/^\/upload\?batch=[A-Za-z0-9_-]{16,64}$/);
  const page = await user.request(location);
  expect(page.status).toBe(200);
  return page.text();
}

const outcomes = (html: string) =>
  [...html.matchAll(/<span class="outcome">([^<]*)<\/span>/g)].map((m) => m[1]);

describe("upload page", () => {
  test("needs a login", async () => {
    const res = await t.request("/upload");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?next=%2Fupload");
    const post = await postForm([["file", Bun.file(songs[0] ?? ""), "a.mp3"]], { cookie: "" });
    expect(post.status).toBe(303);
    expect(stored()).toBe(0);
  });

  test("is a multipart form with a labelled multi-file input that works without JS", async () => {
    const res = await user.request("/upload");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('action="/upload" enctype="multipart/form-data"');
    expect(html).toContain('<label for="upload-files">Choose audio files</label>');
    expect(html).toMatch(/<input id="upload-files" type="file" name="file" multiple/);
    expect(html).toContain(`name="_csrf" value="${user.csrf}"`);
    expect(html).toContain("up to 1 MB each");
    expect(html).toContain('<script src="/public/upload.js"></script>');
    const js = await t.request("/public/upload.js");
    expect(js.status).toBe(200);
    expect(await js.text()).toContain("/api/v1/uploads");
  });
});

describe("upload without JavaScript", () => {
  let jobIds: string[] = [];

  test("three files become three tracks, each through an import job", async () => {
    const res = await postForm(songs.map((s, i): Part => ["file", Bun.file(s), `song ${i}.mp3`]));
    const html = await outcomePage(res);
    expect(outcomes(html)).toEqual(["Uploaded", "Uploaded", "Uploaded"]);
    expect(html).toContain("song 0.mp3");
    jobIds = [...html.matchAll(/hx-get="\/upload\/imports\/(job_[0-9a-f-]+)"/g)].map(
      (m) => m[1] as string,
    );
    expect(jobIds.length).toBe(3);
    // Each import's status follows its job's SSE events.
    expect(html).toContain(`job[detail.data.includes('${jobIds[0]}')] from:body`);
    await (t.ctx.queue as LocalDispatcher).drain();
    expect(await trackCount()).toBe(3);
    expect(stored()).toBe(3);
  });

  test("the outcome page is the uploader's alone, and can be reloaded without uploading again", async () => {
    const res = await postForm([["file", Bun.file(songs[2] ?? ""), "again.mp3"]]);
    const location = res.headers.get("location") ?? "";
    const first = await outcomePage(res);
    const jobsBefore = await jobCount();
    const storedBefore = stored();
    // A reload is a GET of the same page: the same outcome, nothing sent or stored again.
    expect(outcomes(await (await user.request(location)).text())).toEqual(outcomes(first));
    expect(await jobCount()).toBe(jobsBefore);
    expect(stored()).toBe(storedBefore);
    // Another user, a made-up batch or a malformed one: the plain page, saying nothing is kept.
    const other = await webSession(t, "other-uploader");
    const theirs = await (await other.request(location)).text();
    expect(outcomes(theirs)).toEqual([]);
    expect(theirs).toContain("no longer kept");
    for (const batch of ["A".repeat(24), "../../etc", ""]) {
      const html = await (await user.request(`/upload?batch=${batch}`)).text();
      expect(outcomes(html)).toEqual([]);
    }
  });

  test("a finished import links to its album, with the album name escaped", async () => {
    const res = await user.request(`/upload/imports/${jobIds[0]}`, {
      headers: { "HX-Request": "true" },
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    const album = html.match(/href="\/albums\/(\d+)"/)?.[1];
    expect(album).toBeDefined();
    expect(html).toContain("Import finished: ");
    expect(html).toContain("&lt;script&gt;alert(&quot;album&quot;)&lt;/script&gt;");
    expect(html).not.toContain(HOSTILE_ALBUM);
    expect(html).toContain(" by Web Uploader");
    // The same status as a part for the upload script; without htmx, the job's page.
    const part = await user.request(`/upload/imports/${jobIds[0]}?part=status`);
    expect(await part.text()).toMatch(/^<span class="import-status" role="status" hx-get=/);
    const plain = await user.request(`/upload/imports/${jobIds[0]}`);
    expect(plain.status).toBe(303);
    expect(plain.headers.get("location")).toBe(`/jobs/${jobIds[0]}`);
    // The job's page (where the status links to without JS) names the album too.
    const jobPage = await (await user.request(`/jobs/${jobIds[0]}`)).text();
    expect(jobPage).toContain(`<dt>Album</dt><dd><a href="/albums/${album}">&lt;script&gt;`);
  });

  test("import status of an unknown or non-import job is a 404", async () => {
    const h = { headers: { "HX-Request": "true" } };
    expect((await user.request("/upload/imports/nope", h)).status).toBe(404);
    const missing = "job_00000000-0000-0000-0000-000000000000";
    expect((await user.request(`/upload/imports/${missing}`, h)).status).toBe(404);
    const other = await t.ctx.jobs.enqueue("analyze", { trackId: 1 }, { delaySeconds: 3600 });
    expect((await user.request(`/upload/imports/${other.id}`, h)).status).toBe(404);
  });

  test("the same content again is a duplicate, not another track", async () => {
    const res = await postForm([["file", Bun.file(songs[1] ?? ""), "renamed.mp3"]]);
    expect(outcomes(await outcomePage(res))).toEqual(["Duplicate: already in the library"]);
    await (t.ctx.queue as LocalDispatcher).drain();
    expect(await trackCount()).toBe(3);
    expect(stored()).toBe(3);
  });

  test("a file that is not audio is rejected with the reason; the others still go in", async () => {
    const other = await makeTone(join(src, "other.mp3"), { frequency: 990 });
    const res = await postForm([
      ["file", new Blob(["just some text, not music"]), "notes & <b>plans.mp3"],
      ["file", Bun.file(other), "other.mp3"],
    ]);
    const html = await outcomePage(res);
    expect(outcomes(html)).toEqual([
      "Rejected: the content is not a known audio format",
      "Uploaded",
    ]);
    // The client's file name is shown as text.
    expect(html).toContain("notes &amp; bplans.mp3");
    await (t.ctx.queue as LocalDispatcher).drain();
    expect(await trackCount()).toBe(4);
  });

  test("a file over the size limit is refused with a clear reason and nothing of it stays", async () => {
    const big = new Uint8Array(1024 * 1024 + 10);
    big.set([0x49, 0x44, 0x33, 4, 0]); // looks like ID3: only the size refuses it
    const before = stored();
    const res = await postForm([["file", new Blob([big]), "huge.mp3"]]);
    expect(outcomes(await outcomePage(res))).toEqual([
      "Rejected: the file is larger than the limit of 1 MB per file",
    ]);
    expect(stored()).toBe(before);
    expect(leftovers()).toEqual([]);
  });

  test("without a file chosen the form says so", async () => {
    // What a browser sends for an empty file input: a part without a file name.
    const res = await postForm([["file", new Blob([]), ""]]);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Choose at least one audio file to upload.");
  });

  test("without the CSRF field (or with a wrong one) it is 403 and nothing is stored", async () => {
    const fresh = await makeTone(join(src, "fresh.mp3"), { frequency: 1210 });
    const before = { files: stored(), jobs: await jobCount() };
    const none = await postForm([["file", Bun.file(fresh), "fresh.mp3"]], { csrf: null });
    expect(none.status).toBe(403);
    const wrong = await postForm([["file", Bun.file(fresh), "fresh.mp3"]], { csrf: "forged" });
    expect(wrong.status).toBe(403);
    // A token after the file comes too late: the file would have been stored unchecked.
    const fd = new FormData();
    fd.append("file", Bun.file(fresh), "fresh.mp3");
    fd.append("_csrf", user.csrf);
    const late = await t.request("/upload", {
      method: "POST",
      body: fd,
      headers: { cookie: user.cookie },
    });
    expect(late.status).toBe(403);
    expect(stored()).toBe(before.files);
    expect(await jobCount()).toBe(before.jobs);
    expect(leftovers()).toEqual([]);
  });

  test("a body that breaks off midway stores nothing, not even its complete files", async () => {
    const fresh = new Uint8Array(await Bun.file(songs[0] ?? "").arrayBuffer());
    // Another file's bytes: make them new content by changing the last byte.
    fresh[fresh.length - 1] = (fresh[fresh.length - 1] ?? 0) ^ 0xff;
    const boundary = "----bandstand-test-boundary";
    const enc = new TextEncoder();
    const head = (name: string) =>
      enc.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\n` +
          "Content-Type: audio/mpeg\r\n\r\n",
      );
    const body = new Blob([
      enc.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${user.csrf}\r\n`,
      ),
      head("complete.mp3"),
      fresh,
      enc.encode("\r\n"),
      head("cut.mp3"),
      fresh.subarray(0, 2000),
      // …and the body ends: no closing boundary.
    ]);
    const before = { files: stored(), jobs: await jobCount(), tracks: await trackCount() };
    const res = await t.request("/upload", {
      method: "POST",
      body,
      headers: {
        cookie: user.cookie,
        "content-type": `multipart/form-data; boundary=${boundary}`,
      },
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Nothing was stored.");
    expect(stored()).toBe(before.files);
    expect(await jobCount()).toBe(before.jobs);
    expect(leftovers()).toEqual([]);
    await (t.ctx.queue as LocalDispatcher).drain();
    expect(await trackCount()).toBe(before.tracks);
  });

  test("a request that is not multipart is a 400 (once its CSRF header is right)", async () => {
    const res = await user.request("/upload", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("send multipart/form-data");
  });
});
