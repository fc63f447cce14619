/**
 * Library scan benchmark: first scan of a generated library, an unchanged
 * rescan, tracks/s and peak RSS. `bun run bench/scan.bench.ts [--tracks N] [--runs R]
 * [--engine music-metadata]` (the last: every file read by music-metadata, for comparison).
 * BANDSTAND_SCAN_WORKERS in the environment sets the tag worker count (default: cores − 1);
 * BENCH_LOG=1 shows the app's info log (a failing job says why).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config.ts";
import { createContext } from "../context.ts";
import type { LocalDispatcher } from "../jobs/local-dispatcher.ts";
import { createLogger } from "../log.ts";
import { benchLibrary, median, numberArg } from "./common.ts";

const arg = numberArg;
const TRACKS = arg("--tracks", 10_000);
const RUNS = arg("--runs", 3);

const music = await benchLibrary(TRACKS);

/**
 * CPU seconds of the main thread (Linux /proc; NaN elsewhere). With process.cpuUsage() (all
 * threads) it shows where a scan's work goes; unlike wall time, CPU time barely moves when other
 * work shares the machine.
 */
function mainThreadCpu(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ ticks
  } catch {
    return Number.NaN;
  }
}

async function once() {
  const dataDir = mkdtempSync(join(tmpdir(), "bandstand-bench-data-"));
  const config = loadConfig({
    BANDSTAND_DATA_DIR: dataDir,
    BANDSTAND_MUSIC_DIR: music,
    PUBLIC_URL: "http://bench.local",
    BANDSTAND_AUTO_ANALYZE: "false",
    ...(process.env.BANDSTAND_SCAN_WORKERS
      ? { BANDSTAND_SCAN_WORKERS: process.env.BANDSTAND_SCAN_WORKERS }
      : {}),
  });
  const { createApp } = await import("../app.ts");
  let app: ReturnType<typeof createApp> | undefined;
  const ctx = createContext(config, {
    log: createLogger(process.env.BENCH_LOG === "1" ? "info" : "error"),
    dispatcherFetch: (r) => (app as ReturnType<typeof createApp>).handle(r),
  });
  await ctx.database.open();
  app = createApp(ctx);
  await ctx.library.syncFolders();
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 250);
  const scan = async () => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const main0 = mainThreadCpu();
    const job = await ctx.jobs.enqueue("scan");
    await (ctx.queue as LocalDispatcher).drain(600_000);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const mainS = mainThreadCpu() - main0;
    const done = await ctx.jobs.get(job.id);
    if (done?.state !== "finished") throw new Error(`scan ${done?.state}: ${done?.error}`);
    return {
      ms,
      cpuS,
      mainS,
      result: JSON.parse(done.result ?? "{}") as { processed: number },
    };
  };
  const first = await scan();
  const rescan = await scan();
  clearInterval(sampler);
  await ctx.queue.stop();
  await ctx.edge.close();
  await ctx.library.close();
  ctx.database.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { first, rescan, peakMb: peak / 1024 / 1024 };
}

// Each run in a fresh process, so peak RSS is that run's alone.
if (process.argv.includes("--once")) {
  console.log(JSON.stringify(await once()));
} else {
  const results: Awaited<ReturnType<typeof once>>[] = [];
  for (let i = 0; i < RUNS; i++) {
    const engine = process.argv[process.argv.indexOf("--engine") + 1];
    const proc = Bun.spawn(["bun", "run", import.meta.path, "--tracks", String(TRACKS), "--once"], {
      stdout: "pipe",
      stderr: "inherit",
      env: {
        ...process.env,
        ...(process.argv.includes("--engine") && engine ? { BANDSTAND_TAG_ENGINE: engine } : {}),
      },
    });
    const out = await new Response(proc.stdout).text();
    if ((await proc.exited) !== 0) throw new Error("bench run failed");
    const r = JSON.parse(out.trim().split("\n").pop() ?? "{}") as Awaited<ReturnType<typeof once>>;
    results.push(r);
    console.log(
      `run ${i + 1}: first scan ${r.first.result.processed} tracks in ${(r.first.ms / 1000).toFixed(2)} s ` +
        `(${((r.first.result.processed / r.first.ms) * 1000).toFixed(0)} tracks/s; CPU ${r.first.cpuS.toFixed(2)} s, ` +
        `main thread ${r.first.mainS.toFixed(2)} s), unchanged rescan ${r.rescan.ms.toFixed(0)} ms, peak RSS ${r.peakMb.toFixed(0)} MB`,
    );
  }
  const tps = results.map((r) => (r.first.result.processed / r.first.ms) * 1000);
  console.log(
    `median: first scan ${median(tps).toFixed(0)} tracks/s (CPU ${median(results.map((r) => r.first.cpuS)).toFixed(2)} s, main thread ${median(results.map((r) => r.first.mainS)).toFixed(2)} s), unchanged rescan ${median(results.map((r) => r.rescan.ms)).toFixed(0)} ms, peak RSS ${median(results.map((r) => r.peakMb)).toFixed(0)} MB`,
  );
}
