/**
 * /healthz latency over real HTTP while the audio worker pool analyses tracks
 * (and, for comparison, while idle). `bun run bench/healthz.bench.ts [--runs R]`
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../app.ts";
import { AudioPool } from "../audio/index.ts";
import { loadConfig } from "../config.ts";
import { createContext } from "../context.ts";
import { createLogger } from "../log.ts";
import { renderLavfi } from "../tests/helpers/audio-files.ts";

const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 3;
const dir = mkdtempSync(join(tmpdir(), "bandstand-bench-healthz-"));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
};

// Four 3-minute stereo tracks: enough to keep every worker busy for a while.
const tracks: string[] = [];
for (let i = 0; i < 4; i++) {
  tracks.push(
    await renderLavfi(join(dir, `t${i}.flac`), `anoisesrc=color=pink:d=180:a=0.3:seed=${i}`, [
      "-ac",
      "2",
    ]),
  );
}

const ctx = createContext(
  loadConfig({ BANDSTAND_DATA_DIR: join(dir, "data"), PORT: "0", PUBLIC_URL: "http://127.0.0.1" }),
  { log: createLogger("error") },
);
await ctx.database.open();
const server = Bun.serve({ port: 0, fetch: createApp(ctx).fetch });
const url = `http://127.0.0.1:${server.port}/healthz`;

async function sample(until: () => boolean): Promise<number[]> {
  const out: number[] = [];
  while (!until()) {
    const t0 = performance.now();
    await (await fetch(url)).text();
    out.push(performance.now() - t0);
  }
  return out;
}

const pool = new AudioPool();
console.log(`pool size ${navigator.hardwareConcurrency - 1 || 1}; 4 × 3 min tracks per run\n`);
const idleP50: number[] = [];
const busyP50: number[] = [];
const busyP99: number[] = [];
for (let r = 0; r < runs; r++) {
  const idleUntil = performance.now() + 1000;
  const idle = await sample(() => performance.now() > idleUntil);
  let finished = false;
  const work = Promise.all(tracks.map((t) => pool.analyze(t))).finally(() => {
    finished = true;
  });
  const busy = await sample(() => finished);
  await work;
  idleP50.push(pct(idle, 50));
  busyP50.push(pct(busy, 50));
  busyP99.push(pct(busy, 99));
  console.log(
    `run ${r + 1}: idle p50 ${pct(idle, 50).toFixed(2)} ms; busy p50 ${pct(busy, 50).toFixed(2)} ms, p99 ${pct(busy, 99).toFixed(2)} ms, max ${Math.max(...busy).toFixed(1)} ms (${busy.length} requests)`,
  );
}
const med = (xs: number[]) => pct(xs, 50);
console.log(
  `median: idle p50 ${med(idleP50).toFixed(2)} ms; busy p50 ${med(busyP50).toFixed(2)} ms, p99 ${med(busyP99).toFixed(2)} ms`,
);
await pool.close();
server.stop(true);
await ctx.edge.close();
await ctx.library.close();
ctx.database.close();
rmSync(dir, { recursive: true, force: true });
