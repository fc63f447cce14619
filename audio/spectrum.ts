/**
 * Spectrum frames for the party-screen visualizer: `bands` log-spaced bands per frame at `fps`.
 *
 * Mono mix, Hann-windowed 1024-point FFT (≈ 21 ms at 48 kHz) at each frame time; a band's value
 * is the strongest FFT bin inside it (bands narrower than a bin take the nearest bin), in dB
 * relative to a full-scale sine, mapped −80..0 dB → 0..255. Output: Uint8Array, frame-major
 * (frame k at offset k·bands); frame k summarises the window ending at (k + 1) / fps seconds.
 * Cost is opt-in: about 4800 FFTs for a 4-minute track at 20 fps.
 */
export interface SpectrumOptions {
  bands?: number;
  fps?: number;
  minHz?: number;
  maxHz?: number;
}

export interface Spectrum {
  bands: number;
  fps: number;
  frames: number;
  /** frames × bands bytes, 0 = −80 dB or below, 255 = 0 dB (full-scale sine). */
  data: Uint8Array;
}

const FFT_SIZE = 1024;
const FLOOR_DB = -80;

export class SpectrumBuilder {
  readonly bands: number;
  readonly fps: number;
  private readonly ring = new Float64Array(FFT_SIZE);
  private ringPos = 0;
  private seen = 0;
  private nextFrameAt: number;
  private frames = 0;
  private out: Uint8Array;
  private readonly window = new Float64Array(FFT_SIZE);
  private readonly re = new Float64Array(FFT_SIZE);
  private readonly im = new Float64Array(FFT_SIZE);
  private readonly fft = new Fft(FFT_SIZE);
  /** Band b covers bins [edges[b], edges[b+1]). */
  private readonly edges: Int32Array;
  private readonly norm: number;

  constructor(
    readonly sampleRate: number,
    opts: SpectrumOptions = {},
  ) {
    this.bands = opts.bands ?? 32;
    this.fps = opts.fps ?? 20;
    if (this.bands < 1 || this.fps <= 0) throw new RangeError("bands and fps must be positive");
    this.nextFrameAt = sampleRate / this.fps;
    this.out = new Uint8Array(this.bands * 256);
    let wsum = 0;
    for (let i = 0; i < FFT_SIZE; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / FFT_SIZE);
      this.window[i] = w;
      wsum += w;
    }
    this.norm = (2 / wsum) ** 2; // full-scale sine → power 1 → 0 dB
    const lo = opts.minHz ?? 40;
    const hi = Math.min(opts.maxHz ?? 16000, sampleRate * 0.475);
    const binHz = sampleRate / FFT_SIZE;
    this.edges = new Int32Array(this.bands + 1);
    for (let b = 0; b <= this.bands; b++) {
      const hz = lo * (hi / lo) ** (b / this.bands);
      this.edges[b] = Math.min(FFT_SIZE / 2, Math.round(hz / binHz));
    }
  }

  write(channels: readonly Float32Array[], frames = channels[0]?.length ?? 0): void {
    const left = channels[0] as Float32Array;
    const right = (channels[1] ?? left) as Float32Array;
    for (let i = 0; i < frames; i++) {
      this.ring[this.ringPos] = 0.5 * ((left[i] as number) + (right[i] as number));
      this.ringPos = (this.ringPos + 1) & (FFT_SIZE - 1);
      if (++this.seen >= this.nextFrameAt) {
        this.frame();
        this.nextFrameAt = ((this.frames + 1) * this.sampleRate) / this.fps;
      }
    }
  }

  private frame(): void {
    const { re, im, ring, window } = this;
    for (let i = 0; i < FFT_SIZE; i++) {
      re[i] = (ring[(this.ringPos + i) & (FFT_SIZE - 1)] as number) * (window[i] as number);
      im[i] = 0;
    }
    this.fft.transform(re, im);
    if ((this.frames + 1) * this.bands > this.out.length) {
      const grown = new Uint8Array(this.out.length * 2);
      grown.set(this.out);
      this.out = grown;
    }
    const base = this.frames * this.bands;
    for (let b = 0; b < this.bands; b++) {
      const from = this.edges[b] as number;
      const to = Math.max(from + 1, this.edges[b + 1] as number);
      let power = 0;
      for (let k = from; k < to && k <= FFT_SIZE / 2; k++) {
        const p = (re[k] as number) ** 2 + (im[k] as number) ** 2;
        if (p > power) power = p;
      }
      const db = power > 0 ? 10 * Math.log10(power * this.norm) : FLOOR_DB;
      this.out[base + b] = Math.round(Math.max(0, Math.min(1, (db - FLOOR_DB) / -FLOOR_DB)) * 255);
    }
    this.frames++;
  }

  finish(): Spectrum {
    return {
      bands: this.bands,
      fps: this.fps,
      frames: this.frames,
      data: this.out.slice(0, this.frames * this.bands),
    };
  }
}

/** In-place iterative radix-2 complex FFT with precomputed twiddles and bit reversal. */
class Fft {
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(readonly n: number) {
    this.cos = new Float64Array(n / 2);
    this.sin = new Float64Array(n / 2);
    for (let i = 0; i < n / 2; i++) {
      this.cos[i] = Math.cos((2 * Math.PI * i) / n);
      this.sin[i] = -Math.sin((2 * Math.PI * i) / n);
    }
    this.rev = new Uint32Array(n);
    const bits = Math.log2(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
  }

  transform(re: Float64Array, im: Float64Array): void {
    const n = this.n;
    for (let i = 0; i < n; i++) {
      const j = this.rev[i] as number;
      if (j > i) {
        const tr = re[i] as number;
        re[i] = re[j] as number;
        re[j] = tr;
        const ti = im[i] as number;
        im[i] = im[j] as number;
        im[j] = ti;
      }
    }
    for (let size = 2; size <= n; size <<= 1) {
      const half = size >> 1;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < half; k++) {
          const wr = this.cos[k * step] as number;
          const wi = this.sin[k * step] as number;
          const a = start + k;
          const b = a + half;
          const xr = (re[b] as number) * wr - (im[b] as number) * wi;
          const xi = (re[b] as number) * wi + (im[b] as number) * wr;
          re[b] = (re[a] as number) - xr;
          im[b] = (im[a] as number) - xi;
          re[a] = (re[a] as number) + xr;
          im[a] = (im[a] as number) + xi;
        }
      }
    }
  }
}

/** Whole-array convenience. */
export function computeSpectrum(
  samples: readonly Float32Array[],
  sampleRate: number,
  opts?: SpectrumOptions,
): Spectrum {
  const s = new SpectrumBuilder(sampleRate, opts);
  s.write(samples);
  return s.finish();
}
