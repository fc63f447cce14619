/**
 * Tag reading benchmark: every audio file of the generated library parsed single-threaded, once
 * per engine — music-metadata alone, and the default (fast path for MP3/FLAC, music-metadata for
 * the rest) — in alternating order, reporting per-file medians and means by format.
 *
 *   bun run bench/tags.bench.ts [--tracks N] [--runs R]      (bun run bench tags)
 *
 * On a loaded machine compare the two engines within one run: they alternate, so both see the
 * same background load.
 */
import { readdirSync } from "node:fs";
import { extname, join } from "node:path";
import { AUDIO_EXTENSIONS, FastPathDeclined, type ReadOptions, readTags } from "../library/tags.ts";
import { benchLibrary, median, numberArg } from "./common.ts";

const TRACKS = numberArg("--tracks", 10_000);
const RUNS = numberArg("--runs", 3);
const ENGINES = ["music-metadata", "auto"] as const;
type Engine = (typeof ENGINES)[number];

const music = await benchLibrary(TRACKS);
const files = (readdirSync(music, { recursive: true }) as string[])
  .filter((f) => AUDIO_EXTENSIONS.has(extname(f).slice(1).toLowerCase()))
  .sort()
  .map((f) => join(music, f));
const formatOf = (f: string) => extname(f).slice(1).toLowerCase();
const formats = [...new Set(files.map(formatOf))].sort();

// How many files the fast path reads itself.
let fastTaken = 0;
for (const f of files) {
  try {
    await readTags(f, { engine: "fast" });
    fastTaken++;
  } catch (error) {
    if (!(error instanceof FastPathDeclined)) continue; // unreadable either way
  }
}

/** CPU ms per file of each pass (all threads: also counts JIT and GC, not time others took). */
const cpuPerFile: Record<Engine, number[]> = { "music-metadata": [], auto: [] };

/** Per-file times (ms) of one pass with one engine. */
async function pass(engine: Engine): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>();
  const options: ReadOptions = { engine };
  const cpu0 = process.cpuUsage();
  for (const f of files) {
    const t0 = performance.now();
    try {
      await readTags(f, options);
    } catch {
      // broken files are part of a library too
    }
    const ms = performance.now() - t0;
    const list = times.get(formatOf(f)) ?? [];
    list.push(ms);
    times.set(formatOf(f), list);
  }
  const cpu = process.cpuUsage(cpu0);
  cpuPerFile[engine].push((cpu.user + cpu.system) / 1000 / files.length);
  return times;
}

await pass("music-metadata"); // warm-up: JIT, page cache
await pass("auto");
cpuPerFile["music-metadata"] = [];
cpuPerFile.auto = [];

const results: Record<Engine, Map<string, number[]>[]> = { "music-metadata": [], auto: [] };
for (let run = 0; run < RUNS; run++) {
  const order = run % 2 === 0 ? ENGINES : [...ENGINES].reverse();
  for (const engine of order) results[engine].push(await pass(engine));
}

const fmt = (ms: number) => ms.toFixed(3).padStart(7);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Median over runs of a statistic of one run's per-file times. */
const acrossRuns = (engine: Engine, format: string | undefined, stat: (xs: number[]) => number) =>
  median(
    results[engine].map((times) =>
      stat(format ? (times.get(format) ?? []) : [...times.values()].flat()),
    ),
  );

console.log(
  `${files.length} files, ${RUNS} runs; fast path reads ${fastTaken} of them itself (the rest: ` +
    "music-metadata). ms/file, median over runs:",
);
console.log(
  `${"format".padEnd(8)} ${"files".padStart(6)}   ${"median mm".padStart(9)} ${"median auto".padStart(11)}   ${"mean mm".padStart(7)} ${"mean auto".padStart(9)}   speed-up (mean)`,
);
for (const format of [...formats, undefined]) {
  const n = format ? files.filter((f) => formatOf(f) === format).length : files.length;
  const medMm = acrossRuns("music-metadata", format, median);
  const medAuto = acrossRuns("auto", format, median);
  const meanMm = acrossRuns("music-metadata", format, mean);
  const meanAuto = acrossRuns("auto", format, mean);
  console.log(
    `${(format ?? "all").padEnd(8)} ${String(n).padStart(6)}   ${fmt(medMm).padStart(9)} ${fmt(medAuto).padStart(11)}   ${fmt(meanMm)} ${fmt(meanAuto).padStart(9)}   ${(meanMm / meanAuto).toFixed(2)}×`,
  );
}
console.log(
  `CPU ms/file, all formats (median of runs): music-metadata ${median(cpuPerFile["music-metadata"]).toFixed(3)}, ` +
    `auto ${median(cpuPerFile.auto).toFixed(3)}`,
);
