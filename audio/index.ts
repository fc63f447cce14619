/** Public surface of the audio module (domain code only: no HTTP, no database). */
export { type AnalysisResult, type AnalyzeOptions, analyzeFile, analyzePcm } from "./analyze.ts";
export { estimateBpm, TempoEstimator } from "./bpm.ts";
export {
  type DecodedPcm,
  DecodeError,
  type DecodeOptions,
  decodePcm,
  decodePcmStream,
} from "./decode.ts";
export {
  albumLoudness,
  gatedLoudness,
  LoudnessMeter,
  measureLoudness,
  replayGain,
  summarizeBlocks,
  TruePeakMeter,
} from "./loudness.ts";
export { computePeaks, PeaksBuilder } from "./peaks.ts";
export { AudioPool, type AudioPoolOptions, PoolClosedError } from "./pool.ts";
export { computeSpectrum, type Spectrum, SpectrumBuilder } from "./spectrum.ts";
