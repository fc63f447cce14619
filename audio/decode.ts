/**
 * Decoding any audio file to 32-bit float PCM through ffmpeg (Bun.spawn).
 *
 * ffmpeg writes a WAV stream to stdout rather than raw f32le: its header tells us the channel
 * count and rate that format negotiation picked, so one process suffices (no ffprobe first).
 * The `aformat` filter keeps mono as mono, downmixes anything wider to stereo, and — unless a
 * rate is forced — keeps the native rate when it is a common one ≤ 48 kHz, otherwise resamples
 * to the closest one (96 kHz → 48 kHz): loudness needs nothing above that, and work stays bounded.
 *
 * Two shapes: `decodePcmStream` hands planar chunks to a sink as they arrive (memory stays flat
 * for hour-long mixes; the analysis worker uses it), `decodePcm` collects the whole track.
 */

export type DecodeFailure = "spawn" | "exit" | "timeout" | "format" | "aborted";

export class DecodeError extends Error {
  constructor(
    message: string,
    readonly reason: DecodeFailure,
    /** Tail of ffmpeg's stderr (at most ~8 KB), empty if none. */
    readonly stderr = "",
    readonly exitCode: number | null = null,
  ) {
    super(stderr ? `${message}: ${stderr.trim().split("\n").slice(-3).join(" | ")}` : message);
    this.name = "DecodeError";
  }

  /** Rebuilds an error that crossed a worker boundary (message already includes stderr). */
  static revive(
    message: string,
    reason: DecodeFailure,
    stderr: string,
    exitCode: number | null,
  ): DecodeError {
    const err = new DecodeError(message, reason, "", exitCode);
    (err as { stderr: string }).stderr = stderr;
    return err;
  }
}

export interface DecodeOptions {
  /** Binary to run; default "ffmpeg". */
  ffmpegPath?: string;
  /** Force this output rate. Default: native if a common rate ≤ 48 kHz, else the closest one. */
  sampleRate?: number;
  /** Kill ffmpeg and reject after this long; default 120 s. */
  timeoutMs?: number;
  /** Decode at most this many seconds (ffmpeg `-t`); default: no limit for streams. */
  maxSeconds?: number;
  /** Kills ffmpeg and rejects (reason "aborted"), e.g. when a job is canceled. */
  signal?: AbortSignal;
}

export interface PcmFormat {
  sampleRate: number;
  /** 1 or 2. */
  channels: number;
}

/** Receives planar chunks; the arrays are reused buffers, valid only during the call. */
export interface PcmSink {
  write(channels: readonly Float32Array[], frames: number): void;
}

export interface DecodedPcm extends PcmFormat {
  /** Planar: one Float32Array per channel, all the same length. */
  samples: Float32Array[];
  /** True when output stopped at `maxSeconds`. */
  truncated: boolean;
}

const COMMON_RATES = "8000|11025|12000|16000|22050|24000|32000|44100|48000";
const STDERR_KEEP = 8192;
/** `decodePcm` buffers the whole track: cap it at 30 minutes (≈ 690 MB stereo) by default. */
const COLLECT_MAX_SECONDS = 1800;

export function ffmpegArgs(path: string, opts: DecodeOptions): string[] {
  const rates = opts.sampleRate ? String(Math.round(opts.sampleRate)) : COMMON_RATES;
  const args = [opts.ffmpegPath ?? "ffmpeg", "-nostdin", "-hide_banner", "-v", "error"];
  // "file:" stops ffmpeg from reading a path as a protocol URL (http:, concat:, pipe: …).
  args.push("-i", `file:${path}`, "-map", "0:a:0", "-vn", "-sn", "-dn");
  if (opts.maxSeconds !== undefined) args.push("-t", String(opts.maxSeconds));
  args.push("-af", `aformat=sample_fmts=flt:channel_layouts=mono|stereo:sample_rates=${rates}`);
  args.push("-c:a", "pcm_f32le", "-fflags", "+bitexact", "-f", "wav", "-");
  return args;
}

/** Streams decoded PCM into the sink returned by `open`; resolves with the format and length. */
export async function decodePcmStream(
  path: string,
  opts: DecodeOptions,
  open: (format: PcmFormat) => PcmSink,
): Promise<PcmFormat & { frames: number; truncated: boolean }> {
  if (opts.signal?.aborted) throw new DecodeError("decode aborted", "aborted");
  let proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  try {
    proc = Bun.spawn(ffmpegArgs(path, opts), { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  } catch (err) {
    throw new DecodeError(`cannot run ffmpeg: ${(err as Error).message}`, "spawn");
  }
  // Drained concurrently so a chatty ffmpeg never blocks on a full stderr pipe.
  const stderr = drainTail(proc.stderr);
  let stopped: "timeout" | "aborted" | undefined;
  const stop = (why: "timeout" | "aborted") => {
    stopped ??= why;
    proc.kill("SIGKILL");
  };
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const timer = setTimeout(() => stop("timeout"), timeoutMs);
  const onAbort = () => stop("aborted");
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  const reader = new WavReader();
  let failure: unknown;
  try {
    for await (const chunk of proc.stdout) reader.push(chunk, open);
  } catch (err) {
    failure = err;
    proc.kill("SIGKILL");
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
  }
  const exitCode = await proc.exited; // also reaps the child, even after SIGKILL
  const tail = await stderr;
  if (stopped === "timeout") {
    throw new DecodeError(`ffmpeg timed out after ${timeoutMs} ms`, "timeout", tail);
  }
  if (stopped === "aborted") throw new DecodeError("decode aborted", "aborted", tail);
  // A sink error (an analysis bug) or a malformed header: not an ffmpeg exit problem.
  if (failure) throw failure;
  if (exitCode !== 0)
    throw new DecodeError(`ffmpeg exited with ${exitCode}`, "exit", tail, exitCode);
  const format = reader.format;
  if (!format) throw new DecodeError("ffmpeg produced no WAV header", "format", tail, exitCode);
  const truncated =
    opts.maxSeconds !== undefined &&
    reader.frames >= Math.floor(opts.maxSeconds * format.sampleRate);
  return { ...format, frames: reader.frames, truncated };
}

/** Decodes the whole file into memory (planar Float32Array per channel). */
export async function decodePcm(path: string, opts: DecodeOptions = {}): Promise<DecodedPcm> {
  const collector = new Collector();
  const maxSeconds = opts.maxSeconds ?? COLLECT_MAX_SECONDS;
  const info = await decodePcmStream(path, { ...opts, maxSeconds }, (f) => collector.start(f));
  return {
    sampleRate: info.sampleRate,
    channels: info.channels,
    samples: collector.result(),
    truncated: info.truncated,
  };
}

/** Keeps the last STDERR_KEEP bytes of a stream, reading it to the end. */
async function drainTail(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true });
    if (text.length > STDERR_KEEP * 2) text = text.slice(-STDERR_KEEP);
  }
  return text.slice(-STDERR_KEEP);
}

/**
 * Keeps copies of the chunks and concatenates once at the end: fresh memory is touched twice
 * (chunk copies + result), not ~4 times as with doubling and a final trim — page faults on
 * large fresh typed arrays dominate decode time on small VMs.
 */
class Collector implements PcmSink {
  private chunks: Float32Array[][] = [];
  private length = 0;
  private channels = 0;

  start(format: PcmFormat): PcmSink {
    this.channels = format.channels;
    return this;
  }

  write(channels: readonly Float32Array[], frames: number): void {
    this.chunks.push(channels.map((c) => c.slice(0, frames)));
    this.length += frames;
  }

  result(): Float32Array[] {
    return Array.from({ length: this.channels }, (_, c) => {
      const out = new Float32Array(this.length);
      let at = 0;
      for (const chunk of this.chunks) {
        const part = chunk[c] as Float32Array;
        out.set(part, at);
        at += part.length;
      }
      return out;
    });
  }
}

/**
 * Incremental parser for ffmpeg's piped WAV: RIFF header with unknown sizes (0xFFFFFFFF), a `fmt `
 * chunk (plain or WAVE_FORMAT_EXTENSIBLE float), maybe LIST, then `data` until EOF.
 * Bytes are staged in one reusable buffer so chunks split mid-sample are handled with one copy.
 */
class WavReader {
  format: PcmFormat | undefined;
  frames = 0;
  private sink: PcmSink | undefined;
  private stage = new Uint8Array(1 << 18);
  private staged = 0;
  private planar: Float32Array[] = [];

  push(chunk: Uint8Array, open: (f: PcmFormat) => PcmSink): void {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, this.stage.length - this.staged);
      this.stage.set(chunk.subarray(offset, offset + n), this.staged);
      this.staged += n;
      offset += n;
      if (!this.sink) {
        const header = this.parseHeader();
        if (!header) {
          if (this.staged === this.stage.length)
            throw new DecodeError("WAV header too large", "format");
          continue;
        }
        this.format = header.format;
        this.sink = open(header.format);
        this.consume(header.dataStart);
      }
      this.flushFrames();
    }
  }

  /** Returns the format and where samples start, or undefined if more bytes are needed. */
  private parseHeader(): { format: PcmFormat; dataStart: number } | undefined {
    const b = this.stage;
    const view = new DataView(b.buffer, 0, this.staged);
    if (this.staged < 12) return undefined;
    if (fourcc(b, 0) !== "RIFF" || fourcc(b, 8) !== "WAVE")
      throw new DecodeError("ffmpeg output is not WAV", "format");
    let pos = 12;
    let format: PcmFormat | undefined;
    while (pos + 8 <= this.staged) {
      const id = fourcc(b, pos);
      const size = view.getUint32(pos + 4, true);
      if (id === "data") {
        if (!format) throw new DecodeError("WAV data before fmt", "format");
        return { format, dataStart: pos + 8 };
      }
      if (pos + 8 + size > this.staged) return undefined;
      if (id === "fmt ") format = readFmt(view, pos + 8, size);
      pos += 8 + size + (size & 1);
    }
    return undefined;
  }

  private flushFrames(): void {
    const format = this.format as PcmFormat;
    const ch = format.channels;
    const frameBytes = ch * 4;
    const frames = Math.floor(this.staged / frameBytes);
    if (frames === 0) return;
    // stage.buffer starts at offset 0 and frames are 4-byte multiples: an aligned view, no copy.
    const f32 = new Float32Array(this.stage.buffer, 0, frames * ch);
    if (this.planar.length !== ch || (this.planar[0] as Float32Array).length < frames) {
      this.planar = Array.from({ length: ch }, () => new Float32Array(this.stage.length / 4));
    }
    for (let c = 0; c < ch; c++) {
      const out = this.planar[c] as Float32Array;
      for (let i = 0, j = c; i < frames; i++, j += ch) out[i] = f32[j] as number;
    }
    this.sink?.write(this.planar, frames);
    this.frames += frames;
    this.consume(frames * frameBytes);
  }

  private consume(bytes: number): void {
    this.stage.copyWithin(0, bytes, this.staged);
    this.staged -= bytes;
  }
}

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0);
}

function readFmt(view: DataView, at: number, size: number): PcmFormat {
  if (size < 16) throw new DecodeError("short WAV fmt chunk", "format");
  let tag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const bits = view.getUint16(at + 14, true);
  if (tag === 0xfffe && size >= 26) tag = view.getUint16(at + 24, true); // extensible sub-format
  if (tag !== 3 || bits !== 32 || channels < 1 || channels > 2 || sampleRate <= 0) {
    throw new DecodeError(`unexpected WAV format tag=${tag} bits=${bits} ch=${channels}`, "format");
  }
  return { sampleRate, channels };
}
