/**
 * Browser journeys: a real Bandstand process on a small library of real audio, driven by
 * Debian's Chromium through playwright-core. Pages are found by roles and labels, never by CSS.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { tempDir } from "../helpers/app.ts";
import { makeTone } from "../helpers/audio-files.ts";
import { ROOT, type ServerProcess, startServer } from "../helpers/process.ts";

export const CHROMIUM = process.env.BANDSTAND_CHROMIUM ?? "/usr/bin/chromium";
export const ADMIN = { username: "admin", password: "admin-password-1" };
/** Screenshots kept as test artifacts (CI keeps the directory; git ignores it). */
export const SCREENSHOTS = join(ROOT, "test-results", "screenshots");

export const PHONE = { width: 390, height: 844 };
/** The narrowest phone the layout is made for. */
export const NARROW = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 800 };

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (see README)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

export interface AlbumSpec {
  artist: string;
  album: string;
  year?: number;
  genre?: string;
  tracks: string[];
  /** Seconds per track: long enough to keep playing across a few page visits. */
  seconds?: number;
  /** File format per track (default: MP3 and Ogg Vorbis in turn). */
  formats?: AudioFormat[];
}

export type AudioFormat = "mp3" | "ogg" | "aiff";
const ENCODERS: Record<AudioFormat, string[]> = {
  mp3: ["-c:a", "libmp3lame", "-b:a", "64k"],
  ogg: ["-c:a", "libvorbis"],
  aiff: ["-c:a", "pcm_s16be", "-write_id3v2", "1"],
};

/** The default library: two albums of real MP3 and Ogg Vorbis tones. */
export const LIBRARY: AlbumSpec[] = [
  {
    artist: "Aurora Lane",
    album: "Northern Lights",
    year: 2021,
    genre: "Ambient",
    tracks: ["Polar Night", "Green Veil", "Solar Wind"],
  },
  {
    artist: "The Brass Quarter",
    album: "Second Line",
    year: 2019,
    genre: "Jazz",
    tracks: ["Parade", "Second Line Strut"],
  },
];

/** Writes the albums as real audio files (ffmpeg), tagged; returns the music folder. */
export async function writeLibrary(dir: string, albums: AlbumSpec[] = LIBRARY): Promise<string> {
  let frequency = 220;
  for (const a of albums) {
    for (const [i, title] of a.tracks.entries()) {
      const ext = a.formats?.[i] ?? (i % 2 === 0 ? "mp3" : "ogg");
      const args = ENCODERS[ext];
      frequency += 55;
      await makeTone(join(dir, a.artist, a.album, `${i + 1} ${title}.${ext}`), {
        frequency,
        seconds: a.seconds ?? 60,
        tags: {
          title,
          artist: a.artist,
          album_artist: a.artist,
          album: a.album,
          track: String(i + 1),
          date: String(a.year ?? 2020),
          genre: a.genre ?? "Pop",
        },
        args: ["-ac", "1", "-ar", "22050", ...args],
      });
    }
  }
  return dir;
}

export interface E2EServer {
  url: string;
  dataDir: string;
  musicDir: string;
  server: ServerProcess;
  stop(): Promise<void>;
}

/**
 * A real server on a fresh data dir with the admin account and the library scanned.
 * `admin: false` starts it with no account at all (the first-run setup page), without waiting
 * for the scan (nobody can ask for its status yet).
 */
export async function startE2EServer(
  opts: { albums?: AlbumSpec[]; env?: Record<string, string>; admin?: boolean } = {},
): Promise<E2EServer> {
  const dir = tempDir("bandstand-e2e-");
  const musicDir = await writeLibrary(join(dir, "music"), opts.albums);
  const dataDir = join(dir, "data");
  mkdirSync(dataDir, { recursive: true });
  const withAdmin = opts.admin !== false;
  const server = await startServer({
    BANDSTAND_DATA_DIR: dataDir,
    BANDSTAND_MUSIC_DIR: musicDir,
    ...(withAdmin
      ? { BANDSTAND_ADMIN_USER: ADMIN.username, BANDSTAND_ADMIN_PASSWORD: ADMIN.password }
      : {}),
    BANDSTAND_AUTO_ANALYZE: "false",
    LOG_LEVEL: "warn",
    ...opts.env,
  });
  // The start enqueues a scan; wait until its tracks are in.
  const until = Date.now() + 60_000;
  const expected = (opts.albums ?? LIBRARY).reduce((n, a) => n + a.tracks.length, 0);
  while (withAdmin) {
    const r = await fetch(
      `${server.url}/rest/getScanStatus?f=json&u=${ADMIN.username}&p=${ADMIN.password}&c=e2e&v=1.16.1`,
    );
    const s = (
      (await r.json()) as {
        "subsonic-response": { scanStatus?: { scanning: boolean; count: number } };
      }
    )["subsonic-response"].scanStatus;
    if (s && !s.scanning && s.count >= expected) break;
    if (Date.now() > until) throw new Error(`scan did not finish: ${server.output()}`);
    await Bun.sleep(100);
  }
  return {
    url: server.url,
    dataDir,
    musicDir,
    server,
    async stop() {
      await server.stop();
    },
  };
}

export async function newPage(
  browser: Browser,
  viewport = DESKTOP,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return { context, page };
}

export async function login(page: Page, url: string, user = ADMIN): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByLabel("Username").fill(user.username);
  await page.getByLabel("Password", { exact: true }).fill(user.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
}

/** Saves a screenshot under test-results/screenshots (the artifacts CI keeps). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** True when the page scrolls sideways (content wider than the viewport). */
export function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(
    () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
  );
}

/** The main navigation and the main area, by their roles. */
export const mainNav = (page: Page) => page.getByRole("navigation", { name: "Main" });
export const main = (page: Page) => page.getByRole("main");

/** Polls `probe` until it returns true (Playwright's `expect.poll`, which bun:test lacks). */
export async function eventually(
  probe: () => Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
  explain?: () => Promise<string>,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) {
      throw new Error(`timed out waiting until ${what}${explain ? `: ${await explain()}` : ""}`);
    }
    await Bun.sleep(100);
  }
}
