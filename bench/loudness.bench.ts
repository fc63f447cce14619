/**
 * Audio analysis benchmark: `bun run bench/loudness.bench.ts [--quick]`
 *
 * 1. Accuracy: our integrated loudness / true peak vs ffmpeg's ebur128 filter on generated signals.
 * 2. Throughput: seconds of audio analysed per second of wall time (medians), for analysis alone
 *    (PCM in memory), decode + analysis in one thread, and through the worker pool.
 * 3. Event-loop latency (p50/p99 of a 10 ms timer) while the pool is busy, with decoding inside
 *    the workers vs. decoding on the main thread and transferring PCM to the workers.
 * Prints tables; asserts nothing.
 */
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeFile, analyzePcm } from "../audio/analyze.ts";
import { decodePcm } from "../audio/decode.ts";
import { measureLoudness } from "../audio/loudness.ts";
import { AudioPool } from "../audio/pool.ts";

const quick = process.argv.includes("--quick");
const dir = join(tmpdir(), `bandstand-bench-${process.pid}`);
const path = (name: string) => join(dir, name);

async function ffmpeg(args: string[]): Promise<string> {
  const proc = Bun.spawn(["ffmpeg", "-nostdin", "-hide_banner", "-y", ...args], {
    stdout: "ignore",
    stderr: "pipe",
  });
  const err = await new Response(proc.stderr).text();
  if ((await proc.exited) !== 0) throw new Error(`ffmpeg failed: ${err}`);
  return err;
}

const lavfi = (source: string) => ["-f", "lavfi", "-i", source];

/** name → ffmpeg arguments producing it (output path appended). */
const SIGNALS: Record<string, string[]> = {
  "sine 1k 48k mono -6dB": lavfi("sine=f=1000:r=48000:d=10,volume=4"),
  "sine 997 44.1k mono": lavfi("sine=f=997:r=44100:d=10,volume=2.4"),
  "pink 48k mono": lavfi("anoisesrc=color=pink:r=48000:d=10:a=0.5"),
  "white 44.1k mono": lavfi("anoisesrc=color=white:r=44100:d=10:a=0.3"),
  "brown 32k mono": lavfi("anoisesrc=color=brown:r=32000:d=10:a=0.7"),
  "stereo sine+pink 48k": [
    ...lavfi("sine=f=440:r=48000:d=10"),
    ...lavfi("anoisesrc=color=pink:r=48000:d=10:a=0.2"),
    "-filter_complex",
    "[0][1]amerge=inputs=2",
  ],
  "stereo pink+bass 44.1k mp3": [
    ...lavfi("anoisesrc=color=pink:r=44100:d=10:a=0.4"),
    ...lavfi("sine=f=100:r=44100:d=10"),
    "-filter_complex",
    "[0][1]amerge=inputs=2",
    "-c:a",
    "libmp3lame",
    "-b:a",
    "192k",
  ],
  "bursts + near-silence 48k": lavfi(
    "aevalsrc=0.6*sin(2*PI*1000*t)*lt(mod(t\\,3)\\,1)+0.003*sin(2*PI*500*t):s=48000:d=12",
  ),
  "limited pink 44.1k stereo": [
    ...lavfi("anoisesrc=color=pink:r=44100:d=10:a=1"),
    "-af",
    "alimiter=limit=0.7:level=false",
    "-ac",
    "2",
  ],
  "11 kHz tone 48k (ISP)": lavfi("aevalsrc=0.9*sin(2*PI*11000*t+0.3):s=48000:d=6"),
  "sine 1k 96k (→48k)": lavfi("sine=f=1000:r=96000:d=6,volume=4"),
  "bass 60 Hz 22.05k": lavfi("sine=f=60:r=22050:d=8,volume=6"),
};

function fileOf(name: string): string {
  const ext = name.endsWith("mp3") ? "mp3" : name.includes("96k") ? "flac" : "wav";
  return path(`${name.replace(/[^a-z0-9]+/gi, "_")}.${ext}`);
}

async function reference(file: string): Promise<{ lufs: number; peak: number }> {
  const err = await ffmpeg([
    "-nostats",
    "-i",
    file,
    "-filter_complex",
    "ebur128=peak=true",
    "-f",
    "null",
    "-",
  ]);
  const summary = err.split("Summary:").at(-1) ?? "";
  const num = (re: RegExp) => Number(summary.match(re)?.[1] ?? Number.NaN);
  return { lufs: num(/I:\s+(-?[\d.]+)/), peak: num(/Peak:\s+(-?[\d.]+)/) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
const fmt = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : String(v));

async function accuracy(): Promise<void> {
  console.log("\n## Accuracy vs ffmpeg ebur128 (ffmpeg prints 0.1 precision)\n");
  console.log("| signal | ours LUFS | ffmpeg LUFS | diff | ours dBTP | ffmpeg dBTP | diff |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const [name, args] of Object.entries(SIGNALS)) {
    const file = fileOf(name);
    await ffmpeg(["-v", "error", ...args, file]);
    const ref = await reference(file);
    const pcm = await decodePcm(file);
    const ours = measureLoudness(pcm.samples, pcm.sampleRate);
    const dl = ours.integratedLufs - ref.lufs;
    const dp = ours.truePeakDb - ref.peak;
    console.log(
      `| ${name} | ${fmt(ours.integratedLufs)} | ${fmt(ref.lufs, 1)} | ${fmt(dl)} | ${fmt(ours.truePeakDb)} | ${fmt(ref.peak, 1)} | ${fmt(dp)} |`,
    );
  }
}

/** 4-minute stereo 44.1 kHz test tracks: a dense, limited "master" and a lighter mix. */
async function makeTracks(): Promise<string[]> {
  const seconds = quick ? 60 : 240;
  const dense = path("dense.flac");
  const light = path("light.mp3");
  await Promise.all([
    ffmpeg([
      "-v",
      "error",
      ...lavfi(`anoisesrc=color=pink:r=44100:d=${seconds}:a=1`),
      ...lavfi(`aevalsrc=0.9*sin(2*PI*55*t)*exp(-8*mod(t\\,0.46875)):s=44100:d=${seconds}`),
      "-filter_complex",
      "[0][1]amerge=inputs=2,alimiter=limit=0.8:level=false",
      dense,
    ]),
    ffmpeg([
      "-v",
      "error",
      ...lavfi(`sine=f=220:r=44100:d=${seconds}`),
      ...lavfi(`anoisesrc=color=pink:r=44100:d=${seconds}:a=0.3`),
      "-filter_complex",
      "[0][1]amerge=inputs=2",
      "-c:a",
      "libmp3lame",
      "-b:a",
      "192k",
      light,
    ]),
  ]);
  return [dense, light];
}

async function throughput(tracks: string[]): Promise<void> {
  const runs = quick ? 3 : 5;
  console.log(`\n## Throughput (median of ${runs}; audio seconds per wall second)\n`);
  console.log("| track | mode | median ms | × realtime |");
  console.log("|---|---|---:|---:|");
  for (const track of tracks) {
    const pcm = await decodePcm(track);
    const seconds = (pcm.samples[0]?.length ?? 0) / pcm.sampleRate;
    const name = track.split("/").at(-1);
    const row = (mode: string, times: number[]) => {
      const m = median(times);
      console.log(`| ${name} | ${mode} | ${m.toFixed(0)} | ${(seconds / (m / 1000)).toFixed(0)} |`);
    };
    const analysisOnly: number[] = [];
    for (let i = 0; i < runs; i++) analysisOnly.push(analyzePcm(pcm).elapsedMs);
    row("analysis only (PCM in memory, 1 thread)", analysisOnly);
    const decodeOnly: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await decodePcm(track);
      decodeOnly.push(performance.now() - t);
    }
    row("decodePcm only (ffmpeg → Float32Array)", decodeOnly);
    const both: number[] = [];
    for (let i = 0; i < runs; i++) both.push((await analyzeFile(track)).elapsedMs);
    row("analyzeFile (streaming decode + analysis)", both);
  }
  for (const size of [1, 2]) {
    const pool = new AudioPool({ size });
    await Promise.all(tracks.map((t) => pool.analyze(t))); // warm the workers' JIT
    const batch = Array.from({ length: 4 }, (_, i) => tracks[i % tracks.length] as string);
    const times: number[] = [];
    let audio = 0;
    for (let i = 0; i < (quick ? 1 : 3); i++) {
      const t = performance.now();
      const results = await Promise.all(batch.map((b) => pool.analyze(b)));
      times.push(performance.now() - t);
      audio = results.reduce((s, r) => s + r.durationMs / 1000, 0);
    }
    const m = median(times);
    console.log(
      `| 4 tracks | pool size ${size} | ${m.toFixed(0)} | ${(audio / (m / 1000)).toFixed(0)} |`,
    );
    await pool.close();
  }
}

/** Gaps between ticks of a 10 ms interval while `work` runs. */
async function timerGaps(work: () => Promise<unknown>): Promise<number[]> {
  Bun.gc(true); // start clean: the throughput runs left big PCM garbage on this heap
  const gaps: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, 10);
  await work();
  clearInterval(timer);
  return gaps;
}

async function latency(tracks: string[]): Promise<void> {
  console.log("\n## Event-loop latency of a 10 ms timer (ms between ticks)\n");
  console.log("| scenario | ticks | p50 | p99 | max |");
  console.log("|---|---:|---:|---:|---:|");
  const row = (name: string, g: number[]) =>
    console.log(
      `| ${name} | ${g.length} | ${fmt(pct(g, 50), 1)} | ${fmt(pct(g, 99), 1)} | ${fmt(Math.max(...g), 1)} |`,
    );
  row("idle", await timerGaps(() => Bun.sleep(2000)));
  const batch = Array.from({ length: 4 }, (_, i) => tracks[i % tracks.length] as string);
  const pool = new AudioPool();
  await Promise.all(tracks.map((t) => pool.analyze(t)));
  row(
    `pool (size ${pool.size}): workers decode`,
    await timerGaps(() => Promise.all(batch.map((t) => pool.analyze(t)))),
  );
  row(
    `pool (size ${pool.size}): main decodes, transfers PCM`,
    await timerGaps(() => Promise.all(batch.map(async (t) => pool.analyzePcm(await decodePcm(t))))),
  );
  row(
    "no pool: analyzeFile on the main thread",
    await timerGaps(() => analyzeFile(tracks[0] as string)),
  );
  await pool.close();
}

try {
  await ffmpeg(["-v", "error", "-f", "lavfi", "-i", "anullsrc", "-t", "0.1", "-f", "null", "-"]);
  mkdirSync(dir, { recursive: true });
  console.log(
    `# Bandstand audio bench (${navigator.hardwareConcurrency} cores, Bun ${Bun.version})`,
  );
  await accuracy();
  const tracks = await makeTracks();
  await throughput(tracks);
  await latency(tracks);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
