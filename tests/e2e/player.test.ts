import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import {
  DESKTOP,
  type E2EServer,
  eventually,
  launchBrowser,
  login,
  newPage,
  startE2EServer,
} from "./harness.ts";

// Short tracks, so a whole track plays within a test; the third is AIFF, which Chromium cannot play.
const ALBUM = {
  artist: "Test Trio",
  album: "Short Pieces",
  year: 2024,
  genre: "Chamber",
  tracks: ["Alpha", "Beta", "Gamma"],
  formats: ["mp3", "ogg", "aiff"] as const,
  seconds: 4,
};

let server: E2EServer;
let browser: Browser;
beforeAll(async () => {
  [server, browser] = await Promise.all([
    startE2EServer({ albums: [{ ...ALBUM, formats: [...ALBUM.formats] }] }),
    launchBrowser(),
  ]);
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const player = (page: Page) => page.getByRole("region", { name: "Player" });
const audio = (page: Page) =>
  page.evaluate(() => {
    const a = document.querySelector("audio") as HTMLAudioElement;
    return { paused: a.paused, time: a.currentTime, src: a.src, error: a.error?.code ?? null };
  });

async function openAlbum(page: Page) {
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Albums" })
    .click();
  await page.getByRole("main").getByRole("link", { name: "Short Pieces" }).first().click();
  await page.getByRole("heading", { name: "Short Pieces" }).waitFor();
}

describe("the player bar", () => {
  test("plays through the album: next track at the end, a play counted, the queue kept", async () => {
    const { context, page } = await newPage(browser, DESKTOP);
    try {
      await login(page, server.url);
      await openAlbum(page);
      await page.getByRole("button", { name: "Play Alpha" }).click();
      await player(page).getByText("Alpha", { exact: true }).waitFor();
      await eventually(async () => (await audio(page)).time > 0.3, "Alpha plays");
      expect(await page.evaluate(() => navigator.mediaSession.metadata?.title)).toBe("Alpha");
      // Alpha ends after 4 s; the player moves on by itself.
      await player(page).getByText("Beta", { exact: true }).waitFor({ timeout: 15_000 });
      expect((await audio(page)).paused).toBe(false);
      // Half of Alpha was heard: the play is counted and shows in the history.
      await page
        .getByRole("navigation", { name: "Main" })
        .getByRole("link", { name: "History" })
        .click();
      await page.waitForURL((u) => u.pathname === "/history");
      await page.getByRole("main").getByText("Alpha").first().waitFor();
      // A reload restores the saved queue (the one Subsonic apps sync) without playing.
      await page.reload();
      await eventually(
        async () => (await page.evaluate(() => window.bandstandPlayer?.queue.length)) === 3,
        "the saved queue is back",
      );
      const title = await player(page).locator("strong").textContent();
      expect(["Beta", "Gamma"]).toContain(title ?? "");
    } finally {
      await context.close();
    }
  }, 60_000);

  test("keyboard shortcuts, seek, shuffle and repeat", async () => {
    const { context, page } = await newPage(browser, DESKTOP);
    try {
      await login(page, server.url);
      await openAlbum(page);
      await page.getByRole("button", { name: "Play album" }).click();
      await player(page).getByText("Alpha", { exact: true }).waitFor();
      await eventually(async () => !(await audio(page)).paused, "playing");
      // Shortcuts work when no control has the focus.
      await page.getByRole("heading", { name: "Short Pieces" }).click();
      await page.keyboard.press("k");
      await eventually(async () => (await audio(page)).paused, "k pauses");
      await page.keyboard.press("Space");
      await eventually(async () => !(await audio(page)).paused, "Space plays again");
      await page.keyboard.press("Shift+ArrowRight");
      await player(page).getByText("Beta", { exact: true }).waitFor();
      await page.keyboard.press("Shift+ArrowLeft");
      await player(page).getByText("Alpha", { exact: true }).waitFor();

      const seek = page.getByRole("slider", { name: "Seek" });
      await eventually(async () => (await seek.getAttribute("max")) !== "0", "duration known");
      await seek.fill("2");
      await eventually(async () => (await audio(page)).time >= 2, "seeked to 2 s");

      const shuffle = page.getByRole("button", { name: "Shuffle" });
      await shuffle.click();
      expect(await shuffle.getAttribute("aria-pressed")).toBe("true");
      const repeat = player(page).getByRole("button", { name: /^Repeat/ });
      expect(await repeat.getAttribute("aria-label")).toBe("Repeat: off");
      await repeat.click();
      expect(await repeat.getAttribute("aria-label")).toBe("Repeat: all");
      await repeat.click();
      expect(await repeat.getAttribute("aria-label")).toBe("Repeat: one");
      // Repeat one: the end of the track starts it again.
      await player(page).getByText("Alpha", { exact: true }).waitFor();
      await eventually(async () => (await audio(page)).time > 3, "near the end");
      await eventually(async () => (await audio(page)).time < 1.5, "Alpha again", 8000);
      expect(await player(page).locator("strong").textContent()).toBe("Alpha");

      await page.getByRole("button", { name: "Pause" }).click();
      expect((await audio(page)).paused).toBe(true);
    } finally {
      await context.close();
    }
  }, 60_000);

  test("a format the browser cannot play is streamed transcoded", async () => {
    const { context, page } = await newPage(browser, DESKTOP);
    try {
      await login(page, server.url);
      expect(
        await page.evaluate(() => document.createElement("audio").canPlayType("audio/aiff")),
      ).toBe("");
      await openAlbum(page);
      await page.getByRole("button", { name: "Play Gamma" }).click();
      await player(page).getByText("Gamma", { exact: true }).waitFor();
      await eventually(async () => (await audio(page)).time > 0.5, "the transcoded stream plays");
      const state = await audio(page);
      expect(state.src).toEndWith("?format=mp3");
      expect(state.error).toBeNull();
    } finally {
      await context.close();
    }
  }, 60_000);
});

declare global {
  interface Window {
    bandstandPlayer?: { queue: unknown[]; index: number; audio: HTMLAudioElement };
  }
}
