/**
 * Server render time of the web pages on the generated 10k-track library: the app in-process
 * (`app.handle`, the whole answer read), one request at a time, so the figures are the server's
 * work per page — session look-up, queries, rendering — with no network or browser in them.
 * p50/p99 per run, median of R runs.
 * `bun run bench/web.bench.ts [--tracks N] [--runs R] [--requests N]`
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { recordPlays } from "../library/annotations.ts";
import { forgetLibraryParts } from "../routes/web/browse-page.tsx";
import { scanLibrary, startTestApp, tempDir, webSession } from "../tests/helpers/app.ts";
import { benchLibrary, median, numberArg } from "./common.ts";

const TRACKS = numberArg("--tracks", 10_000);
const RUNS = numberArg("--runs", 5);
const REQUESTS = numberArg("--requests", 400);

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

const music = await benchLibrary(TRACKS);
const dataDir = tempDir("bandstand-bench-web-");
const t = await startTestApp(
  // No analysis jobs competing for the CPU while pages are timed; logging off.
  { BANDSTAND_MUSIC_DIR: music, BANDSTAND_AUTO_ANALYZE: "false", LOG_LEVEL: "error" },
  { dataDir: join(dataDir, "data") },
);

try {
  const t0 = performance.now();
  await scanLibrary(t, 900_000);
  const db = t.ctx.database.client;
  const count = async (sql: string) => Number((await db.execute(sql)).rows[0]?.n ?? 0);
  const albumIds = (await db.execute("SELECT id FROM albums ORDER BY random() LIMIT 300")).rows.map(
    (r) => Number(r.id),
  );
  const artistIds = (
    await db.execute(
      "SELECT DISTINCT artist_id AS id FROM album_artists ORDER BY random() LIMIT 300",
    )
  ).rows.map((r) => Number(r.id));
  const genres = (await db.execute("SELECT name FROM genres")).rows.map((r) => String(r.name));
  const words = (await db.execute("SELECT title FROM tracks ORDER BY random() LIMIT 200")).rows
    .flatMap((r) => String(r.title).split(/\s+/))
    .filter((w) => w.length > 3)
    .slice(0, 100);
  const user = await webSession(t, "bench");
  // Some history, so the played shelves and the history page have rows to show.
  const trackIds = (await db.execute("SELECT id FROM tracks ORDER BY random() LIMIT 500")).rows.map(
    (r) => Number(r.id),
  );
  await recordPlays(
    t.ctx.database,
    user.userId,
    trackIds.map((id, i) => ({ trackId: id, at: Date.now() - i * 60_000 })),
    "bench",
  );
  console.log(
    `scanned in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${await count(
      "SELECT count(*) AS n FROM tracks",
    )} tracks, ${await count("SELECT count(*) AS n FROM albums")} albums, ${await count(
      "SELECT count(DISTINCT artist_id) AS n FROM album_artists",
    )} album artists, ${genres.length} genres; ${REQUESTS} requests per run, median of ${RUNS}\n`,
  );

  const at = <T>(xs: T[], i: number) => xs[i % xs.length] as T;
  // The artist index and the genre list are kept until the library changes; the "rebuilt"
  // rows drop them before every request, to show what a change costs the first visitor.
  const rebuilt = (path: string) => (_: number) => {
    forgetLibraryParts(t.ctx.database);
    return path;
  };
  const PAGES: [string, (i: number) => string][] = [
    ["album page", (i) => `/albums/${at(albumIds, i)}`],
    ["artists page (A–Z)", () => "/artists"],
    ["artists page, index rebuilt", rebuilt("/artists")],
    ["artist page", (i) => `/artists/${at(artistIds, i)}`],
    ["home", () => "/"],
    ["albums by name", (i) => `/albums?sort=name&page=${(i % 20) + 1}`],
    ["genres", () => "/genres"],
    ["genres, list rebuilt", rebuilt("/genres")],
    ["genre page", (i) => `/genres/${encodeURIComponent(at(genres, i))}`],
    ["search", (i) => `/search?q=${encodeURIComponent(at(words, i))}`],
    ["history", () => "/history"],
  ];

  async function run(path: (i: number) => string, n: number) {
    const lat: number[] = [];
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const start = performance.now();
      const url = path(i);
      const res = await user.request(url);
      const body = await res.text();
      lat.push(performance.now() - start);
      if (res.status !== 200) throw new Error(`${url}: ${res.status} ${body.slice(0, 200)}`);
      bytes += body.length;
    }
    lat.sort((a, b) => a - b);
    return { p50: pct(lat, 50), p99: pct(lat, 99), kb: bytes / n / 1024 };
  }

  const rows: string[][] = [];
  for (const [name, path] of PAGES) {
    await run(path, Math.min(100, REQUESTS)); // warm-up: JIT, page cache, prepared statements
    const runs = [];
    for (let r = 0; r < RUNS; r++) runs.push(await run(path, REQUESTS));
    rows.push([
      name,
      median(runs.map((r) => r.p50)).toFixed(2),
      median(runs.map((r) => r.p99)).toFixed(2),
      median(runs.map((r) => r.kb)).toFixed(0),
    ]);
    console.log(`${name}: p50 ${runs.map((r) => r.p50.toFixed(2)).join(", ")} ms`);
  }

  const head = ["page", "p50 ms", "p99 ms", "KB"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  console.log(`\n${line(head)}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
  for (const r of rows) console.log(line(r));
} finally {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
}
