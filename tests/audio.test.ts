import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { analyzeFile } from "../audio/analyze.ts";
import { estimateBpm } from "../audio/bpm.ts";
import { DecodeError, decodePcm } from "../audio/decode.ts";
import {
  albumLoudness,
  type Biquad,
  gatedLoudness,
  interpolatorPhases,
  kWeighting,
  LoudnessMeter,
  measureLoudness,
  replayGain,
  summarizeBlocks,
  TruePeakMeter,
} from "../audio/loudness.ts";
import { computePeaks, PeaksBuilder } from "../audio/peaks.ts";
import { AudioPool, PoolClosedError } from "../audio/pool.ts";
import { computeSpectrum } from "../audio/spectrum.ts";
import { tempDir } from "./helpers/app.ts";

const dir = tempDir("bandstand-audio-");
const f = (name: string) => join(dir, name);

async function ffmpeg(args: string[]): Promise<string> {
  const proc = Bun.spawn(["ffmpeg", "-nostdin", "-hide_banner", ...args], {
    stdout: "ignore",
    stderr: "pipe",
  });
  const stderr = await new Response(proc.stderr).text();
  if ((await proc.exited) !== 0) throw new Error(`ffmpeg ${args.join(" ")}: ${stderr}`);
  return stderr;
}

/** Generates `out` from a lavfi source expression (plus extra output args). */
function lavfi(out: string, source: string, extra: string[] = []): Promise<string> {
  return ffmpeg(["-v", "error", "-y", "-f", "lavfi", "-i", source, ...extra, f(out)]);
}

/** ffmpeg's own EBU R128 meter: the Summary's "I:" and true "Peak:" (last Summary block). */
async function ebur128(name: string): Promise<{ lufs: number; peak: number }> {
  const err = await ffmpeg([
    "-nostats",
    "-i",
    f(name),
    "-filter_complex",
    "ebur128=peak=true",
    "-f",
    "null",
    "-",
  ]);
  const summary = err.split("Summary:").at(-1) ?? "";
  const num = (re: RegExp) => {
    const m = summary.match(re)?.[1];
    return m === undefined ? Number.NaN : m === "-inf" ? Number.NEGATIVE_INFINITY : Number(m);
  };
  return { lufs: num(/I:\s+(-?[\d.]+|-inf)/), peak: num(/Peak:\s+(-?[\d.]+|-inf)/) };
}

/** Click track: a 1.5 kHz ping decaying in ~15 ms on every beat. */
function click(bpm: number, rate: number): string {
  return `aevalsrc=0.8*sin(2*PI*1500*t)*exp(-200*mod(t\\,${60 / bpm})):s=${rate}:d=16`;
}

/** Loudness references: file name → how to make it. */
const SIGNALS: Record<string, () => Promise<unknown>> = {
  "sine48.wav": () =>
    lavfi("sine48.wav", "sine=frequency=1000:sample_rate=48000:duration=6,volume=0.5"),
  "sine44.flac": () =>
    lavfi("sine44.flac", "sine=frequency=997:sample_rate=44100:duration=6,volume=0.3"),
  "pink48.wav": () =>
    lavfi("pink48.wav", "anoisesrc=color=pink:sample_rate=48000:duration=6:amplitude=0.5"),
  "stereo48.wav": () =>
    ffmpeg([
      "-v",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=440:sample_rate=48000:duration=6",
      "-f",
      "lavfi",
      "-i",
      "anoisesrc=color=pink:sample_rate=48000:duration=6:amplitude=0.2",
      "-filter_complex",
      "[0][1]amerge=inputs=2",
      f("stereo48.wav"),
    ]),
  "stereo44.mp3": () =>
    ffmpeg([
      "-v",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      "anoisesrc=color=pink:sample_rate=44100:duration=6:amplitude=0.4",
      "-f",
      "lavfi",
      "-i",
      "sine=frequency=100:sample_rate=44100:duration=6",
      "-filter_complex",
      "[0][1]amerge=inputs=2",
      "-c:a",
      "libmp3lame",
      "-b:a",
      "192k",
      f("stereo44.mp3"),
    ]),
  // Loud bursts and near-silence: exercises both gates.
  "gated48.wav": () =>
    lavfi(
      "gated48.wav",
      "aevalsrc=0.6*sin(2*PI*1000*t)*lt(mod(t\\,3)\\,1)+0.003*sin(2*PI*500*t):s=48000:d=9",
    ),
  "bass22.wav": () =>
    lavfi("bass22.wav", "sine=frequency=60:sample_rate=22050:duration=5,volume=0.8"),
};

const OTHER: Record<string, () => Promise<unknown>> = {
  "silence.wav": () => lavfi("silence.wav", "anullsrc=r=48000:cl=stereo", ["-t", "3"]),
  "short.wav": () => lavfi("short.wav", "sine=frequency=1000:sample_rate=48000:duration=0.3"),
  "hires96.flac": () => lavfi("hires96.flac", "sine=frequency=1000:sample_rate=96000:duration=2"),
  "click90.wav": () => lavfi("click90.wav", click(90, 44100)),
  "click120.wav": () => lavfi("click120.wav", click(120, 48000)),
  "click128.wav": () => lavfi("click128.wav", click(128, 44100)),
  "click174.wav": () => lavfi("click174.wav", click(174, 48000)),
  "long.flac": () =>
    lavfi("long.flac", "anoisesrc=color=pink:sample_rate=44100:duration=60:amplitude=0.5", [
      "-ac",
      "2",
    ]),
};

const reference: Record<string, { lufs: number; peak: number }> = {};

/** Runs jobs two at a time (two cores). */
async function inPairs(jobs: (() => Promise<unknown>)[]): Promise<void> {
  const queue = [...jobs];
  await Promise.all(
    [0, 1].map(async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await job();
    }),
  );
}

beforeAll(async () => {
  writeFileSync(f("corrupt.mp3"), "this is not audio at all\n".repeat(200));
  await inPairs([...Object.values(SIGNALS), ...Object.values(OTHER)]);
  await inPairs(
    Object.keys(SIGNALS).map((name) => async () => {
      reference[name] = await ebur128(name);
    }),
  );
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("decode", () => {
  test("mono stays mono, stereo stays stereo, rates ≤ 48 kHz kept", async () => {
    const mono = await decodePcm(f("sine44.flac"));
    expect(mono.channels).toBe(1);
    expect(mono.sampleRate).toBe(44100);
    expect(mono.samples).toHaveLength(1);
    expect(mono.samples[0]?.length).toBe(6 * 44100);
    const stereo = await decodePcm(f("stereo48.wav"));
    expect(stereo.channels).toBe(2);
    expect(stereo.samples[0]?.length).toBe(stereo.samples[1]?.length);
    // The left channel is the 440 Hz sine: full-scale-ish, while the right is quieter noise.
    expect(Math.max(...(stereo.samples[0] as Float32Array).subarray(0, 4800))).toBeGreaterThan(0.1);
  });

  test("hi-res is resampled to 48 kHz; a forced rate and maxSeconds are honoured", async () => {
    const hires = await decodePcm(f("hires96.flac"));
    expect(hires.sampleRate).toBe(48000);
    expect(hires.samples[0]?.length).toBe(96000);
    const forced = await decodePcm(f("sine48.wav"), { sampleRate: 16000, maxSeconds: 1 });
    expect(forced.sampleRate).toBe(16000);
    expect(forced.samples[0]?.length).toBe(16000);
    expect(forced.truncated).toBe(true);
  });

  test("corrupt input, missing binary and timeout reject with DecodeError", async () => {
    const corrupt = await decodePcm(f("corrupt.mp3")).catch((e) => e);
    expect(corrupt).toBeInstanceOf(DecodeError);
    expect(corrupt.reason).toBe("exit");
    expect(corrupt.stderr.length).toBeGreaterThan(0);
    const missing = await decodePcm(f("sine48.wav"), { ffmpegPath: "/nonexistent/ffmpeg" }).catch(
      (e) => e,
    );
    expect(missing).toBeInstanceOf(DecodeError);
    expect(missing.reason).toBe("spawn");
    const slow = await decodePcm(f("long.flac"), { timeoutMs: 1 }).catch((e) => e);
    expect(slow).toBeInstanceOf(DecodeError);
    expect(slow.reason).toBe("timeout");
  });
});

/** |H(e^jω)| of a biquad cascade, in dB. */
function responseDb(stages: Biquad[], hz: number, rate: number): number {
  const w = (2 * Math.PI * hz) / rate;
  let mag = 1;
  for (const q of stages) {
    const num = Math.hypot(
      q.b0 + q.b1 * Math.cos(w) + q.b2 * Math.cos(2 * w),
      q.b1 * Math.sin(w) + q.b2 * Math.sin(2 * w),
    );
    const den = Math.hypot(
      1 + q.a1 * Math.cos(w) + q.a2 * Math.cos(2 * w),
      q.a1 * Math.sin(w) + q.a2 * Math.sin(2 * w),
    );
    mag *= num / den;
  }
  return 20 * Math.log10(mag);
}

describe("loudness", () => {
  test("K-weighting: the standard's 48 kHz coefficients, same curve at other rates", () => {
    const [shelf, rlb] = kWeighting(48000);
    expect(shelf.b0).toBeCloseTo(1.53512485958697, 12);
    expect(shelf.a2).toBeCloseTo(0.73248077421585, 12);
    expect(rlb.a1).toBeCloseTo(-1.99004745483398, 12);
    // K-weighting lifts 1 kHz by ~0.69 dB, which the −0.691 in the loudness formula cancels.
    expect(responseDb([shelf, rlb], 997, 48000)).toBeCloseTo(0.691, 2);
    for (const rate of [44100, 32000, 22050]) {
      const stages = kWeighting(rate);
      for (const hz of [20, 100, 1000, 1681, 5000, 9000]) {
        const diff = responseDb(stages, hz, rate) - responseDb([shelf, rlb], hz, 48000);
        expect(Math.abs(diff)).toBeLessThan(0.1);
      }
    }
  });

  test("integrated loudness within 0.5 LU and true peak within 0.5 dB of ffmpeg ebur128", async () => {
    const rows: string[] = [];
    for (const name of Object.keys(SIGNALS)) {
      const pcm = await decodePcm(f(name));
      const ours = measureLoudness(pcm.samples, pcm.sampleRate);
      const ref = reference[name] as { lufs: number; peak: number };
      rows.push(
        `${name} ${ours.integratedLufs.toFixed(2)}/${ref.lufs} ${ours.truePeakDb.toFixed(2)}/${ref.peak}`,
      );
      expect(Math.abs(ours.integratedLufs - ref.lufs)).toBeLessThan(0.5);
      expect(Math.abs(ours.truePeakDb - ref.peak)).toBeLessThan(0.5);
      expect(ours.trackGain).toBeCloseTo(-18 - ours.integratedLufs, 10);
    }
    // Covered: 44.1 kHz, 22.05 kHz, stereo, mp3, gating.
    expect(rows).toHaveLength(7);
  });

  test("silence: -Infinity and a null gain, never NaN", async () => {
    const pcm = await decodePcm(f("silence.wav"));
    const r = measureLoudness(pcm.samples, pcm.sampleRate);
    expect(r.integratedLufs).toBe(Number.NEGATIVE_INFINITY);
    expect(r.truePeakDb).toBe(Number.NEGATIVE_INFINITY);
    expect(r.trackGain).toBeNull();
    expect(replayGain(Number.NEGATIVE_INFINITY)).toBeNull();
    expect(gatedLoudness([])).toBe(Number.NEGATIVE_INFINITY);
    // Shorter than one 400 ms block: no loudness, but a real peak.
    const short = await decodePcm(f("short.wav"));
    const s = measureLoudness(short.samples, short.sampleRate);
    expect(s.integratedLufs).toBe(Number.NEGATIVE_INFINITY);
    // lavfi's sine is 1/8 full scale: −18 dBFS.
    expect(s.truePeakDb).toBeGreaterThan(-18.5);
    expect(s.truePeakDb).toBeLessThan(-17.5);
  });

  test("streaming in odd chunk sizes gives the same figures as one call", () => {
    const rate = 44100;
    const x = new Float32Array(rate * 3);
    let seed = 7;
    for (let i = 0; i < x.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      x[i] = (seed / 2147483648 - 0.5) * Math.sin(i / 3000);
    }
    const whole = measureLoudness([x], rate);
    const meter = new LoudnessMeter(rate, 1);
    const tp = new TruePeakMeter(1);
    for (let at = 0, n = 1; at < x.length; at += n, n = (n * 7 + 3) % 5001) {
      const part = x.subarray(at, at + n);
      meter.write([part]);
      tp.write([part]);
    }
    tp.finish();
    expect(meter.integrated()).toBeCloseTo(whole.integratedLufs, 9);
    expect(tp.truePeakDb()).toBeCloseTo(whole.truePeakDb, 9);
  });

  test("the skipping true-peak scan equals brute-force 4× interpolation", () => {
    const h = interpolatorPhases();
    const taps = h.length / 4;
    const x = new Float32Array(20000);
    let seed = 3;
    for (let i = 0; i < x.length; i++) {
      seed = (seed * 69069 + 1) % 4294967296;
      // Limited-master-like: dense values near the ceiling, plus a few sharp transients.
      x[i] =
        Math.max(-0.5, Math.min(0.5, (seed / 4294967296 - 0.5) * 2)) * (i % 5000 === 7 ? 1.8 : 1);
    }
    let brute = 0;
    for (let m = 0; m < x.length + taps - 1; m++) {
      for (let p = 0; p < 4; p++) {
        let acc = 0;
        for (let k = 0; k < taps; k++) acc += (h[p * taps + k] as number) * (x[m - k] ?? 0);
        brute = Math.max(brute, Math.abs(acc));
      }
    }
    const tp = new TruePeakMeter(1);
    tp.write([x]);
    tp.finish();
    expect(tp.peak).toBeCloseTo(brute, 12);
  });

  test("album loudness from mergeable summaries matches gating all blocks together", async () => {
    const a = await decodePcm(f("pink48.wav"));
    const b = await decodePcm(f("gated48.wav"));
    const ra = measureLoudness(a.samples, a.sampleRate);
    const rb = measureLoudness(b.samples, b.sampleRate);
    const all = new Float64Array([...ra.blockEnergies, ...rb.blockEnergies]);
    const exact = gatedLoudness(all);
    const summaries = [summarizeBlocks(ra.blockEnergies), summarizeBlocks(rb.blockEnergies)];
    expect(Math.abs(albumLoudness(summaries) - exact)).toBeLessThan(0.05);
    // A one-track album is that track.
    expect(Math.abs(albumLoudness([summaries[0] as Uint8Array]) - ra.integratedLufs)).toBeLessThan(
      0.05,
    );
    expect(albumLoudness([summarizeBlocks([])])).toBe(Number.NEGATIVE_INFINITY);
    expect(() => albumLoudness([new Uint8Array([9, 9])])).toThrow();
  });
});

describe("peaks, tempo, spectrum", () => {
  test("peaks: min/max pairs as Int8, silence then a full-scale square", () => {
    const x = new Float32Array(10000);
    for (let i = 5000; i < 10000; i++) x[i] = i % 2 ? 1 : -1;
    const peaks = computePeaks([x], 100);
    expect(peaks).toBeInstanceOf(Int8Array);
    expect(peaks).toHaveLength(200);
    expect([peaks[0], peaks[1]]).toEqual([0, 0]);
    expect([peaks[198], peaks[199]]).toEqual([-127, 127]);
    // Streaming with tiny writes and many halvings gives the same overview.
    const b = new PeaksBuilder(100);
    for (let at = 0; at < x.length; at += 37)
      b.write([x.subarray(at, Math.min(x.length, at + 37))]);
    expect(Array.from(b.finish())).toEqual(Array.from(peaks));
    // Fewer samples than pairs, and nothing at all.
    const few = computePeaks([new Float32Array([0.6, -0.6])], 4);
    expect(Array.from(few)).toEqual([76, 76, 76, 76, -76, -76, -76, -76]);
    expect(computePeaks([], 3)).toEqual(new Int8Array(6));
  });

  test("BPM within ±2 on click trains at 90, 120, 128 and 174 (octave errors folded)", () => {
    for (const [bpm, rate] of [
      [90, 44100],
      [120, 48000],
      [128, 44100],
      [174, 48000],
    ] as const) {
      const x = new Float32Array(rate * 15);
      const period = (60 / bpm) * rate;
      for (let beat = 0; beat * period < x.length; beat++) {
        const start = Math.round(beat * period);
        for (let i = 0; i < 600 && start + i < x.length; i++) {
          x[start + i] = 0.8 * Math.sin((2 * Math.PI * 1500 * i) / rate) * Math.exp(-i / 100);
        }
      }
      const est = estimateBpm([x], rate);
      expect(est).not.toBeNull();
      expect(Math.abs((est as number) - bpm)).toBeLessThanOrEqual(2);
    }
    // No periodicity: null, not a made-up tempo.
    const noise = new Float32Array(48000 * 10).map(() => Math.random() - 0.5);
    expect(estimateBpm([noise], 48000)).toBeNull();
  });

  test("spectrum: a 1 kHz sine lights the band holding 1 kHz", async () => {
    const pcm = await decodePcm(f("sine48.wav"));
    const s = computeSpectrum(pcm.samples, pcm.sampleRate, { bands: 16, fps: 20 });
    expect(s.frames).toBe(120);
    expect(s.data).toHaveLength(120 * 16);
    const frame = Array.from(s.data.subarray(60 * 16, 61 * 16));
    const loudest = frame.indexOf(Math.max(...frame));
    const edge = (b: number) => 40 * (16000 / 40) ** (b / 16);
    expect(edge(loudest)).toBeLessThanOrEqual(1000 * 1.1);
    expect(edge(loudest + 1)).toBeGreaterThanOrEqual(1000 / 1.1);
  });
});

describe("worker pool", () => {
  let pool: AudioPool;
  beforeAll(() => {
    pool = new AudioPool({ size: 2 });
  });
  afterAll(() => pool.close());

  test("more tasks than workers: every result is right and matches in-thread analysis", async () => {
    const names = [
      "click90.wav",
      "click120.wav",
      "click128.wav",
      "click174.wav",
      "stereo44.mp3",
      "silence.wav",
    ];
    const results = await Promise.all(names.map((n) => pool.analyze(f(n), { peaks: 500 })));
    expect(pool.running + pool.queued).toBe(0);
    [90, 120, 128, 174].forEach((bpm, i) => {
      expect(Math.abs((results[i]?.bpm ?? 0) - bpm)).toBeLessThanOrEqual(2);
    });
    expect(results[5]?.bpm).toBeNull();
    const mp3 = results[4];
    const direct = await analyzeFile(f("stereo44.mp3"), { peaks: 500 });
    expect(mp3?.integratedLufs).toBeCloseTo(direct.integratedLufs, 9);
    expect(mp3?.truePeakDb).toBeCloseTo(direct.truePeakDb, 9);
    expect(mp3?.peaks).toEqual(direct.peaks);
    expect(mp3?.peaks).toHaveLength(1000);
    expect(mp3?.durationMs).toBeGreaterThan(5900);
    expect(mp3?.channels).toBe(2);
    expect(mp3?.blockSummary).toEqual(direct.blockSummary);
    const silent = results[5];
    expect(silent?.integratedLufs).toBe(Number.NEGATIVE_INFINITY);
    expect(silent?.trackGain).toBeNull();
    expect(Array.from(silent?.peaks ?? []).every((v) => v === 0)).toBe(true);
  });

  test("a corrupt file rejects with DecodeError and the pool keeps working", async () => {
    const [bad, good] = await Promise.allSettled([
      pool.analyze(f("corrupt.mp3")),
      pool.analyze(f("sine48.wav"), { spectrum: true }),
    ]);
    expect(bad.status).toBe("rejected");
    const err = (bad as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(DecodeError);
    expect(err.reason).toBe("exit");
    expect(err.stderr.length).toBeGreaterThan(0);
    expect(good.status).toBe("fulfilled");
    const again = await pool.analyze(f("sine48.wav"));
    expect(again.integratedLufs).toBeCloseTo(reference["sine48.wav"]?.lufs ?? 0, 0);
    const spectrum = (good as PromiseFulfilledResult<Awaited<ReturnType<AudioPool["analyze"]>>>)
      .value.spectrum;
    expect(spectrum?.frames).toBe(120);
  });

  test("analyzePcm transfers the samples (no copy) and returns the same figures", async () => {
    const pcm = await decodePcm(f("pink48.wav"));
    const expected = measureLoudness(pcm.samples, pcm.sampleRate);
    const left = pcm.samples[0] as Float32Array;
    const r = await pool.analyzePcm(pcm);
    expect(left.byteLength).toBe(0); // detached: ownership moved to the worker
    expect(r.integratedLufs).toBeCloseTo(expected.integratedLufs, 9);
  });

  test("the event loop keeps ticking while the pool analyses", async () => {
    let last = performance.now();
    let maxGap = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 10);
    const names = ["long.flac", "stereo44.mp3", "pink48.wav", "stereo48.wav"];
    const results = await Promise.all(names.map((n) => pool.analyze(f(n))));
    clearInterval(timer);
    expect(results[0]?.durationMs).toBe(60000);
    expect(ticks).toBeGreaterThan(5);
    expect(maxGap).toBeLessThan(200); // generous: a blocked loop would show the whole analysis
  });

  test("an AbortSignal drops a queued task and kills a running one's ffmpeg", async () => {
    const p = new AudioPool({ size: 1 });
    const stopRunning = new AbortController();
    const stopQueued = new AbortController();
    const running = p.analyze(f("long.flac"), { signal: stopRunning.signal });
    const queued = p.analyze(f("long.flac"), { signal: stopQueued.signal });
    stopQueued.abort();
    expect(p.queued).toBe(0);
    stopRunning.abort();
    for (const err of [await queued.catch((e) => e), await running.catch((e) => e)]) {
      expect(err).toBeInstanceOf(DecodeError);
      expect(err.reason).toBe("aborted");
    }
    expect((await p.analyze(f("sine48.wav"))).durationMs).toBe(6000); // the worker is reused
    await p.close();
  });

  test("close() rejects queued work and later calls", async () => {
    const p = new AudioPool({ size: 1 });
    // Handlers attached up front: both reject while close() is still winding down.
    const first = p.analyze(f("long.flac")).catch((e) => e);
    const queued = p.analyze(f("sine48.wav")).catch((e) => e);
    expect(p.queued).toBe(1);
    await p.close();
    expect(await first).toBeInstanceOf(PoolClosedError);
    expect(await queued).toBeInstanceOf(PoolClosedError);
    expect(await p.analyze(f("sine48.wav")).catch((e) => e)).toBeInstanceOf(PoolClosedError);
  });
});
