// Short audio templates (one per format and variant) and tiny cover images, encoded once with
// ffmpeg and cached in the OS temp dir, keyed by the ffmpeg version and the recipes below.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type FormatId =
  | "mp3"
  | "flac"
  | "ogg"
  | "opus"
  | "m4a"
  | "m4a-alac"
  | "wav"
  | "aiff"
  | "wma"
  | "wv";

export type Container = "mp3" | "flac" | "ogg" | "opus" | "mp4" | "wav" | "aiff" | "asf" | "wv";

export interface FormatSpec {
  id: FormatId;
  ext: string;
  container: Container;
  codec: string;
  lossless: boolean;
  /** Relative share in the default mix (mp3 and flac dominate, as in real libraries). */
  weight: number;
  /** ffmpeg encoders that can produce it, in order of preference. */
  encoders: string[];
  /** Output arguments after `-c:a <encoder>`. */
  args: string[];
  sampleRate: number;
}

export const FORMATS: readonly FormatSpec[] = [
  {
    id: "mp3",
    ext: "mp3",
    container: "mp3",
    codec: "MPEG 1 Layer 3",
    lossless: false,
    weight: 40,
    encoders: ["libmp3lame", "libshine"],
    args: ["-b:a", "32k", "-id3v2_version", "0", "-f", "mp3"],
    sampleRate: 22050,
  },
  {
    id: "flac",
    ext: "flac",
    container: "flac",
    codec: "FLAC",
    lossless: true,
    weight: 28,
    encoders: ["flac"],
    args: ["-sample_fmt", "s16", "-f", "flac"],
    sampleRate: 22050,
  },
  {
    id: "m4a",
    ext: "m4a",
    container: "mp4",
    codec: "AAC",
    lossless: false,
    weight: 9,
    encoders: ["aac"],
    args: ["-b:a", "32k", "-f", "ipod"],
    sampleRate: 22050,
  },
  {
    id: "ogg",
    ext: "ogg",
    container: "ogg",
    codec: "Vorbis",
    lossless: false,
    weight: 5,
    encoders: ["libvorbis"],
    args: ["-q:a", "0", "-f", "ogg"],
    sampleRate: 22050,
  },
  {
    id: "opus",
    ext: "opus",
    container: "opus",
    codec: "Opus",
    lossless: false,
    weight: 4,
    encoders: ["libopus"],
    args: ["-b:a", "16k", "-f", "opus"],
    sampleRate: 48000,
  },
  {
    id: "m4a-alac",
    ext: "m4a",
    container: "mp4",
    codec: "ALAC",
    lossless: true,
    weight: 3,
    encoders: ["alac"],
    args: ["-f", "ipod"],
    sampleRate: 22050,
  },
  {
    id: "wav",
    ext: "wav",
    container: "wav",
    codec: "PCM",
    lossless: true,
    weight: 3,
    encoders: ["pcm_s16le"],
    args: ["-f", "wav"],
    sampleRate: 22050,
  },
  {
    id: "aiff",
    ext: "aiff",
    container: "aiff",
    codec: "PCM",
    lossless: true,
    weight: 2,
    encoders: ["pcm_s16be"],
    args: ["-write_id3v2", "0", "-f", "aiff"],
    sampleRate: 22050,
  },
  {
    id: "wma",
    ext: "wma",
    container: "asf",
    codec: "Windows Media Audio 9",
    lossless: false,
    weight: 2,
    encoders: ["wmav2"],
    args: ["-b:a", "32k", "-f", "asf"],
    sampleRate: 22050,
  },
  {
    id: "wv",
    ext: "wv",
    container: "wv",
    codec: "WavPack",
    lossless: true,
    weight: 4,
    encoders: ["wavpack"],
    args: ["-f", "wv"],
    sampleRate: 22050,
  },
];

/** Template variants: different lengths, pitches and levels, so durations and loudness vary. */
export const VARIANTS = [
  { seconds: 1, freq: 330, volumeDb: -3 },
  { seconds: 1.5, freq: 440, volumeDb: -9 },
  { seconds: 2, freq: 550, volumeDb: -15 },
] as const;

// JPEGs under ~2 KB make ffmpeg's JPEG reader warn ("EOI missing"), so these sources are busy.
export const IMAGES = [
  { name: "testcard.jpg", mime: "image/jpeg", source: "testsrc2" },
  { name: "fractal.jpg", mime: "image/jpeg", source: "mandelbrot" },
  { name: "dawn.png", mime: "image/png", source: "gradients=seed=3" },
  { name: "dusk.png", mime: "image/png", source: "gradients=seed=11" },
] as const;
export const IMAGE_SIZE = 64;

const RECIPE_VERSION = 2;

export interface Image {
  name: string;
  mime: "image/jpeg" | "image/png";
  width: number;
  height: number;
  data: Uint8Array;
}

export interface TemplateSet {
  /** Formats this ffmpeg can encode. */
  formats: FormatSpec[];
  /** templates[formatId][variantIndex] = encoded bytes without tags. */
  templates: Map<FormatId, Uint8Array[]>;
  images: Image[];
  cacheDir: string;
  ffmpegVersion: string;
}

async function run(cmd: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** Run async jobs with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

interface Output {
  dest: string;
  /** lavfi source graph. */
  input: string;
  args: string[];
}

/** Encode several lavfi sources to several files in one ffmpeg process. */
async function encode(ffmpeg: string, outs: Output[]) {
  const tag = `${process.pid}.${Math.random().toString(36).slice(2)}.part`;
  const cmd = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y"];
  for (const o of outs) cmd.push("-f", "lavfi", "-i", o.input);
  outs.forEach((o, i) => {
    cmd.push("-map", `${i}`, ...o.args, `${o.dest}.${tag}`);
  });
  const res = await run(cmd);
  if (res.code !== 0) throw new Error(`ffmpeg failed for ${outs[0]?.dest}: ${res.stderr.trim()}`);
  for (const o of outs) renameSync(`${o.dest}.${tag}`, o.dest);
}

let cached: Promise<TemplateSet> | undefined;

/** Encode (or load from the cache) every template and image. Memoized per process. */
export function loadTemplates(ffmpeg = "ffmpeg"): Promise<TemplateSet> {
  cached ??= buildTemplates(ffmpeg);
  return cached;
}

async function buildTemplates(ffmpeg: string): Promise<TemplateSet> {
  const version = await run([ffmpeg, "-hide_banner", "-version"]);
  if (version.code !== 0) throw new Error(`cannot run ${ffmpeg}: ${version.stderr}`);
  const ffmpegVersion = version.stdout.split("\n")[0]?.trim() ?? "unknown";
  const encList = await run([ffmpeg, "-hide_banner", "-encoders"]);
  const encoders = new Set(
    encList.stdout
      .split("\n")
      .map((l) => l.trim().split(/\s+/)[1])
      .filter((x): x is string => !!x),
  );
  const formats: { spec: FormatSpec; encoder: string }[] = [];
  for (const spec of FORMATS) {
    const encoder = spec.encoders.find((e) => encoders.has(e));
    if (encoder) formats.push({ spec, encoder });
  }

  const key = createHash("sha256")
    .update(JSON.stringify([RECIPE_VERSION, ffmpegVersion, formats, VARIANTS, IMAGES]))
    .digest("hex")
    .slice(0, 16);
  const cacheDir = process.env.BANDSTAND_GENLIB_CACHE ?? join(tmpdir(), `bandstand-genlib-${key}`);
  mkdirSync(cacheDir, { recursive: true });

  // One ffmpeg process per format (its variants as several outputs) and one for the images.
  const jobs: Output[][] = [];
  for (const { spec, encoder } of formats) {
    jobs.push(
      VARIANTS.map((v, i) => ({
        dest: join(cacheDir, `${spec.id}-${i}.${spec.ext}`),
        input: `sine=frequency=${v.freq}:sample_rate=${spec.sampleRate}:duration=${v.seconds},volume=${v.volumeDb}dB`,
        args: [
          ...["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact"],
          ...["-ac", "1", "-ar", String(spec.sampleRate), "-c:a", encoder, ...spec.args],
        ],
      })),
    );
  }
  jobs.push(
    IMAGES.map((img) => ({
      dest: join(cacheDir, img.name),
      input: `${img.source}${img.source.includes("=") ? ":" : "="}s=${IMAGE_SIZE}x${IMAGE_SIZE}`,
      args: [
        ...["-frames:v", "1", "-fflags", "+bitexact", "-flags:v", "+bitexact"],
        ...(img.mime === "image/jpeg"
          ? ["-c:v", "mjpeg", "-pix_fmt", "yuvj420p", "-f", "mjpeg"]
          : ["-c:v", "png", "-update", "1", "-f", "image2"]),
      ],
    })),
  );
  const todo = jobs
    .map((outs) => outs.filter((o) => !existsSync(o.dest)))
    .filter((outs) => outs.length > 0);
  await pool(todo, 2, (outs) => encode(ffmpeg, outs));

  const templates = new Map<FormatId, Uint8Array[]>();
  for (const { spec } of formats) {
    templates.set(
      spec.id,
      VARIANTS.map(
        (_, i) => new Uint8Array(readFileSync(join(cacheDir, `${spec.id}-${i}.${spec.ext}`))),
      ),
    );
  }
  const images: Image[] = IMAGES.map((img) => ({
    name: img.name,
    mime: img.mime,
    width: IMAGE_SIZE,
    height: IMAGE_SIZE,
    data: new Uint8Array(readFileSync(join(cacheDir, img.name))),
  }));
  return { formats: formats.map((f) => f.spec), templates, images, cacheDir, ffmpegVersion };
}
