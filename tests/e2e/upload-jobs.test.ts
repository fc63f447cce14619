/**
 * Upload and job journeys in Chromium: upload a real audio file (picked, then dropped) and watch
 * it import live into an album — on the upload page and on a home page open in another tab —
 * and cancel a running library scan from the job monitor, which moves without a reload.
 * Screenshots of /upload and /jobs at phone and desktop widths.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, linkSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { benchLibrary } from "../../bench/common.ts";
import { tempDir } from "../helpers/app.ts";
import { makeTone } from "../helpers/audio-files.ts";
import {
  DESKTOP,
  type E2EServer,
  eventually,
  launchBrowser,
  login,
  main,
  mainNav,
  newPage,
  PHONE,
  screenshot,
  scrollsSideways,
  startE2EServer,
} from "./harness.ts";

let browser: Browser;
const servers: E2EServer[] = [];
const src = tempDir("bandstand-e2e-upload-src-");

beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const s of servers) await s.stop();
  rmSync(src, { recursive: true, force: true });
});

/** Hard-links every file under `from` into `to` (copies across file systems). */
function linkTree(from: string, to: string): void {
  for (const entry of readdirSync(from, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith(".")) continue;
    const source = join(entry.parentPath, entry.name);
    const target = join(to, relative(from, source));
    mkdirSync(dirname(target), { recursive: true });
    try {
      linkSync(source, target);
    } catch {
      copyFileSync(source, target);
    }
  }
}

const barValue = (bar: Locator) => bar.evaluate((e) => (e as HTMLProgressElement).value);

/** A marker on the window: gone after a full page load, kept by htmx swaps. */
const mark = (page: Page) =>
  page.evaluate(() => {
    (window as unknown as Record<string, boolean>).__sameDocument = true;
  });
const sameDocument = (page: Page) =>
  page.evaluate(() => (window as unknown as Record<string, boolean>).__sameDocument === true);

describe("upload", () => {
  test("pick a file, drop another: progress, outcome, live import, the album (also on an open home page)", async () => {
    const server = await startE2EServer();
    servers.push(server);
    const tags = {
      artist: "Mira Vale",
      album_artist: "Mira Vale",
      album: "Tidal Notes",
      date: "2024",
      genre: "Folk",
    };
    const picked = await makeTone(join(src, "Harbor Song.mp3"), {
      frequency: 392,
      seconds: 3,
      tags: { ...tags, title: "Harbor Song", track: "1" },
    });
    const dropped = await makeTone(join(src, "Low Tide.mp3"), {
      frequency: 494,
      seconds: 3,
      tags: { ...tags, title: "Low Tide", track: "2" },
    });

    const { context, page } = await newPage(browser, DESKTOP);
    try {
      await login(page, server.url);
      // A second tab on the home page, open before the upload.
      const home = await context.newPage();
      await home.goto(`${server.url}/`);
      await home.getByRole("heading", { name: "Recently added" }).waitFor();
      const recent = home.getByRole("list", { name: "Recently added" });
      expect(await recent.getByRole("link", { name: "Tidal Notes" }).count()).toBe(0);
      await mark(home);

      // To the upload page by the nav (a boosted swap: its script must still start).
      await mainNav(page).getByRole("link", { name: "Upload" }).click();
      await page.waitForURL((u) => u.pathname === "/upload");
      await main(page).getByRole("heading", { name: "Upload", level: 1 }).waitFor();
      // Uploads start once files are chosen: the button is only for the form without JS.
      expect(await page.getByRole("button", { name: "Upload" }).isVisible()).toBe(false);
      await page.getByLabel("Choose audio files").setInputFiles(picked);

      const uploads = page.getByRole("list", { name: "Uploaded files" });
      const bar = page.getByRole("progressbar", { name: "Uploading Harbor Song.mp3" });
      await bar.waitFor();
      await eventually(async () => (await barValue(bar)) === 100, "the upload bar is full");
      await uploads.getByRole("status").filter({ hasText: "Uploaded" }).first().waitFor();

      // The import's status follows its job to the end, then names the album.
      const seen = new Set<string>();
      const album = uploads.getByRole("link", { name: "Tidal Notes" });
      await eventually(async () => {
        const done = (await album.count()) > 0;
        for (const s of await uploads.getByRole("status").allTextContents()) {
          seen.add(s.replace(/\s+/g, " ").trim());
        }
        return done;
      }, "the import finished");
      expect([...seen].some((s) => s.startsWith("Import finished: Tidal Notes by Mira Vale"))).toBe(
        true,
      );
      console.log(`import statuses seen: ${[...seen].join(" | ")}`);

      // The home tab shows the new album without a reload (the SSE `library` event).
      await recent.getByRole("link", { name: "Tidal Notes" }).waitFor({ timeout: 15_000 });
      expect(await sameDocument(home)).toBe(true);
      await home.close();

      // A file dropped on the drop zone goes the same way.
      const bytes = [...new Uint8Array(await Bun.file(dropped).arrayBuffer())];
      const transfer = await page.evaluateHandle((data) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(data)], "Low Tide.mp3", { type: "audio/mpeg" }));
        return dt;
      }, bytes);
      const zone = page.getByRole("group", { name: "Drop zone for audio files" });
      await zone.dispatchEvent("dragenter", { dataTransfer: transfer });
      await zone.dispatchEvent("dragover", { dataTransfer: transfer });
      await zone.dispatchEvent("drop", { dataTransfer: transfer });
      const dropBar = page.getByRole("progressbar", { name: "Uploading Low Tide.mp3" });
      await dropBar.waitFor();
      await eventually(
        async () => (await barValue(dropBar)) === 100,
        "the dropped file's bar is full",
      );
      await eventually(
        async () => (await album.count()) === 2,
        "the dropped file's import finished",
      );

      // The same file again is a duplicate, said so on its row.
      await page.getByLabel("Choose audio files").setInputFiles(picked);
      await uploads
        .getByRole("status")
        .filter({ hasText: "Duplicate: already in the library" })
        .waitFor();

      await screenshot(page, "upload-desktop");
      await page.setViewportSize(PHONE);
      expect(await scrollsSideways(page)).toBe(false);
      await screenshot(page, "upload-phone");
      await page.setViewportSize(DESKTOP);

      // Follow the album link to the album page: both uploaded tracks are on it.
      await uploads.getByRole("link", { name: "Tidal Notes" }).first().click();
      await page.waitForURL((u) => /^\/albums\/\d+$/.test(u.pathname));
      await main(page).getByRole("heading", { name: "Tidal Notes" }).waitFor();
      await main(page).getByRole("button", { name: "Play Harbor Song", exact: true }).waitFor();
      await main(page).getByRole("button", { name: "Play Low Tide", exact: true }).waitFor();

      // The imports on the job monitor, and one import's page with its log.
      await mainNav(page).getByRole("link", { name: "Jobs" }).click();
      await page.waitForURL((u) => u.pathname === "/jobs");
      await page.getByLabel("Name").selectOption("import");
      await page.getByRole("button", { name: "Filter" }).click();
      await page.waitForURL((u) => u.searchParams.get("name") === "import");
      const imports = page.getByRole("list", { name: "Jobs", exact: true }).getByRole("listitem");
      await eventually(async () => (await imports.count()) === 2, "two imports listed");
      await imports.last().getByRole("link").click();
      await page.waitForURL((u) => u.pathname.startsWith("/jobs/job_"));
      await main(page).getByText("finished", { exact: true }).waitFor();
      await main(page)
        .getByRole("list", { name: "Log" })
        .getByText(/imported .*Harbor Song\.mp3/)
        .waitFor();
    } finally {
      await context.close();
    }

    // With JavaScript off the same form posts as a plain multipart form; its outcome is a page.
    const noJs = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
    try {
      const plain = await noJs.newPage();
      plain.setDefaultTimeout(10_000);
      const third = await makeTone(join(src, "Sea Glass.mp3"), {
        frequency: 587,
        seconds: 2,
        tags: { ...tags, title: "Sea Glass", track: "3" },
      });
      await login(plain, server.url);
      await plain.goto(`${server.url}/upload`);
      await plain.getByLabel("Choose audio files").setInputFiles([third, picked]);
      await plain.getByRole("button", { name: "Upload" }).click();
      await plain.waitForURL((u) => u.pathname === "/upload");
      const list = plain.getByRole("list", { name: "Uploaded files" });
      await list.getByText("Uploaded", { exact: true }).waitFor();
      await list.getByText("Duplicate: already in the library").waitFor();
      // The outcome is a page of its own (post/redirect/get): a reload shows it, sends nothing.
      expect(new URL(plain.url()).searchParams.get("batch")).toMatch(/^[\w-]{16,64}$/);
      await plain.reload();
      await list.getByText("Uploaded", { exact: true }).waitFor();
      await list.getByText("Duplicate: already in the library").waitFor();
      // The import's job page says when it is done, and names the album.
      await list.getByRole("link", { name: "Import job of Sea Glass.mp3" }).click();
      await plain.waitForURL((u) => u.pathname.startsWith("/jobs/job_"));
      await eventually(async () => {
        await plain.reload();
        return (await main(plain).getByRole("link", { name: "Tidal Notes" }).count()) === 1;
      }, "the import finished");
      expect(await scrollsSideways(plain)).toBe(false);
    } finally {
      await noJs.close();
    }
  }, 150_000);
});

describe("jobs", () => {
  test("start a full scan, watch it move, cancel it: canceled live, no reload", async () => {
    const server = await startE2EServer();
    servers.push(server);
    // Then 10k more files arrive (the benchmarks' generated library, hard-linked: no copying),
    // so the scan started below runs for many seconds.
    const big = await benchLibrary(10_000);
    linkTree(big, join(server.musicDir, "generated"));

    const { context, page } = await newPage(browser, DESKTOP);
    try {
      await login(page, server.url);
      await mainNav(page).getByRole("link", { name: "Jobs" }).click();
      await page.waitForURL((u) => u.pathname === "/jobs");
      const counts = page.getByRole("list", { name: "Jobs by state" });
      await counts.waitFor();
      await page.getByRole("button", { name: "Start full scan" }).click();

      const jobs = page.getByRole("list", { name: "Jobs", exact: true });
      const row = jobs
        .getByRole("listitem")
        .filter({ has: page.getByRole("link", { name: /^refresh-metadata / }) });
      await row.waitFor();
      await mark(page);
      await eventually(
        async () => (await row.textContent())?.includes("started") ?? false,
        "the scan started",
        30_000,
        async () => {
          const href = await row.getByRole("link").first().getAttribute("href");
          const now = await (await page.request.get(`${server.url}${href}`)).text();
          return `the row says: ${await row.textContent()}; the server says: ${now.match(/<dl.*?<\/dl>/s)?.[0]}`;
        },
      );
      const bar = row.getByRole("progressbar", { name: /^Progress of refresh-metadata / });
      // The bar moves with the scan, without a reload.
      let first = 0;
      await eventually(async () => {
        first = await barValue(bar);
        return first > 0;
      }, "the scan made progress");
      await eventually(async () => (await barValue(bar)) > first, "the progress moved on", 20_000);
      expect(await sameDocument(page)).toBe(true);
      expect(await counts.getByRole("link", { name: /^started \d/ }).textContent()).toContain("1");
      await screenshot(page, "jobs-desktop");

      // Its own page, in a second tab, moves too (it listens to this job's events only).
      const href = await row.getByRole("link", { name: /^refresh-metadata / }).getAttribute("href");
      const detail = await context.newPage();
      await detail.goto(`${server.url}${href}`);
      const facts = main(detail).getByRole("region", { name: "Job details" });
      const detailBar = facts.getByRole("progressbar", { name: /^Progress of refresh-metadata / });
      const before = await barValue(detailBar);
      await mark(detail);
      await eventually(
        async () => (await barValue(detailBar)) > before,
        "the job page moved",
        20_000,
      );

      await row.getByRole("button", { name: /^Cancel refresh-metadata / }).click();
      // The chunk stops at its next check for a cancel: on a busy machine that takes a while.
      await eventually(
        async () => (await row.textContent())?.includes("canceled") ?? false,
        "the scan was canceled",
        60_000,
        async () => `the row says: ${await row.textContent()}`,
      );
      expect(await sameDocument(page)).toBe(true);
      await facts.getByText("canceled", { exact: true }).waitFor({ timeout: 10_000 });
      expect(await sameDocument(detail)).toBe(true);
      await detail.close();
      const stoppedAt = await barValue(bar);
      expect(stoppedAt).toBeLessThan(100);
      await counts.getByRole("link", { name: "canceled 1" }).waitFor();
      // No cancel button any more; a retry one instead.
      expect(await row.getByRole("button", { name: /^Cancel / }).count()).toBe(0);
      await row.getByRole("button", { name: /^Retry refresh-metadata / }).waitFor();

      await page.setViewportSize(PHONE);
      expect(await scrollsSideways(page)).toBe(false);
      await screenshot(page, "jobs-phone");

      // Its own page: canceled, with its log; fits a phone too.
      await row.getByRole("link", { name: /^refresh-metadata / }).click();
      await page.waitForURL((u) => u.pathname.startsWith("/jobs/job_"));
      await main(page)
        .getByRole("heading", { name: /^refresh-metadata / })
        .waitFor();
      await main(page).getByText("canceled", { exact: true }).waitFor();
      expect(await scrollsSideways(page)).toBe(false);
      await screenshot(page, "job-phone");
    } finally {
      await context.close();
    }
  }, 180_000);
});
