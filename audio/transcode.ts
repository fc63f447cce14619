/**
 * Transcoding tracks through ffmpeg for streaming, with a bounded on-disk cache.
 *
 * A first request streams ffmpeg's output as it is produced and tees it into a temp file in the
 * cache; the file is renamed into place only when ffmpeg exits cleanly, so a reader never sees a
 * partial transcode. A repeated request is then a plain file (Range, sendfile). The reader pulls:
 * a client that stops reading stops ffmpeg (pipe backpressure) rather than filling memory, and a
 * client that goes away kills ffmpeg and drops the temp file (a seek re-requests with an offset).
 * No HTTP here: the route maps `TranscodeBusy` to 429.
 */
import { mkdir, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import { join } from "node:path";

export type TranscodeFormat = "mp3" | "opus" | "aac";

/** Where finished transcodes live (the stream route writes, the clean-cache job trims). */
export const transcodeCacheDir = (dataDir: string) => join(dataDir, "transcode-cache");

interface FormatSpec {
  mime: string;
  ext: string;
  /** kbps when the client names the format but no bitrate. */
  defaultBitRate: number;
  args: (kbps: number) => string[];
}

export const FORMATS: Record<TranscodeFormat, FormatSpec> = {
  mp3: {
    mime: "audio/mpeg",
    ext: "mp3",
    defaultBitRate: 192,
    args: (k) => ["-c:a", "libmp3lame", "-b:a", `${k}k`, "-f", "mp3"],
  },
  opus: {
    mime: "audio/ogg",
    ext: "opus",
    defaultBitRate: 128,
    args: (k) => ["-c:a", "libopus", "-b:a", `${k}k`, "-f", "ogg"],
  },
  // ADTS rather than MP4: an MP4 muxer needs a seekable output to write its index.
  aac: {
    mime: "audio/aac",
    ext: "aac",
    defaultBitRate: 192,
    args: (k) => ["-c:a", "aac", "-b:a", `${k}k`, "-f", "adts"],
  },
};

export const isTranscodeFormat = (v: string): v is TranscodeFormat => Object.hasOwn(FORMATS, v);

export interface TranscodeJob {
  /** Absolute path of the source file (resolved by the caller inside its music folder). */
  source: string;
  trackId: number;
  /** Source size and mtime: part of the cache key, so a changed file is transcoded again. */
  size: number;
  mtimeMs: number;
  format: TranscodeFormat;
  /** kbps. */
  bitRate: number;
  /** Seconds to skip at the start (ffmpeg -ss before -i: a fast input seek). */
  offset: number;
  /** Seconds of output at most (HLS segments); undefined: to the end. */
  duration?: number;
  /** Kill ffmpeg after this long. */
  timeoutMs: number;
}

/** Every slot is taken; try again after `retryAfter` seconds. */
export class TranscodeBusy extends Error {
  constructor(readonly retryAfter: number) {
    super("Too many transcodes running");
    this.name = "TranscodeBusy";
  }
}

export class TranscodeError extends Error {
  constructor(
    message: string,
    readonly stderr = "",
  ) {
    super(stderr ? `${message}: ${stderr.trim().split("\n").slice(-3).join(" | ")}` : message);
    this.name = "TranscodeError";
  }
}

export type Transcoded =
  | { kind: "file"; path: string; mime: string }
  | { kind: "live"; mime: string; body: ReadableStream<Uint8Array> };

const STDERR_KEEP = 8192;

export function transcodeArgs(ffmpegPath: string, job: TranscodeJob): string[] {
  const args = [ffmpegPath, "-nostdin", "-hide_banner", "-v", "error"];
  if (job.offset > 0) args.push("-ss", String(job.offset));
  // "file:" stops ffmpeg from reading a path as a protocol URL (http:, concat:, pipe: …).
  args.push("-i", `file:${job.source}`);
  if (job.duration !== undefined) args.push("-t", String(job.duration));
  args.push("-map", "0:a:0", "-vn", "-sn", "-dn");
  args.push(...FORMATS[job.format].args(job.bitRate), "pipe:1");
  return args;
}

export function cacheKey(job: TranscodeJob): string {
  const parts = [
    job.trackId,
    job.size,
    Math.floor(job.mtimeMs),
    job.format,
    job.bitRate,
    job.offset,
    job.duration ?? "",
  ];
  return new Bun.CryptoHasher("sha256").update(parts.join("|")).digest("hex");
}

/** Keeps at most the last `keep` characters of a stream (ffmpeg's stderr), draining it fully. */
async function tail(stream: ReadableStream<Uint8Array>, keep: number): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    text = (text + decoder.decode(chunk, { stream: true })).slice(-keep);
  }
  return text;
}

export class Transcoder {
  private active = 0;

  constructor(
    private readonly opts: { cacheDir: string; ffmpegPath: string; maxConcurrent: number },
  ) {}

  get running(): number {
    return this.active;
  }

  pathFor(job: TranscodeJob): string {
    return join(this.opts.cacheDir, `${cacheKey(job)}.${FORMATS[job.format].ext}`);
  }

  /** A finished transcode from the cache; its mtime is touched so pruning is least-recently-used. */
  async cached(job: TranscodeJob): Promise<string | undefined> {
    const path = this.pathFor(job);
    const now = new Date();
    try {
      await utimes(path, now, now);
      return path;
    } catch {
      return undefined;
    }
  }

  /** The cached file, or a live transcode once ffmpeg has produced its first bytes. */
  async open(job: TranscodeJob): Promise<Transcoded> {
    const mime = FORMATS[job.format].mime;
    const hit = await this.cached(job);
    if (hit) return { kind: "file", path: hit, mime };
    if (this.active >= this.opts.maxConcurrent) throw new TranscodeBusy(5);
    this.active += 1;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        this.active -= 1;
      }
    };
    let proc: ReturnType<typeof spawnFfmpeg>;
    try {
      await mkdir(this.opts.cacheDir, { recursive: true });
      proc = spawnFfmpeg(transcodeArgs(this.opts.ffmpegPath, job));
    } catch (err) {
      release();
      throw new TranscodeError(`ffmpeg could not start: ${String(err)}`);
    }
    void proc.exited.finally(release);
    const timer = setTimeout(() => proc.kill("SIGKILL"), job.timeoutMs);
    void proc.exited.finally(() => clearTimeout(timer));
    // Drained from the start: a full stderr pipe would stall ffmpeg.
    const stderr = tail(proc.stderr, STDERR_KEEP).catch(() => "");

    const final = this.pathFor(job);
    const tmp = `${final}.${process.pid}.${crypto.randomUUID()}.tmp`;
    const file = Bun.file(tmp).writer();
    const reader = proc.stdout.getReader();
    let closed = false;
    const abandon = async () => {
      if (closed) return;
      closed = true;
      proc.kill("SIGKILL");
      await reader.cancel().catch(() => {});
      await Promise.resolve(file.end()).catch(() => {});
      await rm(tmp, { force: true });
    };

    // Wait for the first bytes so a file ffmpeg cannot read is an error, not an empty 200.
    const first = await reader.read().catch(() => ({ done: true as const, value: undefined }));
    if (first.done) {
      const code = await proc.exited;
      await abandon();
      throw new TranscodeError(`ffmpeg produced no output (exit ${code})`, await stderr);
    }
    file.write(first.value);

    const finish = async () => {
      closed = true;
      await file.end();
      const code = await proc.exited;
      if (code === 0) await rename(tmp, final);
      else {
        await rm(tmp, { force: true });
        throw new TranscodeError(`ffmpeg exited with ${code}`, await stderr);
      }
    };

    let pending: Uint8Array | undefined = first.value;
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          if (pending) {
            controller.enqueue(pending);
            pending = undefined;
            return;
          }
          try {
            const { done, value } = await reader.read();
            if (done) {
              await finish();
              controller.close();
              return;
            }
            file.write(value);
            controller.enqueue(value);
          } catch (err) {
            await abandon();
            controller.error(err);
          }
        },
        cancel: abandon,
      },
      // Pull only when the client reads: backpressure reaches ffmpeg through its pipe.
      { highWaterMark: 0 },
    );
    return { kind: "live", mime, body };
  }
}

function spawnFfmpeg(cmd: string[]) {
  return Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
}

/**
 * Trims the cache to `maxBytes`, deleting the least recently used files first (a cache hit
 * touches its file's mtime), and temp files a crash left behind.
 */
export async function pruneTranscodeCache(
  dir: string,
  maxBytes: number,
  now = Date.now(),
): Promise<{ deleted: number; bytes: number }> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const files: { path: string; size: number; mtimeMs: number }[] = [];
  let deleted = 0;
  for (const name of names) {
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) continue;
    if (name.endsWith(".tmp")) {
      // A live transcode may still be writing it: only remove ones idle for a day.
      if (now - st.mtimeMs > 24 * 3600 * 1000) {
        await rm(path, { force: true });
        deleted += 1;
      }
      continue;
    }
    files.push({ path, size: st.size, mtimeMs: st.mtimeMs });
  }
  files.sort((a, b) => b.mtimeMs - a.mtimeMs);
  let bytes = 0;
  let full = false;
  for (const f of files) {
    // Strictly by recency: once one file does not fit, every older one goes too.
    if (!full && bytes + f.size <= maxBytes) {
      bytes += f.size;
      continue;
    }
    full = true;
    await rm(f.path, { force: true });
    deleted += 1;
  }
  return { deleted, bytes };
}
