/**
 * Browsing journeys in Chromium: the first login on a fresh server, live search to an album and
 * playing on through boosted navigation, browsing with JavaScript off, hostile tags shown as
 * text, and screenshots of the main pages at phone and desktop widths.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import type { Browser, Page } from "playwright-core";
import {
  ADMIN,
  type AlbumSpec,
  DESKTOP,
  type E2EServer,
  LIBRARY,
  launchBrowser,
  login,
  main,
  mainNav,
  NARROW,
  newPage,
  PHONE,
  screenshot,
  scrollsSideways,
  startE2EServer,
  writeLibrary,
} from "./harness.ts";

const SCRIPT_TAG = "<script>window.__pwned=1</script>";
const IMG_TAG = '<img src=x onerror="window.__pwned=1">';

/** The default library plus an album whose tags try to run script. */
const ALBUMS: AlbumSpec[] = [
  ...LIBRARY,
  {
    artist: IMG_TAG,
    album: SCRIPT_TAG,
    genre: "Hostile",
    year: 2000,
    tracks: [SCRIPT_TAG, IMG_TAG],
    seconds: 5,
  },
];

let server: E2EServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2EServer({ albums: ALBUMS }), launchBrowser()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Waits (briefly) for the images in view to finish loading, so screenshots show covers. */
function imagesLoaded(page: Page) {
  return page.evaluate(() =>
    Promise.race([
      Promise.all(
        [...document.images]
          .filter((img) => img.loading !== "lazy" && !img.complete)
          .map((img) => new Promise((r) => img.addEventListener("load", r, { once: true }))),
      ),
      new Promise((r) => setTimeout(r, 2000)),
    ]),
  );
}

async function visible(page: Page, role: "heading" | "link" | "button", name: string) {
  await main(page).getByRole(role, { name, exact: true }).first().waitFor({ state: "visible" });
}

describe("first run", () => {
  test("a server with no account leads to the setup page, then home", async () => {
    const fresh = await startE2EServer({
      admin: false,
      albums: [{ artist: "Solo", album: "First Light", tracks: ["Dawn"], seconds: 2 }],
    });
    const { context, page } = await newPage(browser, DESKTOP);
    try {
      await page.goto(`${fresh.url}/`);
      expect(new URL(page.url()).pathname).toBe("/setup");
      await page.getByRole("heading", { name: "Create the admin account" }).waitFor();
      await page.getByLabel("Username").fill("founder");
      await page.getByLabel("Password", { exact: true }).fill("founder-password-1");
      await page.getByLabel("Repeat password").fill("founder-password-1");
      await page.getByRole("button", { name: "Create admin" }).click();
      await page.waitForURL((u) => u.pathname === "/");
      await visible(page, "heading", "Welcome, founder");
      await visible(page, "heading", "Recently added");
      // The nav is there and names the current section.
      const home = mainNav(page).getByRole("link", { name: "Home" });
      expect(await home.getAttribute("aria-current")).toBe("page");
      // Setup is closed now.
      await page.goto(`${fresh.url}/setup`);
      expect(new URL(page.url()).pathname).not.toBe("/setup");
    } finally {
      await context.close();
      await fresh.stop();
    }
  }, 90_000);
});

describe("live search and uninterrupted playback", () => {
  test("type, open the album, play, then browse three pages while it plays", async () => {
    // Polar Night has a stored waveform (as the analysis job leaves it); the others none.
    const db = createClient({ url: `file:${join(server.dataDir, "bandstand.db")}` });
    try {
      const peaks = new Int8Array(2000);
      for (let i = 0; i < 1000; i++) {
        const level = Math.round(120 * Math.abs(Math.sin(i / 40)));
        peaks[2 * i] = -level;
        peaks[2 * i + 1] = level;
      }
      await db.execute({
        sql: `INSERT INTO audio_analysis (track_id, peaks, analyzed_at)
              SELECT id, ?, ? FROM tracks WHERE title = 'Polar Night'`,
        args: [new Uint8Array(peaks.buffer), Date.now()],
      });
    } finally {
      db.close();
    }
    const { context, page } = await newPage(browser, DESKTOP);
    try {
      await login(page, server.url);
      const box = page.getByLabel("Search the library");
      await box.click();
      await box.pressSequentially("northe", { delay: 60 });
      // The album appears without pressing Enter; the box keeps its focus and text.
      const album = main(page).getByRole("link", { name: "Northern Lights", exact: true }).first();
      await album.waitFor({ state: "visible" });
      await page.waitForURL(
        (u) => u.pathname === "/search" && u.searchParams.get("q") === "northe",
      );
      expect(await box.inputValue()).toBe("northe");
      expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);
      await box.pressSequentially("rn", { delay: 60 });
      await page.waitForURL((u) => u.searchParams.get("q") === "northern");
      expect(await box.inputValue()).toBe("northern");
      expect(await box.evaluate((el) => el === document.activeElement)).toBe(true);

      await album.click();
      await page.waitForURL((u) => u.pathname.startsWith("/albums/"));
      await visible(page, "heading", "Northern Lights");
      await main(page).getByRole("button", { name: "Play Polar Night", exact: true }).click();
      await page.waitForFunction(() => {
        const w = window as unknown as { bandstandPlayer?: { audio: HTMLAudioElement } };
        const a = w.bandstandPlayer?.audio;
        return !!a && !a.paused && a.currentTime > 0.3;
      });
      // A handle on the element and a marker that a full page load would wipe.
      await page.evaluate(() => {
        const w = window as unknown as Record<string, unknown> & {
          bandstandPlayer: { audio: HTMLAudioElement };
        };
        w.__audio = w.bandstandPlayer.audio;
        w.__sameDocument = true;
      });
      await page
        .getByRole("region", { name: "Player" })
        .getByText("Polar Night", { exact: true })
        .waitFor();
      // The playing track's waveform, drawn on its album page.
      const waveform = main(page).getByRole("img", { name: "Waveform of Polar Night" });
      await waveform.waitFor({ state: "visible" });
      const inked = await waveform.evaluate((el) => {
        const c = el as HTMLCanvasElement;
        const data = c.getContext("2d")?.getImageData(0, 0, c.width, c.height).data ?? [];
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
        return n / (c.width * c.height);
      });
      expect(inked).toBeGreaterThan(0.2);
      // Star and rate a track in place while it plays: no page load.
      await main(page).getByRole("button", { name: "Star Solar Wind", exact: true }).click();
      await main(page).getByRole("button", { name: "Unstar Solar Wind", exact: true }).waitFor();
      const rated = page.waitForResponse((r) => r.url().includes("/web/rate/track/"));
      await main(page).getByLabel("Rate Solar Wind").selectOption("5");
      expect((await rated).status()).toBe(204);

      let url = page.url();
      for (const [link, heading] of [
        ["Artists", "Artists"],
        ["Genres", "Genres"],
        ["Favorites", "Favorites"],
      ] as const) {
        const before = await page.evaluate(
          () => (window as unknown as { __audio: HTMLAudioElement }).__audio.currentTime,
        );
        await mainNav(page).getByRole("link", { name: link, exact: true }).click();
        await page.waitForURL((u) => u.pathname === `/${link.toLowerCase()}`);
        await visible(page, "heading", heading);
        expect(page.url()).not.toBe(url);
        url = page.url();
        // The navigation (outside #main) names the new section.
        await page.waitForFunction(
          (name) =>
            [...document.querySelectorAll('nav[aria-label="Main"] a[aria-current="page"]')]
              .map((a) => a.textContent)
              .join() === name,
          link,
        );
        const state = await page.evaluate(async (start) => {
          const w = window as unknown as {
            __audio: HTMLAudioElement;
            __sameDocument?: boolean;
          };
          const audio = w.__audio;
          // currentTime must move on past where it was before the click.
          for (let i = 0; i < 40 && audio.currentTime <= start + 0.2; i++) {
            await new Promise((r) => setTimeout(r, 100));
          }
          return {
            same: document.getElementById("audio") === audio,
            connected: audio.isConnected,
            paused: audio.paused,
            advanced: audio.currentTime > start + 0.2,
            sameDocument: w.__sameDocument === true,
          };
        }, before);
        expect(state).toEqual({
          same: true,
          connected: true,
          paused: false,
          advanced: true,
          sameDocument: true,
        });
      }
      // The last page visited, Favorites, lists the track starred above.
      await main(page).getByText("Solar Wind", { exact: true }).waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);
});

describe("without JavaScript", () => {
  test("log in and browse Home → Artists → an artist → an album through plain links", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: DESKTOP });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    try {
      await login(page, server.url);
      await visible(page, "heading", "Welcome, admin");
      await mainNav(page).getByRole("link", { name: "Artists", exact: true }).click();
      await page.waitForURL((u) => u.pathname === "/artists");
      await visible(page, "heading", "Artists");
      // Letter jump links are plain anchors.
      await page
        .getByRole("navigation", { name: "Artists by letter" })
        .getByRole("link", {
          name: "A",
          exact: true,
        })
        .click();
      expect(new URL(page.url()).hash).toBe("#letter-A");
      await main(page).getByRole("link", { name: "Aurora Lane", exact: true }).click();
      await page.waitForURL((u) => /^\/artists\/\d+$/.test(u.pathname));
      await visible(page, "heading", "Aurora Lane");
      await page
        .getByRole("list", { name: "Albums of Aurora Lane" })
        .getByRole("link", { name: "Northern Lights", exact: true })
        .click();
      await page.waitForURL((u) => /^\/albums\/\d+$/.test(u.pathname));
      await visible(page, "heading", "Northern Lights");
      for (const title of ["Polar Night", "Green Veil", "Solar Wind"]) {
        await main(page).getByText(title, { exact: true }).waitFor();
      }
      // Star and rate a track with plain forms: each post comes back to this album page.
      const albumUrl = page.url();
      await main(page).getByRole("button", { name: "Star Green Veil", exact: true }).click();
      await main(page).getByRole("button", { name: "Unstar Green Veil", exact: true }).waitFor();
      expect(page.url()).toBe(albumUrl);
      await main(page).getByLabel("Rate Green Veil").selectOption("4");
      await main(page).getByRole("button", { name: "Save rating of Green Veil" }).click();
      await page.waitForLoadState();
      expect(page.url()).toBe(albumUrl);
      expect(await main(page).getByLabel("Rate Green Veil").inputValue()).toBe("4");
      // The sort form of the albums page is a real GET form.
      await mainNav(page).getByRole("link", { name: "Albums", exact: true }).click();
      await page.getByLabel("Sort by").selectOption("name");
      await main(page).getByRole("button", { name: "Sort" }).click();
      await page.waitForURL(
        (u) => u.pathname === "/albums" && u.searchParams.get("sort") === "name",
      );
      // And the search box works as a form.
      await page.getByLabel("Search the library").fill("brass");
      await page.getByLabel("Search the library").press("Enter");
      await page.waitForURL((u) => u.pathname === "/search");
      await main(page).getByRole("link", { name: "Second Line", exact: true }).first().waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);
});

describe("hostile tags", () => {
  test("tags holding markup show as text and never run", async () => {
    const { context, page } = await newPage(browser, DESKTOP);
    const pwned = () => page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned);
    try {
      await login(page, server.url);
      await main(page).getByText(SCRIPT_TAG, { exact: true }).first().waitFor();
      expect(await pwned()).toBeUndefined();

      // Boosted navigation (htmx swaps the answer in) as well as full page loads.
      await mainNav(page).getByRole("link", { name: "Artists", exact: true }).click();
      await page.waitForURL((u) => u.pathname === "/artists");
      await main(page).getByRole("link", { name: IMG_TAG, exact: true }).click();
      await visible(page, "heading", IMG_TAG);
      expect(await pwned()).toBeUndefined();
      await main(page).getByRole("link", { name: SCRIPT_TAG, exact: true }).first().click();
      await page.waitForURL((u) => /^\/albums\/\d+$/.test(u.pathname));
      await visible(page, "heading", SCRIPT_TAG);
      await main(page).getByText(IMG_TAG, { exact: true }).first().waitFor();
      const albumUrl = page.url();

      // Playing a hostile track puts its title in the player bar and the waveform caption.
      await main(page)
        .getByRole("button", { name: `Play ${SCRIPT_TAG}`, exact: true })
        .click();
      await page
        .getByRole("region", { name: "Player" })
        .getByText(SCRIPT_TAG, { exact: true })
        .waitFor();
      await page.getByText(`${SCRIPT_TAG}: waveform not analysed yet`).waitFor();
      expect(await pwned()).toBeUndefined();
      // Half of the 5 s track heard: the player scrobbles it, so History lists it.
      await page.waitForFunction(() => {
        const w = window as unknown as { bandstandPlayer: { audio: HTMLAudioElement } };
        return w.bandstandPlayer.audio.currentTime > 3.2;
      });

      for (const path of [
        albumUrl,
        `${server.url}/search?q=pwned`,
        `${server.url}/genres/Hostile`,
        `${server.url}/albums?sort=name`,
        `${server.url}/history`,
      ]) {
        await page.goto(path);
        const shown = await main(page)
          .getByText(SCRIPT_TAG, { exact: true })
          .first()
          .waitFor()
          .then(() => true)
          .catch(() => false);
        expect({ path, shown, pwned: await pwned() }).toEqual({
          path,
          shown: true,
          pwned: undefined,
        });
      }
      // The live search swap parses the answer too.
      await page.getByLabel("Search the library").pressSequentially("pwned", { delay: 40 });
      await main(page).getByText(SCRIPT_TAG, { exact: true }).first().waitFor();
      expect(await pwned()).toBeUndefined();
      expect(await page.locator("img[src='x']").count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 60_000);
});

describe("screenshots", () => {
  for (const [label, viewport] of [
    ["phone", PHONE],
    ["desktop", DESKTOP],
  ] as const) {
    test(`home, artists, album and search at ${label} width`, async () => {
      const { context, page } = await newPage(browser, viewport);
      try {
        await login(page, server.url);
        const pages: [string, string, string][] = [
          ["home", "/", "Recently added"],
          ["artists", "/artists", "Artists"],
          ["search", "/search?q=line", "Results for “line”"],
        ];
        await page.goto(`${server.url}/albums?sort=name`);
        await main(page).getByRole("link", { name: "Northern Lights", exact: true }).click();
        await page.waitForURL((u) => /^\/albums\/\d+$/.test(u.pathname));
        pages.splice(2, 0, ["album", new URL(page.url()).pathname, "Northern Lights"]);
        for (const [name, path, heading] of pages) {
          await page.goto(`${server.url}${path}`);
          await visible(page, "heading", heading);
          await imagesLoaded(page);
          await screenshot(page, `browse-${name}-${label}`);
          if (viewport === PHONE)
            expect({ name, sideways: await scrollsSideways(page) }).toEqual({
              name,
              sideways: false,
            });
        }
      } finally {
        await context.close();
      }
    }, 60_000);
  }
});

/** Visible controls with no accessible name (label, aria-label(ledby), text, title or alt). */
function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const named = (el: Element): boolean => {
      const aria = el.getAttribute("aria-label")?.trim();
      if (aria) return true;
      const by = el.getAttribute("aria-labelledby");
      if (by?.split(/\s+/).some((id) => document.getElementById(id)?.textContent?.trim()))
        return true;
      if ((el as HTMLInputElement).labels?.length) return true;
      if (el.getAttribute("title")?.trim()) return true;
      if (el.textContent?.trim()) return true;
      return [...el.querySelectorAll("img[alt]")].some((i) => i.getAttribute("alt")?.trim());
    };
    const controls = document.querySelectorAll(
      "button, a[href], select, textarea, input:not([type=hidden]), [role=button], [role=slider]",
    );
    return [...controls]
      .filter((el) => (el as HTMLElement).offsetParent !== null || el.closest(".player"))
      .filter((el) => !named(el))
      .map((el) => el.outerHTML.slice(0, 120));
  });
}

describe("the narrowest phone", () => {
  test("every main page at 360 px: no sideways scrolling, every control named", async () => {
    const { context, page } = await newPage(browser, NARROW);
    try {
      await login(page, server.url);
      await page.goto(`${server.url}/albums?sort=name`);
      await main(page).getByRole("link", { name: "Northern Lights", exact: true }).click();
      await page.waitForURL((u) => /^\/albums\/\d+$/.test(u.pathname));
      const album = new URL(page.url()).pathname;
      const paths = [
        "/",
        "/artists",
        "/albums",
        album,
        "/genres",
        "/search?q=line",
        "/playlists",
        "/favorites",
        "/history",
        "/queue",
        "/upload",
        "/jobs",
        "/admin",
        "/admin/library",
        "/admin/settings",
        "/profile",
      ];
      const wide: string[] = [];
      const unnamed: string[] = [];
      for (const path of paths) {
        await page.goto(`${server.url}${path}`);
        await main(page).getByRole("heading", { level: 1 }).first().waitFor();
        if (await scrollsSideways(page)) wide.push(path);
        for (const control of await unnamedControls(page)) unnamed.push(`${path}: ${control}`);
      }
      expect(wide).toEqual([]);
      expect(unnamed).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});

describe("live library updates", () => {
  test("a scan that finishes shows its album on an open home page, without a reload", async () => {
    const { context, page } = await newPage(browser, DESKTOP);
    try {
      await login(page, server.url);
      const shelf = page.getByRole("region", { name: "Recently added" });
      await shelf.getByRole("link", { name: "Northern Lights", exact: true }).waitFor();
      await page.evaluate(() => {
        const w = window as unknown as { __sameDocument: boolean; __libraryEvents: number };
        w.__sameDocument = true;
        w.__libraryEvents = 0;
        document.body.addEventListener("library", () => w.__libraryEvents++);
      });
      await writeLibrary(server.musicDir, [
        { artist: "Late Comer", album: "Arrived Late", tracks: ["Tardy"], seconds: 2 },
      ]);
      const rest = (method: string) =>
        fetch(
          `${server.url}/rest/${method}?f=json&c=e2e&v=1.16.1&u=${ADMIN.username}&p=${ADMIN.password}`,
        ).then((r) => r.json() as Promise<{ "subsonic-response": Record<string, unknown> }>);
      const scan = (await rest("startScan"))["subsonic-response"];
      expect(scan.status).toBe("ok");
      const appeared = await shelf
        .getByRole("link", { name: "Arrived Late", exact: true })
        .waitFor({ timeout: 20_000 })
        .then(() => true)
        .catch(() => false);
      // On failure, say whether the scan finished and whether the SSE event came.
      const events = await page.evaluate(
        () => (window as unknown as { __libraryEvents: number }).__libraryEvents,
      );
      const status = (await rest("getScanStatus"))["subsonic-response"].scanStatus;
      expect({ appeared, events, status }).toMatchObject({ appeared: true });
      expect(
        await page.evaluate(
          () => (window as unknown as { __sameDocument?: boolean }).__sameDocument,
        ),
      ).toBe(true);
    } finally {
      await context.close();
    }
  }, 60_000);
});
