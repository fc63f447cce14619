/**
 * Subsonic endpoints under load: a real server process on a 10k-track library, 16 concurrent
 * clients per endpoint, requests/s and p50/p99 latency (median of R runs), and the server's CPU
 * time per request (from /proc: on a shared machine it moves less than latency does).
 * `bun run bench/subsonic.bench.ts [--tracks N] [--runs R] [--seconds S] [--clients C]
 *   [--client socket|fetch] [--only NAME]` (`--only`: the endpoints whose name contains NAME)
 *
 * Each client is a closed loop over its own keep-alive HTTP/1.1 connection: the next request
 * leaves as soon as the previous answer has been read to its last byte. `socket` (the default,
 * bench/http-client.ts) speaks HTTP over a TCP socket; `fetch` uses fetch + arrayBuffer, which
 * costs the load generator about as much CPU per request as the server spends on a cached
 * answer, on the same two cores.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../tests/helpers/app.ts";
import { runCli, startServer } from "../tests/helpers/process.ts";
import { benchLibrary, median, numberArg } from "./common.ts";
import { HttpConnection } from "./http-client.ts";

const arg = numberArg;
const TRACKS = arg("--tracks", 10_000);
const RUNS = arg("--runs", 3);
const SECONDS = arg("--seconds", 3);
const CLIENTS = arg("--clients", 16);
const flag = (name: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
const CLIENT = flag("--client") ?? "socket";
const ONLY = flag("--only");
if (CLIENT !== "socket" && CLIENT !== "fetch") {
  throw new Error("--client is socket or fetch");
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

const music = await benchLibrary(TRACKS);

const dir = tempDir("bandstand-bench-subsonic-");
const env = {
  BANDSTAND_DATA_DIR: join(dir, "data"),
  BANDSTAND_MUSIC_DIR: music,
  BANDSTAND_AUTO_ANALYZE: "false",
  // Request logging at info would measure the logger, not the endpoints.
  LOG_LEVEL: "warn",
};
mkdirSync(env.BANDSTAND_DATA_DIR, { recursive: true });
const cli = async (args: string[]) => {
  const r = await runCli(args, env);
  if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
};
await cli(["user", "add", "admin", "--admin", "--password", "bench-pw"]);
const key = await cli(["apikey", "create", "admin"]);

const server = await startServer({ ...env });
// biome-ignore lint/suspicious/noExplicitAny: answers are read loosely; the tests check shapes.
type Json = any;
const base = `${server.url}/rest`;
const q = (method: string, params = "") =>
  `${base}/${method}?f=json&c=bench&apiKey=${key}&${params}`;
async function json(method: string, params = ""): Promise<Json> {
  const r = (await (await fetch(q(method, params))).json()) as Json;
  const body = r["subsonic-response"];
  if (body.status !== "ok") throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body;
}

try {
  // The start enqueues a scan; measure only once it has finished.
  const t0 = performance.now();
  for (;;) {
    const s = (await json("getScanStatus")).scanStatus;
    if (!s.scanning && s.count > 0) break;
    if (performance.now() - t0 > 600_000) throw new Error("scan did not finish");
    await Bun.sleep(200);
  }
  console.log(`start scan done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const albums: Json[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = (await json("getAlbumList2", `type=alphabeticalByName&size=500&offset=${offset}`))
      .albumList2.album as Json[];
    albums.push(...page);
    if (page.length < 500) break;
  }
  const songs = (await json("getRandomSongs", "size=500")).randomSongs.song as Json[];
  const covers = [...new Set(albums.map((a) => a.coverArt).filter(Boolean))].slice(0, 200);
  const words = [
    ...new Set(songs.flatMap((s) => String(s.title).split(/\s+/)).filter((w) => w.length > 3)),
  ].slice(0, 50);
  console.log(
    `${albums.length} albums, ${songs.length} sample songs, ${covers.length} covers, ${words.length} search words; ` +
      `${CLIENTS} ${CLIENT} clients × ${SECONDS} s per endpoint, median of ${RUNS}\n`,
  );

  const at = <T>(xs: T[], i: number) => xs[i % xs.length] as T;
  const ENDPOINTS: [string, (i: number) => [string, RequestInit?]][] = [
    // The floor: auth, routing and the envelope with no library query behind them.
    ["ping (baseline)", () => [q("ping")]],
    ["getArtists", () => [q("getArtists")]],
    [
      "getAlbumList2 alphabetical",
      (i) => [q("getAlbumList2", `type=alphabeticalByName&size=50&offset=${(i * 50) % 2000}`)],
    ],
    ["getAlbumList2 random", () => [q("getAlbumList2", "type=random&size=50")]],
    ["search3 text", (i) => [q("search3", `query=${encodeURIComponent(at(words, i))}`)]],
    [
      "search3 empty @9000",
      () => [q("search3", "query=&artistCount=0&albumCount=0&songCount=50&songOffset=9000")],
    ],
    ["getAlbum", (i) => [q("getAlbum", `id=${at(albums, i).id}`)]],
    ["getRandomSongs", () => [q("getRandomSongs", "size=50")]],
    [
      "stream raw 64 KB",
      (i) => [
        q("stream", `id=${at(songs, i).id}&format=raw`),
        { headers: { Range: "bytes=0-65535" } },
      ],
    ],
    ["getCoverArt 300", (i) => [q("getCoverArt", `id=${at(covers, i)}&size=300`)]],
  ];

  /** One request and its whole answer, by the chosen client; the status. */
  type Send = (url: string, init?: RequestInit) => Promise<number>;
  const viaFetch: Send = async (url, init) => {
    const res = await fetch(url, init);
    await res.arrayBuffer();
    return res.status;
  };
  const viaSocket = (conn: HttpConnection): Send => {
    return async (url, init) => {
      const headers = (init?.headers ?? {}) as Record<string, string>;
      return (await conn.send(url.slice(server.url.length), headers)).status;
    };
  };

  /** The server's CPU time so far (user + system), ms. */
  const serverCpuMs = async () => {
    const stat = await Bun.file(`/proc/${server.proc.pid}/stat`).text();
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks of 1/100 s
  };

  // One loop per client: the next request leaves as soon as the previous answer is read.
  async function load(make: (i: number) => [string, RequestInit?], ms: number) {
    const lat: number[] = [];
    let counter = 0;
    let failed = 0;
    const conns =
      CLIENT === "socket"
        ? await Promise.all(Array.from({ length: CLIENTS }, () => HttpConnection.open(server.url)))
        : [];
    const cpu0 = await serverCpuMs();
    const end = performance.now() + ms;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const conn = conns[c];
        const send = conn ? viaSocket(conn) : viaFetch;
        while (performance.now() < end) {
          const [url, init] = make(counter++);
          const t = performance.now();
          const status = await send(url, init);
          lat.push(performance.now() - t);
          if (status >= 300 && status !== 206) failed++;
        }
      }),
    );
    const cpu = (await serverCpuMs()) - cpu0;
    for (const conn of conns) conn.close();
    lat.sort((a, b) => a - b);
    return {
      rps: (lat.length / ms) * 1000,
      p50: pct(lat, 50),
      p99: pct(lat, 99),
      cpuUs: (cpu / lat.length) * 1000,
      failed,
    };
  }

  const rows: string[][] = [];
  for (const [name, make] of ENDPOINTS) {
    if (ONLY && !name.includes(ONLY)) continue;
    // Warm-up: fills the cover-art cache, the page cache and the JIT before anything counts.
    if (name.startsWith("getCoverArt")) {
      for (let i = 0; i < covers.length; i += CLIENTS) {
        await Promise.all(
          covers
            .slice(i, i + CLIENTS)
            .map(async (_, j) => (await fetch(make(i + j)[0])).arrayBuffer()),
        );
      }
    }
    await load(make, 500);
    const runs = [];
    for (let r = 0; r < RUNS; r++) runs.push(await load(make, SECONDS * 1000));
    const failed = runs.reduce((n, r) => n + r.failed, 0);
    rows.push([
      name,
      median(runs.map((r) => r.rps)).toFixed(0),
      median(runs.map((r) => r.p50)).toFixed(2),
      median(runs.map((r) => r.p99)).toFixed(2),
      median(runs.map((r) => r.cpuUs)).toFixed(0),
      failed ? String(failed) : "",
    ]);
    console.log(
      `${name}: ${runs.map((r) => `${r.rps.toFixed(0)} req/s p50 ${r.p50.toFixed(2)} ms`).join(", ")}`,
    );
  }

  const head = ["endpoint", "req/s", "p50 ms", "p99 ms", "server µs/req", "non-2xx"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  console.log(`\n${line(head)}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
  for (const r of rows) console.log(line(r));
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
