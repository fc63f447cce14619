/**
 * Waveform overview: `pairs` (min, max) pairs over the whole track, quantised to Int8.
 *
 * Streaming without knowing the length up front: samples are reduced into fine buckets of
 * `group` frames; when the buckets fill their capacity (8 × pairs) neighbours merge and
 * `group` doubles. At the end the ≥ 4 × pairs buckets are folded into `pairs` bins, so bin
 * edges are off by at most a quarter bin — invisible in a waveform.
 *
 * Layout: Int8Array [min0, max0, min1, max1, …], value = round(sample × 127) clamped to
 * −128..127, min and max taken over all channels. Store it as bytes with
 * `new Uint8Array(peaks.buffer)`; read back with `new Int8Array(bytes.buffer, bytes.byteOffset)`.
 */
export class PeaksBuilder {
  private mins: Float32Array;
  private maxs: Float32Array;
  private count = 0;
  private group = 1;
  private inGroup = 0;
  private curMin = Number.POSITIVE_INFINITY;
  private curMax = Number.NEGATIVE_INFINITY;

  constructor(readonly pairs = 1000) {
    if (!Number.isInteger(pairs) || pairs < 1)
      throw new RangeError("pairs must be a positive integer");
    const capacity = pairs * 8;
    this.mins = new Float32Array(capacity);
    this.maxs = new Float32Array(capacity);
  }

  write(channels: readonly Float32Array[], frames = channels[0]?.length ?? 0): void {
    let start = 0;
    while (start < frames) {
      const end = Math.min(frames, start + this.group - this.inGroup);
      let lo = this.curMin;
      let hi = this.curMax;
      for (const ch of channels) {
        for (let i = start; i < end; i++) {
          const v = ch[i] as number;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      this.curMin = lo;
      this.curMax = hi;
      this.inGroup += end - start;
      start = end;
      if (this.inGroup === this.group) this.closeGroup();
    }
  }

  private closeGroup(): void {
    if (this.count === this.mins.length) this.halve();
    this.mins[this.count] = this.curMin;
    this.maxs[this.count] = this.curMax;
    this.count++;
    this.inGroup = 0;
    this.curMin = Number.POSITIVE_INFINITY;
    this.curMax = Number.NEGATIVE_INFINITY;
  }

  /** Merges neighbouring buckets in place; the group size doubles. */
  private halve(): void {
    const half = this.count >> 1;
    for (let i = 0; i < half; i++) {
      this.mins[i] = Math.min(this.mins[2 * i] as number, this.mins[2 * i + 1] as number);
      this.maxs[i] = Math.max(this.maxs[2 * i] as number, this.maxs[2 * i + 1] as number);
    }
    this.count = half;
    this.group *= 2;
  }

  finish(): Int8Array {
    if (this.inGroup > 0) {
      // A partial last group stands as its own bucket (a short tail, not worth weighting).
      if (this.count === this.mins.length) this.halve();
      this.mins[this.count] = this.curMin;
      this.maxs[this.count] = this.curMax;
      this.count++;
      this.inGroup = 0;
    }
    const out = new Int8Array(this.pairs * 2);
    const n = this.count;
    if (n === 0) return out;
    for (let b = 0; b < this.pairs; b++) {
      const from = Math.floor((b * n) / this.pairs);
      const to = Math.max(from + 1, Math.floor(((b + 1) * n) / this.pairs));
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let i = from; i < to; i++) {
        lo = Math.min(lo, this.mins[i] as number);
        hi = Math.max(hi, this.maxs[i] as number);
      }
      out[2 * b] = quantize(lo);
      out[2 * b + 1] = quantize(hi);
    }
    return out;
  }
}

function quantize(v: number): number {
  return Math.max(-128, Math.min(127, Math.round(v * 127)));
}

/** Whole-array convenience. */
export function computePeaks(samples: readonly Float32Array[], pairs = 1000): Int8Array {
  const builder = new PeaksBuilder(pairs);
  builder.write(samples);
  return builder.finish();
}
