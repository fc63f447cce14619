/**
 * Tempo estimate: onset-strength envelope + autocorrelation over 60–200 BPM.
 *
 * 1. Mono mix, box-decimated to ~11–12 kHz (onsets need no more bandwidth; 4× less work).
 * 2. Three bands from two one-pole low-passes (< 150 Hz kicks, 150–2000 Hz, > 2000 Hz hats);
 *    band energy per ~5 ms hop; onset strength = Σ half-wave-rectified rise of log energy.
 * 3. Envelope minus its 1 s moving average (keeps rhythm, drops loudness swells), lightly
 *    smoothed, then unbiased autocorrelation up to twice the slowest beat period.
 * 4. The strongest period in range wins; octave folding: if half (or a third) of it is nearly
 *    as periodic (≥ 90 %), the beat really is that fast — a 174 BPM click also repeats every
 *    two beats (87 BPM), and the shortest such period is the tempo.
 * 5. Refined with parabolic interpolation at the largest multiple of the period computed.
 * Returns null when there is no clear periodicity (silence, noise, too short).
 */
export interface TempoOptions {
  minBpm?: number;
  maxBpm?: number;
}

const ENVELOPE_HZ = 200;
const FOLD_RATIO = 0.9;
const MIN_CONFIDENCE = 0.1;
/** Longest stretch of envelope correlated, taken from the middle: 10 minutes. */
const MAX_ANALYSIS_SECONDS = 600;

export class TempoEstimator {
  readonly envelopeRate: number;
  private readonly decim: number;
  private readonly hop: number;
  private readonly aLow: number;
  private readonly aMid: number;
  private readonly floor: number;
  private lowState = 0;
  private midState = 0;
  private decAcc = 0;
  private decCount = 0;
  private hopCount = 0;
  private eLow = 0;
  private eMid = 0;
  private eHigh = 0;
  private prev = new Float64Array(3);
  private env = new Float32Array(4096);
  private length = 0;
  private readonly minBpm: number;
  private readonly maxBpm: number;

  constructor(
    readonly sampleRate: number,
    opts: TempoOptions = {},
  ) {
    this.minBpm = opts.minBpm ?? 60;
    this.maxBpm = opts.maxBpm ?? 200;
    this.decim = Math.max(1, Math.round(sampleRate / 11025));
    const rate = sampleRate / this.decim;
    this.hop = Math.max(1, Math.round(rate / ENVELOPE_HZ));
    this.envelopeRate = rate / this.hop;
    this.aLow = 1 - Math.exp((-2 * Math.PI * 150) / rate);
    this.aMid = 1 - Math.exp((-2 * Math.PI * 2000) / rate);
    this.floor = this.hop * 1e-7; // ≈ −70 dBFS: below it, level changes are not onsets
    this.prev.fill(Math.log(this.floor));
  }

  write(channels: readonly Float32Array[], frames = channels[0]?.length ?? 0): void {
    const left = channels[0] as Float32Array;
    const right = (channels[1] ?? left) as Float32Array;
    const decim = this.decim;
    const scale = 0.5 / decim;
    let acc = this.decAcc;
    let count = this.decCount;
    for (let i = 0; i < frames; i++) {
      acc += (left[i] as number) + (right[i] as number);
      if (++count === decim) {
        this.sample(acc * scale);
        acc = 0;
        count = 0;
      }
    }
    this.decAcc = acc;
    this.decCount = count;
  }

  private sample(x: number): void {
    this.lowState += this.aLow * (x - this.lowState);
    this.midState += this.aMid * (x - this.midState);
    const low = this.lowState;
    const mid = this.midState - low;
    const high = x - this.midState;
    this.eLow += low * low;
    this.eMid += mid * mid;
    this.eHigh += high * high;
    if (++this.hopCount < this.hop) return;
    const p = this.prev;
    const l0 = Math.log(this.eLow + this.floor);
    const l1 = Math.log(this.eMid + this.floor);
    const l2 = Math.log(this.eHigh + this.floor);
    const onset =
      Math.max(0, l0 - (p[0] as number)) +
      Math.max(0, l1 - (p[1] as number)) +
      Math.max(0, l2 - (p[2] as number));
    p[0] = l0;
    p[1] = l1;
    p[2] = l2;
    this.eLow = 0;
    this.eMid = 0;
    this.eHigh = 0;
    this.hopCount = 0;
    if (this.length === this.env.length) {
      const grown = new Float32Array(this.env.length * 2);
      grown.set(this.env);
      this.env = grown;
    }
    this.env[this.length++] = onset;
  }

  /** BPM rounded to 0.1, or null. */
  finish(): number | null {
    const rate = this.envelopeRate;
    const maxLen = Math.round(MAX_ANALYSIS_SECONDS * rate);
    const skip = Math.max(0, (this.length - maxLen) >> 1);
    const env = this.env.subarray(skip, skip + Math.min(this.length, maxLen));
    const lagMin = Math.max(2, Math.floor((60 * rate) / this.maxBpm));
    const lagMax = Math.ceil((60 * rate) / this.minBpm);
    const maxLag = 2 * lagMax + 2;
    if (env.length < maxLag * 2) return null;

    const d = normalizeEnvelope(env, Math.round(rate));
    const r = autocorrelate(d, maxLag);
    if (!((r[0] as number) > 0)) return null;

    let best = -1;
    for (let L = lagMin; L <= lagMax; L++) {
      if (isPeak(r, L) && (best < 0 || (r[L] as number) > (r[best] as number))) best = L;
    }
    if (best < 0 || (r[best] as number) < MIN_CONFIDENCE * (r[0] as number)) return null;

    // Octave folding toward the shortest period that is nearly as periodic.
    for (let folded = true; folded; ) {
      folded = false;
      for (const k of [2, 3]) {
        const cand = peakNear(r, best / k, lagMin);
        if (cand > 0 && (r[cand] as number) >= FOLD_RATIO * (r[best] as number)) {
          best = cand;
          folded = true;
          break;
        }
      }
    }

    // Refine at the largest multiple of the period still inside the computed lags.
    let period = best + parabola(r, best);
    const k = Math.floor((maxLag - 2) / period);
    if (k >= 2) {
      const at = peakNear(r, k * period, 1);
      if (at > 0) period = (at + parabola(r, at)) / k;
    }
    return Math.round((600 * rate) / period) / 10;
  }
}

/** Onset envelope minus its moving average (window ≈ 1 s), clipped at 0, 3-tap smoothed. */
function normalizeEnvelope(env: Float32Array, window: number): Float64Array {
  const n = env.length;
  const out = new Float64Array(n);
  const half = window >> 1;
  let sum = 0;
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    while (hi < n && hi <= i + half) sum += env[hi++] as number;
    while (lo < i - half) sum -= env[lo++] as number;
    out[i] = Math.max(0, (env[i] as number) - sum / (hi - lo));
  }
  const smooth = new Float64Array(n);
  let mean = 0;
  for (let i = 0; i < n; i++) {
    const a = out[i - 1] ?? 0;
    const b = out[i + 1] ?? 0;
    smooth[i] = 0.25 * a + 0.5 * (out[i] as number) + 0.25 * b;
    mean += smooth[i] as number;
  }
  mean /= n;
  for (let i = 0; i < n; i++) smooth[i] = (smooth[i] as number) - mean;
  return smooth;
}

/** Unbiased autocorrelation r[L] = Σ d[t]·d[t+L] / (n − L), L = 0..maxLag. */
function autocorrelate(d: Float64Array, maxLag: number): Float64Array {
  const n = d.length;
  const r = new Float64Array(maxLag + 1);
  for (let L = 0; L <= maxLag; L++) {
    let s = 0;
    for (let t = 0, u = L; u < n; t++, u++) s += (d[t] as number) * (d[u] as number);
    r[L] = s / (n - L);
  }
  return r;
}

function isPeak(r: Float64Array, L: number): boolean {
  const v = r[L] as number;
  return v > 0 && v >= (r[L - 1] ?? 0) && v >= (r[L + 1] ?? 0);
}

/** Local maximum within ±2 lags of `at` (rounded), or −1 if out of range or not a peak. */
function peakNear(r: Float64Array, at: number, min: number): number {
  const c = Math.round(at);
  let best = -1;
  for (let L = c - 2; L <= c + 2; L++) {
    if (L < min || L + 1 >= r.length) continue;
    if (best < 0 || (r[L] as number) > (r[best] as number)) best = L;
  }
  return best >= 0 && isPeak(r, best) ? best : -1;
}

/** Offset of the vertex of the parabola through r[L−1], r[L], r[L+1]. */
function parabola(r: Float64Array, L: number): number {
  const a = r[L - 1] ?? 0;
  const b = r[L] as number;
  const c = r[L + 1] ?? 0;
  const den = a - 2 * b + c;
  return den < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / den)) : 0;
}

/** Whole-array convenience. */
export function estimateBpm(
  samples: readonly Float32Array[],
  sampleRate: number,
  opts?: TempoOptions,
): number | null {
  const t = new TempoEstimator(sampleRate, opts);
  t.write(samples);
  return t.finish();
}
