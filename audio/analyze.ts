/**
 * One pass over a track feeding every analyser at once (loudness, true peak, peaks, tempo,
 * optionally spectrum). Runs wherever it is called: the pool calls it inside a worker.
 * `analyzeFile` streams from ffmpeg, so memory stays flat whatever the track length.
 */
import { TempoEstimator } from "./bpm.ts";
import { type DecodeOptions, decodePcmStream, type PcmFormat, type PcmSink } from "./decode.ts";
import {
  LoudnessMeter,
  linearToDb,
  replayGain,
  summarizeBlocks,
  TruePeakMeter,
} from "./loudness.ts";
import { PeaksBuilder } from "./peaks.ts";
import { type Spectrum, SpectrumBuilder, type SpectrumOptions } from "./spectrum.ts";

export interface AnalyzeOptions extends DecodeOptions {
  /** Number of (min, max) waveform pairs; default 1000. */
  peaks?: number;
  /** Estimate tempo; default true. */
  bpm?: boolean;
  /** Compute visualizer frames; default false (true = 32 bands at 20 fps). */
  spectrum?: boolean | SpectrumOptions;
}

export interface AnalysisResult {
  /** Integrated loudness, LUFS; -Infinity for silence or < 400 ms of audio. */
  integratedLufs: number;
  /** dBTP (4× oversampled); -Infinity for silence. */
  truePeakDb: number;
  samplePeakDb: number;
  /** ReplayGain 2.0 track gain, dB (−18 − LUFS); null for silence. */
  trackGain: number | null;
  /** Int8 (min, max) pairs stored as bytes; view with `new Int8Array(peaks.buffer)`. */
  peaks: Uint8Array;
  bpm: number | null;
  durationMs: number;
  sampleRate: number;
  channels: number;
  /** Mergeable block-loudness histogram: pass several to `albumLoudness` for album gain. */
  blockSummary: Uint8Array;
  spectrum?: Spectrum;
  /** Decoding stopped at `maxSeconds`. */
  truncated: boolean;
  /** Wall time of decode + analysis. */
  elapsedMs: number;
}

/** Fans each chunk out to the analysers; `result` closes them. */
class Analysis implements PcmSink {
  private readonly loudness: LoudnessMeter;
  private readonly truePeak: TruePeakMeter;
  private readonly peaks: PeaksBuilder;
  private readonly tempo: TempoEstimator | undefined;
  private readonly spectrum: SpectrumBuilder | undefined;
  frames = 0;

  constructor(
    readonly format: PcmFormat,
    opts: AnalyzeOptions,
  ) {
    this.loudness = new LoudnessMeter(format.sampleRate, format.channels);
    this.truePeak = new TruePeakMeter(format.channels);
    this.peaks = new PeaksBuilder(opts.peaks ?? 1000);
    if (opts.bpm !== false) this.tempo = new TempoEstimator(format.sampleRate);
    if (opts.spectrum) {
      const so = opts.spectrum === true ? {} : opts.spectrum;
      this.spectrum = new SpectrumBuilder(format.sampleRate, so);
    }
  }

  write(channels: readonly Float32Array[], frames: number): void {
    this.loudness.write(channels, frames);
    this.truePeak.write(channels, frames);
    this.peaks.write(channels, frames);
    this.tempo?.write(channels, frames);
    this.spectrum?.write(channels, frames);
    this.frames += frames;
  }

  result(truncated: boolean, started: number): AnalysisResult {
    this.truePeak.finish();
    const integratedLufs = this.loudness.integrated();
    const peaks = this.peaks.finish();
    return {
      integratedLufs,
      truePeakDb: this.truePeak.truePeakDb(),
      samplePeakDb: linearToDb(this.truePeak.samplePeak),
      trackGain: replayGain(integratedLufs),
      peaks: new Uint8Array(peaks.buffer, peaks.byteOffset, peaks.byteLength),
      bpm: this.tempo ? this.tempo.finish() : null,
      durationMs: Math.round((this.frames / this.format.sampleRate) * 1000),
      sampleRate: this.format.sampleRate,
      channels: this.format.channels,
      blockSummary: summarizeBlocks(this.loudness.blockEnergies()),
      spectrum: this.spectrum?.finish(),
      truncated,
      elapsedMs: Math.round(performance.now() - started),
    };
  }
}

/** Decodes with ffmpeg and analyses in one streaming pass. Rejects with DecodeError. */
export async function analyzeFile(
  path: string,
  opts: AnalyzeOptions = {},
): Promise<AnalysisResult> {
  const started = performance.now();
  let analysis: Analysis | undefined;
  const info = await decodePcmStream(path, opts, (format) => {
    analysis = new Analysis(format, opts);
    return analysis;
  });
  analysis ??= new Analysis(info, opts); // header but no samples: an empty track
  return analysis.result(info.truncated, started);
}

/** Analyses PCM already in memory (planar channels). */
export function analyzePcm(
  pcm: { sampleRate: number; samples: Float32Array[] },
  opts: AnalyzeOptions = {},
): AnalysisResult {
  const started = performance.now();
  const analysis = new Analysis({ sampleRate: pcm.sampleRate, channels: pcm.samples.length }, opts);
  // Chunked like a stream so the analysers' scratch buffers stay small.
  const total = pcm.samples[0]?.length ?? 0;
  const chunk = 1 << 16;
  for (let at = 0; at < total; at += chunk) {
    const n = Math.min(chunk, total - at);
    analysis.write(
      pcm.samples.map((s) => s.subarray(at, at + n)),
      n,
    );
  }
  return analysis.result(false, started);
}

/** Buffers a result owns, for postMessage's transfer list. */
export function transferables(result: AnalysisResult): ArrayBuffer[] {
  const list = [result.peaks.buffer, result.blockSummary.buffer];
  if (result.spectrum) list.push(result.spectrum.data.buffer);
  return list as ArrayBuffer[];
}
