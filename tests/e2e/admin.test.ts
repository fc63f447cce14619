/**
 * Admin and profile journeys in Chromium: an admin creates a user, the user finds no admin
 * area, changes the theme and makes an API key; screenshots at phone and desktop widths.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { tempDir } from "../helpers/app.ts";
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
  writeLibrary,
} from "./harness.ts";

let server: E2EServer;
let browser: Browser;

beforeAll(async () => {
  server = await startE2EServer();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const CASEY = { username: "casey", password: "casey-password-1" };

const background = (page: Page) =>
  page.evaluate(() => getComputedStyle(document.body).backgroundColor);

/** Nothing in the header sticks out past the right edge of the viewport. */
const headerOverflows = (page: Page) =>
  page.evaluate(() => {
    const header = document.querySelector("header");
    if (!header) return true;
    const width = document.documentElement.clientWidth;
    if (header.scrollWidth > header.clientWidth) return true;
    return [...header.querySelectorAll("*")].some((e) => e.getBoundingClientRect().right > width);
  });

describe("admin and profile", () => {
  test("an admin creates a user; the user has no admin area and picks the dark theme", async () => {
    const { context, page } = await newPage(browser, DESKTOP);
    try {
      await page.emulateMedia({ colorScheme: "light" });
      await login(page, server.url);
      await mainNav(page).getByRole("link", { name: "Admin" }).click();
      await page.getByRole("heading", { level: 1, name: "Users" }).waitFor();

      // A too short password is refused on the page, with the form still there.
      await page.getByLabel("Username").fill(CASEY.username);
      await page.getByLabel("Password", { exact: true }).fill("abc");
      // The browser's own minlength check would stop the form: this checks the server's.
      await page
        .getByLabel("Password", { exact: true })
        .evaluate((e) => e.removeAttribute("minlength"));
      await page.getByRole("button", { name: "Create user" }).click();
      await page.getByRole("alert").filter({ hasText: "password must be" }).waitFor();

      await page.getByLabel("Username").fill(CASEY.username);
      await page.getByLabel("Password", { exact: true }).fill(CASEY.password);
      await page.getByLabel("Role").selectOption("user");
      await page.getByRole("button", { name: "Create user" }).click();
      await page.getByRole("status").filter({ hasText: "Created user casey." }).waitFor();
      await page.getByRole("link", { name: "Manage casey" }).waitFor();
      expect(new URL(page.url()).pathname).toBe("/admin");
      await screenshot(page, "admin-desktop");

      await page.getByRole("button", { name: "Log out" }).click();
      await page.waitForURL((u) => u.pathname === "/login");

      await login(page, server.url, CASEY);
      await mainNav(page).getByRole("link", { name: "Profile" }).waitFor();
      expect(await mainNav(page).getByRole("link", { name: "Admin" }).count()).toBe(0);
      const denied = await page.goto(`${server.url}/admin`);
      expect(denied?.status()).toBe(403);
      // Even with a valid CSRF token, a user's POST to an admin route is refused.
      const csrf = await page.evaluate(
        () => document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? "",
      );
      const deniedPost = await page.request.post(`${server.url}/admin/library/scan`, {
        headers: { "X-CSRF-Token": csrf },
      });
      expect(deniedPost.status()).toBe(403);

      await page.goto(`${server.url}/`);
      await mainNav(page).getByRole("link", { name: "Profile" }).click();
      await page.getByRole("heading", { level: 1, name: "Profile" }).waitFor();
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("auto");
      const light = await background(page);
      await page.getByLabel("Dark").check();
      await page.getByRole("button", { name: "Save theme" }).click();
      await page.getByRole("status").filter({ hasText: "Theme saved." }).waitFor();
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
      const dark = await background(page);
      expect(dark).not.toBe(light);
      expect(dark).toBe("rgb(18, 18, 20)");
      // It sticks: another page keeps it.
      await mainNav(page).getByRole("link", { name: "Home" }).click();
      await page.waitForURL((u) => u.pathname === "/");
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");

      // An API key, shown once on the page.
      await page.goto(`${server.url}/profile`);
      await page.getByLabel("Key name").fill("phone");
      await page.getByRole("button", { name: "Create API key" }).click();
      const key = await page.getByLabel("New API key").inputValue();
      expect(key).toStartWith("bs_");
      const ping = await fetch(`${server.url}/rest/ping?f=json&v=1.16.1&c=e2e&apiKey=${key}`);
      expect(JSON.stringify(await ping.json())).toContain('"status":"ok"');
      await page.getByRole("button", { name: "Revoke key phone" }).waitFor();
      await screenshot(page, "profile-desktop-dark");
    } finally {
      await context.close();
    }
  }, 60_000);

  test("admin pages and the profile at phone width: no sideways scrolling, header fits", async () => {
    const { context, page } = await newPage(browser, PHONE);
    try {
      await page.emulateMedia({ colorScheme: "light" });
      await login(page, server.url);
      for (const [path, name] of [
        ["/admin", "admin-phone"],
        ["/admin/library", "admin-library-phone"],
        ["/admin/library/folders/1", "admin-folder-phone"],
        ["/admin/settings", "admin-settings-phone"],
        ["/profile", "profile-phone"],
      ] as const) {
        await page.goto(`${server.url}${path}`);
        await page.getByRole("heading", { level: 1 }).waitFor();
        expect(await scrollsSideways(page), path).toBe(false);
        expect(await headerOverflows(page), path).toBe(false);
        await screenshot(page, name);
      }
      // A user made at phone width, with a long name, and their page.
      const long = "devon.with.a.rather.long.username@example.org";
      await page.goto(`${server.url}/admin`);
      await page.getByLabel("Username").fill(long);
      await page.getByLabel("Password", { exact: true }).fill("devon-password");
      await page.getByRole("button", { name: "Create user" }).click();
      await page.getByRole("link", { name: `Manage ${long}` }).click();
      await page.getByRole("heading", { level: 1, name: `User ${long}` }).waitFor();
      expect(await scrollsSideways(page)).toBe(false);
      expect(await headerOverflows(page)).toBe(false);
      await screenshot(page, "admin-user-phone");
    } finally {
      await context.close();
    }
  }, 60_000);

  test("music folders: counts, a scan started elsewhere shows up live, Scan now", async () => {
    const { context, page } = await newPage(browser, DESKTOP);
    try {
      await page.emulateMedia({ colorScheme: "light" });
      await login(page, server.url);
      const sse = page.waitForResponse((r) => new URL(r.url()).pathname === "/events");
      await page.goto(`${server.url}/admin/library`);
      await sse;
      // The library folder holds the 5 tracks of the test library.
      const row = page.getByRole("row").filter({ hasText: server.musicDir });
      expect(await row.getByRole("cell").nth(1).textContent()).toBe("5");

      // A scan started by a Subsonic app: the status on this open page follows it, no reload.
      const status = page.getByRole("list", { name: "Scan status" });
      await status.evaluate((e) => {
        (e as HTMLElement).dataset.seen = "before";
      });
      await Bun.sleep(300); // let the event stream subscribe
      const started = await fetch(
        `${server.url}/rest/startScan?f=json&v=1.16.1&c=e2e&u=admin&p=admin-password-1`,
      );
      expect(started.status).toBe(200);
      const until = Date.now() + 30_000;
      for (;;) {
        const now = await status.evaluate((e) => ({
          seen: (e as HTMLElement).dataset.seen,
          text: e.textContent ?? "",
        }));
        if (!now.seen && now.text.includes("Scan: finished")) break;
        if (Date.now() > until) throw new Error(`scan status did not refresh: ${now.text}`);
        await Bun.sleep(100);
      }

      await page.getByRole("button", { name: "Scan now" }).click();
      await page.getByRole("status").filter({ hasText: "Scan queued" }).waitFor();
      expect(await page.getByRole("link", { name: "Jobs page" }).getAttribute("href")).toBe(
        "/jobs",
      );
      await screenshot(page, "admin-library-desktop");
      await page.goto(`${server.url}/profile`);
      await page.getByRole("heading", { level: 1, name: "Profile" }).waitFor();
      await screenshot(page, "profile-desktop");
      expect(await scrollsSideways(page)).toBe(false);
    } finally {
      await context.close();
    }
  }, 60_000);
  test("add a music folder by its path, find its album, then remove it", async () => {
    const extra = await writeLibrary(join(tempDir("bandstand-e2e-extra-"), "shelf"), [
      { artist: "Far Shelf", album: "Outer Rooms", tracks: ["Hall"], seconds: 2 },
    ]);
    const { context, page } = await newPage(browser, DESKTOP);
    try {
      await login(page, server.url);
      await page.goto(`${server.url}/admin/library`);
      await page.getByLabel("Path").fill(extra);
      await page.getByLabel("Name (optional)").fill("Far shelf");
      await page.getByRole("button", { name: "Add folder" }).click();
      await page.getByRole("status").filter({ hasText: "Added Far shelf" }).waitFor();
      // The scan it started brings the album into the library.
      await eventually(async () => {
        await page.goto(`${server.url}/albums`);
        return (
          (await main(page).getByRole("link", { name: "Outer Rooms", exact: true }).count()) > 0
        );
      }, "the album of the added folder");

      await page.goto(`${server.url}/admin/library`);
      await page.getByRole("link", { name: "Manage folder Far shelf" }).click();
      await page.getByRole("heading", { level: 1, name: "Folder Far shelf" }).waitFor();
      await page.getByRole("link", { name: "Remove Far shelf…" }).click();
      await page.getByText("Its 1 track leaves the library").waitFor();
      await page.getByRole("button", { name: "Remove Far shelf" }).click();
      await page.getByRole("status").filter({ hasText: "Removed Far shelf" }).waitFor();
      expect(await page.getByRole("link", { name: "Manage folder Far shelf" }).count()).toBe(0);
      await page.goto(`${server.url}/albums`);
      await page.getByRole("heading", { level: 1 }).waitFor();
      expect(await main(page).getByRole("link", { name: "Outer Rooms", exact: true }).count()).toBe(
        0,
      );
    } finally {
      await context.close();
    }
  }, 60_000);
});
