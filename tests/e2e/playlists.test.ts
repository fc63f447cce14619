/**
 * Playlist and queue journeys in Chromium: create a playlist, add tracks to it from an album page
 * through the "Add to playlist" dialog, reorder it by keyboard and by drag and drop, remove a
 * track; play a playlist and edit the queue page while the player follows; the same without
 * JavaScript; screenshots at phone and desktop widths.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Locator, Page } from "playwright-core";
import {
  ADMIN,
  DESKTOP,
  type E2EServer,
  launchBrowser,
  login,
  main,
  newPage,
  PHONE,
  screenshot,
  scrollsSideways,
  startE2EServer,
} from "./harness.ts";

let server: E2EServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startE2EServer(), launchBrowser()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const nav = (page: Page, name: string) =>
  page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true });

/** Polls `read` until it equals `want` (5 s), then asserts it. */
async function until<T>(read: () => Promise<T>, want: T, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  let got: T = await read();
  while (JSON.stringify(got) !== JSON.stringify(want) && Date.now() < end) {
    await Bun.sleep(100);
    got = await read();
  }
  expect(got).toEqual(want);
}

/** The titles of a track list, in order, read from its "Play <title>" buttons. */
function titles(list: Locator): Promise<string[]> {
  return list
    .getByRole("button", { name: /^Play / })
    .evaluateAll((buttons) => buttons.map((b) => (b.getAttribute("aria-label") ?? "").slice(5)));
}

/** A track row of a list, found by its "Play <title>" button. */
function row(page: Page, list: Locator, title: string): Locator {
  return list
    .getByRole("listitem")
    .filter({ has: page.getByRole("button", { name: `Play ${title}`, exact: true }) });
}

/** What the player holds: the queue's titles and the current one. */
function player(page: Page): Promise<{ queue: string[]; current: string | undefined }> {
  return page.evaluate(() => {
    const p = (
      window as unknown as { bandstandPlayer: { queue: { title: string }[]; index: number } }
    ).bandstandPlayer;
    return { queue: p.queue.map((t) => t.title), current: p.queue[p.index]?.title };
  });
}

/** A Subsonic call as the admin (JSON). */
async function subsonic(method: string, params: string): Promise<Record<string, unknown>> {
  const auth = `u=${ADMIN.username}&p=${ADMIN.password}&c=e2e&v=1.16.1&f=json`;
  const r = await fetch(`${server.url}/rest/${method}?${auth}&${params}`);
  return ((await r.json()) as { "subsonic-response": Record<string, unknown> })[
    "subsonic-response"
  ];
}

/** Song ids by title, from the albums' listings. */
async function songIds(): Promise<Record<string, string>> {
  const list = (await subsonic("getAlbumList2", "type=alphabeticalByName&size=50")) as {
    albumList2: { album: { id: string }[] };
  };
  const out: Record<string, string> = {};
  for (const a of list.albumList2.album) {
    const album = (await subsonic("getAlbum", `id=${a.id}`)) as {
      album: { song: { id: string; title: string }[] };
    };
    for (const s of album.album.song) out[s.title] = s.id;
  }
  return out;
}

async function playlistWith(name: string, songs: string[]): Promise<string> {
  const ids = await songIds();
  const created = (await subsonic(
    "createPlaylist",
    `name=${encodeURIComponent(name)}&${songs.map((s) => `songId=${ids[s]}`).join("&")}`,
  )) as { playlist: { id: string } };
  return created.playlist.id.replace(/^pl-/, "");
}

describe("playlists", () => {
  test("create, add from an album page, reorder by keyboard and drag, remove", async () => {
    const { context, page } = await newPage(browser, DESKTOP);
    try {
      await login(page, server.url);
      await nav(page, "Playlists").click();
      await main(page).getByRole("heading", { name: "Playlists", exact: true }).waitFor();
      await page.getByLabel("New playlist name").fill("Road Trip");
      await page.getByRole("button", { name: "Create playlist" }).click();
      await main(page).getByRole("heading", { name: "Road Trip", level: 1 }).waitFor();
      expect(new URL(page.url()).pathname).toMatch(/^\/playlists\/\d+$/);
      const playlistUrl = page.url();

      // Add three tracks from the album page, one by one, through the dialog.
      await nav(page, "Albums").click();
      await main(page).getByRole("link", { name: "Northern Lights" }).first().click();
      await main(page).getByRole("heading", { name: "Northern Lights" }).first().waitFor();
      for (const title of ["Polar Night", "Green Veil", "Solar Wind"]) {
        await main(page)
          .getByRole("button", { name: `Add ${title} to playlist`, exact: true })
          .click();
        const dialog = page.getByRole("dialog", { name: `Add “${title}” to a playlist` });
        await dialog.waitFor();
        await dialog.getByRole("button", { name: "Add to Road Trip" }).click();
        await dialog.getByRole("status").getByText(`Added “${title}” to “Road Trip”.`).waitFor();
        await dialog.getByRole("button", { name: "Close" }).click();
        await dialog.waitFor({ state: "detached" });
      }
      // "New playlist…" in the dialog creates one holding the track.
      await main(page).getByRole("button", { name: "Add Solar Wind to playlist" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("New playlist…").fill("Just the wind");
      await dialog.getByRole("button", { name: "Create and add" }).click();
      await dialog.getByText("Created “Just the wind” with “Solar Wind”.").waitFor();
      await screenshot(page, "playlists-picker-desktop");
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached" });

      await nav(page, "Playlists").click();
      const cards = main(page).getByRole("list", { name: "Your playlists" });
      await cards.getByRole("link", { name: "Road Trip" }).waitFor();
      expect(await cards.getByRole("listitem").count()).toBe(2);
      await cards.getByText("3 tracks").waitFor();
      await screenshot(page, "playlists-desktop");
      await cards.getByRole("link", { name: "Road Trip" }).click();

      const list = main(page).getByRole("list", { name: "Tracks of Road Trip" });
      await list.waitFor();
      expect(await titles(list)).toEqual(["Polar Night", "Green Veil", "Solar Wind"]);

      // Keyboard: "Move Solar Wind up" twice; focus stays on the moved track's controls.
      await list.getByRole("button", { name: "Move Solar Wind up" }).click();
      await until(() => titles(list), ["Polar Night", "Solar Wind", "Green Veil"]);
      await main(page).getByRole("status").getByText("Moved “Solar Wind” up.").waitFor();
      await until(
        () => page.evaluate(() => document.activeElement?.getAttribute("aria-label")),
        "Move Solar Wind up",
      );
      await page.keyboard.press("Enter");
      await until(() => titles(list), ["Solar Wind", "Polar Night", "Green Veil"]);
      // At the top "up" is disabled: focus goes to "down".
      await until(
        () => page.evaluate(() => document.activeElement?.getAttribute("aria-label")),
        "Move Solar Wind down",
      );

      // Drag and drop: Green Veil onto the top of the list.
      await row(page, list, "Green Veil").dragTo(row(page, list, "Solar Wind"), {
        targetPosition: { x: 40, y: 3 },
      });
      await until(() => titles(list), ["Green Veil", "Solar Wind", "Polar Night"]);
      await main(page).getByRole("status").getByText("New order saved.").waitFor();

      // The order is stored: a reload shows it.
      await page.reload();
      await until(() => titles(list), ["Green Veil", "Solar Wind", "Polar Night"]);
      expect(page.url()).toBe(playlistUrl);
      await screenshot(page, "playlist-desktop");

      await list.getByRole("button", { name: "Remove Solar Wind from playlist" }).click();
      await until(() => titles(list), ["Green Veil", "Polar Night"]);
      await main(page).getByText("2 tracks").first().waitFor();

      // Rename and make public through the details form.
      await page.getByLabel("Name", { exact: true }).fill("Road Trip 2");
      await page.getByLabel("Public: other users can see and play it").check();
      await page.getByRole("button", { name: "Save changes" }).click();
      await main(page).getByRole("heading", { name: "Road Trip 2", level: 1 }).waitFor();
      await main(page).getByText("Public", { exact: false }).first().waitFor();

      // Delete "Just the wind", with a confirmation step.
      await nav(page, "Playlists").click();
      await main(page).getByRole("link", { name: "Just the wind" }).click();
      await main(page).getByRole("link", { name: "Delete playlist" }).click();
      await main(page).getByRole("heading", { name: "Delete “Just the wind”?" }).waitFor();
      await main(page).getByRole("button", { name: "Delete playlist" }).click();
      await main(page).getByRole("heading", { name: "Playlists", exact: true }).waitFor();
      await main(page).getByRole("link", { name: "Road Trip 2" }).waitFor();
      expect(await main(page).getByRole("link", { name: "Just the wind" }).count()).toBe(0);
    } finally {
      await context.close();
    }
  }, 60_000);

  test("the queue page: play a playlist, reorder and remove while the player follows", async () => {
    const id = await playlistWith("Queue Mix", [
      "Polar Night",
      "Green Veil",
      "Solar Wind",
      "Parade",
    ]);
    const { context, page } = await newPage(browser, DESKTOP);
    try {
      await login(page, server.url);
      await page.goto(`${server.url}/playlists/${id}`);
      await main(page).getByRole("button", { name: "Play Queue Mix" }).click();
      await until(() => player(page), {
        queue: ["Polar Night", "Green Veil", "Solar Wind", "Parade"],
        current: "Polar Night",
      });

      await nav(page, "Queue").click();
      const list = main(page).getByRole("list", { name: "Play queue" });
      await until(() => titles(list), ["Polar Night", "Green Veil", "Solar Wind", "Parade"]);
      await until(() => row(page, list, "Polar Night").getAttribute("aria-current"), "true");
      const audio = () => page.evaluate(() => !document.querySelector("audio")?.paused);
      await until(audio, true);

      // Move a later track up: the player's queue follows, still playing the same track.
      await list.getByRole("button", { name: "Move Parade up" }).click();
      await until(() => titles(list), ["Polar Night", "Green Veil", "Parade", "Solar Wind"]);
      await until(() => player(page), {
        queue: ["Polar Night", "Green Veil", "Parade", "Solar Wind"],
        current: "Polar Night",
      });
      // Move the current track down: it stays current.
      await list.getByRole("button", { name: "Move Polar Night down" }).click();
      await until(() => titles(list), ["Green Veil", "Polar Night", "Parade", "Solar Wind"]);
      await until(() => row(page, list, "Polar Night").getAttribute("aria-current"), "true");
      await until(() => player(page), {
        queue: ["Green Veil", "Polar Night", "Parade", "Solar Wind"],
        current: "Polar Night",
      });
      expect(await audio()).toBe(true);

      // Remove one; drag another to the top.
      await list.getByRole("button", { name: "Remove Green Veil from queue" }).click();
      await until(() => titles(list), ["Polar Night", "Parade", "Solar Wind"]);
      await until(() => player(page), {
        queue: ["Polar Night", "Parade", "Solar Wind"],
        current: "Polar Night",
      });
      await row(page, list, "Solar Wind").dragTo(row(page, list, "Polar Night"), {
        targetPosition: { x: 40, y: 3 },
      });
      await until(() => titles(list), ["Solar Wind", "Polar Night", "Parade"]);
      await until(() => player(page), {
        queue: ["Solar Wind", "Polar Night", "Parade"],
        current: "Polar Night",
      });

      // Away and back (htmx restores the page from the server): the same queue.
      await nav(page, "Playlists").click();
      await main(page).getByRole("heading", { name: "Playlists", exact: true }).waitFor();
      await page.goBack();
      await until(() => titles(list), ["Solar Wind", "Polar Night", "Parade"]);

      // The player's own changes show on the page: next track, then "Play" on a row.
      await page.getByRole("button", { name: "Next track" }).click();
      await until(() => row(page, list, "Parade").getAttribute("aria-current"), "true");
      await list.getByRole("button", { name: "Play Solar Wind", exact: true }).click();
      await until(() => player(page), {
        queue: ["Solar Wind", "Polar Night", "Parade"],
        current: "Solar Wind",
      });
      await until(() => row(page, list, "Solar Wind").getAttribute("aria-current"), "true");
      await screenshot(page, "queue-desktop");

      // A reload shows the same queue: it is the saved one (what Subsonic apps sync).
      await page.reload();
      await until(() => titles(list), ["Solar Wind", "Polar Night", "Parade"]);
      const saved = (await subsonic("getPlayQueue", "")) as {
        playQueue: { entry: { title: string }[] };
      };
      expect(saved.playQueue.entry.map((e) => e.title)).toEqual([
        "Solar Wind",
        "Polar Night",
        "Parade",
      ]);

      await main(page).getByRole("button", { name: "Clear queue" }).click();
      await main(page).getByText("The queue is empty.").waitFor();
      await until(async () => (await player(page)).queue, []);
    } finally {
      await context.close();
    }
  }, 60_000);

  test("without JavaScript: add from an album page, reorder and remove on the playlist page", async () => {
    const id = await playlistWith("No Script", ["Parade", "Second Line Strut"]);
    const context = await browser.newContext({ viewport: DESKTOP, javaScriptEnabled: false });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    try {
      await login(page, server.url);
      await page.goto(`${server.url}/playlists/${id}`);
      const list = main(page).getByRole("list", { name: "Tracks of No Script" });
      expect(await titles(list)).toEqual(["Parade", "Second Line Strut"]);
      await list.getByRole("button", { name: "Move Second Line Strut up" }).click();
      await page.waitForURL(`${server.url}/playlists/${id}`);
      expect(await titles(list)).toEqual(["Second Line Strut", "Parade"]);

      await nav(page, "Albums").click();
      await main(page).getByRole("link", { name: "Northern Lights" }).first().click();
      await main(page).getByRole("button", { name: "Add Green Veil to playlist" }).click();
      await main(page).getByRole("heading", { name: "Add “Green Veil” to a playlist" }).waitFor();
      await main(page).getByRole("button", { name: "Add to No Script" }).click();
      await page.waitForURL(`${server.url}/playlists/${id}`);
      expect(await titles(list)).toEqual(["Second Line Strut", "Parade", "Green Veil"]);

      await list.getByRole("button", { name: "Remove Parade from playlist" }).click();
      await page.waitForURL(`${server.url}/playlists/${id}`);
      expect(await titles(list)).toEqual(["Second Line Strut", "Green Veil"]);
    } finally {
      await context.close();
    }
  }, 60_000);

  test("phone: screenshots, no sideways scrolling, the dialog fits", async () => {
    const id = await playlistWith("A rather long playlist name that has to wrap on phones", [
      "Polar Night",
      "Second Line Strut",
    ]);
    const { context, page } = await newPage(browser, PHONE);
    try {
      await login(page, server.url);
      await page.goto(`${server.url}/playlists`);
      await main(page).getByRole("heading", { name: "Playlists", exact: true }).waitFor();
      expect(await scrollsSideways(page)).toBe(false);
      await screenshot(page, "playlists-phone");

      await page.goto(`${server.url}/playlists/${id}`);
      const list = main(page).getByRole("list", { name: /^Tracks of / });
      await list.waitFor();
      expect(await scrollsSideways(page)).toBe(false);
      await screenshot(page, "playlist-phone");
      await list.getByRole("button", { name: "Add Polar Night to playlist" }).click();
      await page.getByRole("dialog").waitFor();
      expect(await scrollsSideways(page)).toBe(false);
      await screenshot(page, "playlists-picker-phone");
      await page.keyboard.press("Escape");

      await main(page)
        .getByRole("button", { name: /^Play A rather long/ })
        .click();
      await until(async () => (await player(page)).queue.length, 2);
      await page.goto(`${server.url}/queue`);
      await main(page).getByRole("list", { name: "Play queue" }).waitFor();
      expect(await scrollsSideways(page)).toBe(false);
      await screenshot(page, "queue-phone");
    } finally {
      await context.close();
    }
  }, 60_000);
});
