/**
 * The tag reader: one audio file → `TrackTags`. Domain code only (no HTTP, no database).
 *
 * Built on music-metadata, with:
 * - a fast path for MP3, FLAC and Ogg Vorbis/Opus (`fast-tags/`): a strict synchronous port of
 *   the music-metadata code these formats go through, giving the same result at a fraction of the
 *   cost; whatever it does not cover exactly (odd, malformed or rare input) is parsed by
 *   music-metadata itself;
 * - a block-cached synchronous tokenizer (`file-tokenizer.ts`): ~5× faster than `parseFile`;
 * - content sniffing before parsing: the parser is chosen by content, not by extension, and
 *   non-audio files are rejected before a parser scans them;
 * - `duration: false` (header-only) parsing; a missing duration is filled from the Ogg last page
 *   (read directly), or by a frame scan for MPEG streams without a Xing/VBRI header. Audio is never
 *   decoded;
 * - a fallback over the native tags (normalised keys) for what music-metadata does not map
 *   (e.g. ffmpeg's APE `album_artist`, WMA `date`, `TXXX:MUSICBRAINZ_*` in ID3, R128 gains);
 * - a deadline checked on every read, so a parser stuck on hostile input is stopped.
 *
 * Tag values are returned as written (no HTML escaping — the web layer escapes), with NUL
 * characters removed, trimmed, and capped (10,000 characters; lyrics 100,000).
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readSync } from "node:fs";
import {
  type IAudioMetadata,
  type ICommonTagsResult,
  type ILyricsTag,
  type IPicture,
  parseFromTokenizer,
  selectCover,
  TimestampFormat,
} from "music-metadata";
import { DEFAULT_ARTIST_SEPARATORS, splitArtists } from "./artists.ts";
import { Decline, type FastFormat, fastMetadata } from "./fast-tags/index.ts";
import { CachedFileTokenizer, ClosedTokenizerError } from "./file-tokenizer.ts";
import {
  AUDIO_EXTENSIONS,
  type AudioFormat,
  classifyUnknown,
  FORMATS,
  findMpegSync,
  formatForExtension,
  id3v2Size,
  sniffAudio,
  sniffFormatOf,
} from "./formats.ts";
import {
  decodeText,
  looksLikeLrc,
  MAX_LYRICS_LENGTH,
  parseLrc,
  type SyncedLine,
  syncedToPlain,
} from "./lyrics.ts";

export { AUDIO_EXTENSIONS, DEFAULT_ARTIST_SEPARATORS, sniffAudio, splitArtists };

export interface TrackTags {
  title?: string;
  sortTitle?: string;
  /** track artists, split, display order */
  artists: string[];
  albumArtists: string[];
  composers: string[];
  performers: string[];
  conductors: string[];
  lyricists: string[];
  album?: string;
  sortAlbum?: string;
  sortArtist?: string;
  sortAlbumArtist?: string;
  compilation: boolean;
  trackNumber?: number;
  trackTotal?: number;
  discNumber?: number;
  discTotal?: number;
  discSubtitle?: string;
  /** "YYYY", "YYYY-MM" or "YYYY-MM-DD" */
  date?: string;
  year?: number;
  originalDate?: string;
  originalYear?: number;
  /** split on `genreSeparators` (default ";"), de-duplicated case-insensitively */
  genres: string[];
  /** MusicBrainz release types, lower case, e.g. ["album"], ["album", "compilation"] */
  releaseTypes: string[];
  /** lower-case UUIDs; `track` is the release track id, `recording` the recording id */
  mbid: {
    track?: string;
    recording?: string;
    album?: string;
    releaseGroup?: string;
    artists: string[];
    albumArtists: string[];
  };
  isrc?: string;
  bpm?: number;
  comment?: string;
  /** plain (unsynced) lyrics; when only synced lyrics exist, their lines without timestamps */
  lyrics?: string;
  /** sidecar .lrc (preferred), else ID3 SYLT, else an embedded lyrics tag in LRC format */
  syncedLyrics?: { timeMs: number; text: string }[];
  /** gains in dB, peaks linear (1.0 = full scale) */
  replayGain: { trackGain?: number; trackPeak?: number; albumGain?: number; albumPeak?: number };
  durationMs: number;
  /** kbit/s, rounded (as Subsonic's bitRate) */
  bitRate?: number;
  sampleRate?: number;
  /** lossless formats only (lossy formats have no meaningful bit depth) */
  bitDepth?: number;
  channels?: number;
  codec?: string;
  /** lower-case extension without dot; the content's canonical suffix when the extension lies */
  suffix: string;
  contentType: string;
  picture?: { data: Uint8Array; mime: string };
}

export type TagErrorReason = "not_audio" | "empty" | "corrupt" | "unsupported" | "unreadable";

export class TagError extends Error {
  constructor(
    readonly reason: TagErrorReason,
    message: string,
  ) {
    super(message);
    this.name = "TagError";
  }
}

export interface ReadOptions {
  /** return the front cover (or first picture); default false (covers are skipped, faster) */
  includePicture?: boolean;
  /** artist separators, see artists.ts; default DEFAULT_ARTIST_SEPARATORS */
  separators?: string[];
  /** read `<basename>.lrc` next to the file; default true */
  sidecarLyrics?: boolean;
  /** genre separators; default [";"] ("/" is not one: "Duo Cello/Piano", "Drum/Bass" stay) */
  genreSeparators?: string[];
  /** give up on one file after this long (reason "corrupt"); default 10,000 ms */
  timeoutMs?: number;
  /**
   * The parser: "auto" (default) takes the fast path for MP3, FLAC, Ogg Vorbis and Opus, and
   * music-metadata for the rest and for what the fast path declines; "music-metadata" always uses music-metadata; "fast"
   * throws `FastPathDeclined` where "auto" would fall back (tests and benchmarks).
   */
  engine?: "auto" | "music-metadata" | "fast";
}

/** With `engine: "fast"`: the fast path does not cover this file (the reason is the message). */
export class FastPathDeclined extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FastPathDeclined";
  }
}

export const DEFAULT_GENRE_SEPARATORS = [";"];

const MAX_TEXT = 10_000;
const MAX_SIDECAR_BYTES = 1 << 20;
/** Allocation cap for a single token read by the parser (hostile length fields). */
const MAX_BUFFER = 256 << 20;
const HEAD_SIZE = 16 * 1024;
const VARIOUS_ARTISTS_MBID = "89ad4ac3-39f7-470e-963a-56509c546377";
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

// --- entry point ---------------------------------------------------------------------------------

export async function readTags(absPath: string, options: ReadOptions = {}): Promise<TrackTags> {
  const ext = extensionOf(absPath);
  let tok: CachedFileTokenizer;
  try {
    tok = CachedFileTokenizer.open(absPath, MAX_BUFFER);
  } catch (error) {
    throw new TagError("unreadable", describe(error));
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    tok.deadline = performance.now() + timeoutMs;
    const work = readOpen(tok, absPath, ext, options);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => {
          tok.closeNow();
          reject(new TagError("corrupt", `parsing timed out after ${timeoutMs} ms`));
        },
        Math.max(1, timeoutMs),
      );
    });
    return await Promise.race([work, timeout]);
  } catch (error) {
    if (error instanceof FastPathDeclined) throw error;
    throw toTagError(error);
  } finally {
    if (timer) clearTimeout(timer);
    tok.closeNow();
  }
}

async function readOpen(
  tok: CachedFileTokenizer,
  absPath: string,
  ext: string,
  options: ReadOptions,
): Promise<TrackTags> {
  const size = tok.fileInfo.size;
  if (size === 0) throw new TagError("empty", "empty file");
  const headLength = Math.min(size, HEAD_SIZE);
  let head = tok.view(0, headLength); // valid while tok is open, i.e. for this whole read
  if (!head) {
    head = new Uint8Array(headLength);
    tok.readAt(head, 0, head.length);
  }

  const byExt = formatForExtension(ext);
  let format = sniffFormatOf(head);
  if (format === FORMATS.mp3 && head.length < size) {
    // An ID3v2 tag larger than the head: look at what follows it (FLAC/AAC can be ID3-prefixed).
    const tagEnd = id3v2Size(head);
    if (tagEnd > head.length - 16 && tagEnd < size) {
      const after = new Uint8Array(Math.min(4096, size - tagEnd));
      tok.readAt(after, tagEnd, after.length);
      const inner = sniffFormatOf(after);
      if (inner && inner !== FORMATS.mp3) format = inner;
    }
  }
  let sniffed = true;
  if (!format) {
    const kind = classifyUnknown(head);
    if (kind === "not_audio")
      throw new TagError("not_audio", "not an audio file (content is not audio)");
    if (kind === "unsupported") throw new TagError("unsupported", "audio format not supported");
    if (!byExt)
      throw new TagError("not_audio", "unrecognised content and not an audio file extension");
    if (byExt === FORMATS.mp3 && findMpegSync(head) < 0) {
      throw new TagError(
        "corrupt",
        "no MPEG audio frames found in the first bytes (garbage or truncated)",
      );
    }
    format = byExt;
    sniffed = false;
  }
  const suffix = byExt && format.aliases.includes(ext) ? ext : format.suffix;

  const includePicture = options.includePicture === true;
  let meta = fastPath(tok, sniffed ? format : undefined, includePicture, options.engine ?? "auto");
  if (!meta) {
    tok.fileInfo.mimeType = format.parserMime;
    meta = await parseFromTokenizer(tok, { duration: false, skipCovers: !includePicture });
    if (format === FORMATS.flac && tok.shortReads > 0) {
      // The FLAC parser stops at the last metadata block; reaching EOF before it means truncation.
      throw new TagError("corrupt", "truncated FLAC: the file ends inside its metadata blocks");
    }
  }
  let duration = meta.format.duration;
  if (meta.format.hasAudio === false && meta.format.hasVideo) {
    throw new TagError("not_audio", "no audio stream (video only)");
  }
  if (!isPositive(duration) && meta.format.container === "Ogg") {
    duration = oggDuration(tok, head);
  }
  if (!isPositive(duration) && (format === FORMATS.mp3 || format === FORMATS.aac)) {
    // VBR MPEG without a Xing/VBRI header: count frames (header reads only, no decoding).
    tok.setPosition(0);
    meta = await parseFromTokenizer(tok, { duration: true, skipCovers: !includePicture });
    duration = meta.format.duration;
  }
  if (!meta.format.sampleRate && !isPositive(duration)) {
    throw new TagError(
      "corrupt",
      sniffed
        ? "no audio stream found (truncated or corrupt)"
        : "no audio found (unrecognised content)",
    );
  }
  const tags = buildTags(meta, options, format, suffix, size, duration ?? 0, head);
  if (options.sidecarLyrics !== false) applySidecarLyrics(tags, absPath);
  return tags;
}

const FAST_FORMATS = new Map<AudioFormat, FastFormat>([
  [FORMATS.mp3, "mp3"],
  [FORMATS.flac, "flac"],
  [FORMATS.ogg, "ogg"],
  [FORMATS.opus, "ogg"],
]);

/** The fast path's metadata, or undefined for music-metadata to parse the file. */
function fastPath(
  tok: CachedFileTokenizer,
  format: AudioFormat | undefined,
  includePicture: boolean,
  engine: NonNullable<ReadOptions["engine"]>,
): IAudioMetadata | undefined {
  if (engine === "music-metadata") return undefined;
  const kind = format && FAST_FORMATS.get(format);
  if (!kind) {
    if (engine === "fast") throw new FastPathDeclined("format not covered by the fast path");
    return undefined;
  }
  try {
    return fastMetadata(tok, kind, includePicture);
  } catch (error) {
    // A timeout stops the read; anything else (a decline, or a bug in the port) falls back.
    if (error instanceof ClosedTokenizerError) throw error;
    if (engine === "fast") {
      throw new FastPathDeclined(error instanceof Decline ? error.message : `failed: ${error}`);
    }
    return undefined;
  }
}

// --- errors --------------------------------------------------------------------------------------

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

function toTagError(error: unknown): TagError {
  if (error instanceof TagError) return error;
  if (error instanceof ClosedTokenizerError) return new TagError("corrupt", error.message);
  const name = error instanceof Error ? error.name : "";
  const message = describe(error);
  if (name === "CouldNotDetermineFileTypeError") return new TagError("not_audio", message);
  if (name === "UnsupportedFileTypeError") return new TagError("unsupported", message);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EIO" || code === "EACCES" || code === "ENOENT" || code === "EPERM") {
    return new TagError("unreadable", message);
  }
  return new TagError("corrupt", name && name !== "Error" ? `${name}: ${message}` : message);
}

// --- value helpers -------------------------------------------------------------------------------

function extensionOf(path: string): string {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  return dot > slash + 1 ? path.slice(dot + 1).toLowerCase() : "";
}

function isPositive(n: number | undefined): n is number {
  return typeof n === "number" && Number.isFinite(n) && n > 0;
}

/** NUL removed, trimmed, capped; undefined when empty. */
function clean(value: unknown, max = MAX_TEXT): string | undefined {
  let s: string;
  if (typeof value === "string") s = value;
  else if (typeof value === "number" && Number.isFinite(value)) s = String(value);
  else return undefined;
  if (s.includes("\u0000")) s = s.replaceAll("\u0000", "");
  s = s.trim();
  if (!s) return undefined;
  return s.length > max ? s.slice(0, max).trimEnd() : s;
}

/** Strings of a native tag value: string, number, string[], {text}, {text: string[]}. */
function textsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (typeof value === "number" && Number.isFinite(value)) out.push(String(value));
  else if (Array.isArray(value)) for (const v of value) textsOf(v, out);
  else if (value && typeof value === "object" && "text" in value)
    textsOf((value as { text: unknown }).text, out);
  return out;
}

/** Cleaned strings of a value or list (nested arrays and {text} objects flattened). */
function cleanList(values: unknown): string[] {
  const out: string[] = [];
  for (const v of textsOf(values)) {
    const s = clean(v);
    if (s) out.push(s);
  }
  return out;
}

function uniqueCI(values: string[]): string[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = v.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function splitOn(values: string[], separators: string[]): string[] {
  let parts = values;
  for (const sep of separators) {
    if (!sep) continue;
    parts = parts.flatMap((p) => p.split(sep));
  }
  return uniqueCI(cleanList(parts));
}

function intIn(value: unknown, min: number, max: number): number | undefined {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string"
        ? Number.parseInt(value.trim(), 10)
        : Number.NaN;
  return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}

/** "3", "3/12", " 03 / 12 " → [3, 12] */
function parsePosition(value: unknown): [number | undefined, number | undefined] {
  const s = clean(value);
  if (!s) return [undefined, undefined];
  const m = /^(\d{1,6})?\s*(?:\/\s*(\d{1,6}))?/.exec(s);
  return [intIn(m?.[1], 0, 999_999), intIn(m?.[2], 1, 999_999)];
}

/**
 * Date normalisation: "2019", "2019-05", "2019-05-03", "2019-05-03T10:00:00", "2019/05/03",
 * "2019.05.03", "20190503" → "YYYY[-MM[-DD]]"; otherwise the first plausible year in the text
 * ("(p) 2019 Label", "03.05.2019"). Invalid month/day parts are dropped.
 */
export function normalizeDate(value: unknown): string | undefined {
  const s = clean(value, 64);
  if (!s) return undefined;
  let m =
    /^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:$|[T\s])/.exec(s) ??
    /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m) {
    const eu = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/.exec(s);
    if (eu) m = [s, eu[3] ?? "", eu[2] ?? "", eu[1] ?? ""] as unknown as RegExpExecArray;
  }
  if (m) {
    const year = Number(m[1]);
    if (year < 1 || year > 9999) return undefined;
    const y = String(year).padStart(4, "0");
    const month = m[2] ? Number(m[2]) : 0;
    if (month < 1 || month > 12) return y;
    const mm = String(month).padStart(2, "0");
    const day = m[3] ? Number(m[3]) : 0;
    if (day < 1 || day > daysIn(year, month)) return `${y}-${mm}`;
    return `${y}-${mm}-${String(day).padStart(2, "0")}`;
  }
  const y = /(?:^|\D)(1[0-9]{3}|2[0-9]{3})(?:\D|$)/.exec(s);
  return y?.[1];
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function yearOf(date: string | undefined): number | undefined {
  return date ? Number(date.slice(0, 4)) : undefined;
}

/** "-6.20 dB", "+1.5", "-6,2 dB" → number */
function parseGain(value: unknown): number | undefined {
  if (typeof value === "number")
    return Number.isFinite(value) && Math.abs(value) < 100 ? value : undefined;
  const s = clean(value, 64);
  if (!s) return undefined;
  const m = /^([+-]?\d+(?:[.,]\d+)?)/.exec(s);
  if (!m?.[1]) return undefined;
  const n = Number(m[1].replace(",", "."));
  return Number.isFinite(n) && Math.abs(n) < 100 ? n : undefined;
}

function parsePeak(value: unknown): number | undefined {
  const n = parseGain(value);
  return n !== undefined && n >= 0 && n < 100 ? n : undefined;
}

function uuids(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) for (const m of v.matchAll(UUID)) out.push(m[0].toLowerCase());
  return [...new Set(out)];
}

function imageMime(data: Uint8Array, declared: string | undefined): string | undefined {
  const b = data;
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "image/png";
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return "image/gif";
  if (
    b[0] === 0x52 &&
    b[1] === 0x49 &&
    b[2] === 0x46 &&
    b[3] === 0x46 &&
    b[8] === 0x57 &&
    b[9] === 0x45
  ) {
    return "image/webp";
  }
  if (b[0] === 0x42 && b[1] === 0x4d) return "image/bmp";
  const d = declared?.toLowerCase().trim();
  if (d === "jpg" || d === "image/jpg") return "image/jpeg";
  if (d === "png") return "image/png";
  return d?.startsWith("image/") ? d : undefined;
}

// --- native tag index (fallbacks) ----------------------------------------------------------------

/** "TXXX:MusicBrainz Album Id" → "musicbrainzalbumid"; "----:com.apple.iTunes:ARTISTS" → "artists". */
const nativeKeys = new Map<string, string>();

function nativeKey(id: string): string {
  let k = nativeKeys.get(id);
  if (k === undefined) {
    k = toNativeKey(id);
    if (nativeKeys.size >= 4096) nativeKeys.clear(); // ids repeat: a small memo does
    nativeKeys.set(id, k);
  }
  return k;
}

function toNativeKey(id: string): string {
  let k = id.toLowerCase();
  if (k.startsWith("txxx:")) k = k.slice(5);
  else if (k.startsWith("----:")) k = k.slice(k.lastIndexOf(":") + 1);
  else if (k.startsWith("wm/")) k = k.slice(3);
  else k = k.replace(/^(?:track|segment|album|edition|chapter|collection|part|subtrack):/, ""); // Matroska targets
  return k.replace(/[^a-z0-9]/g, "");
}

class NativeIndex {
  private map?: Map<string, unknown[]>;
  constructor(private readonly meta: IAudioMetadata) {}

  private build(): Map<string, unknown[]> {
    const map = new Map<string, unknown[]>();
    for (const tags of Object.values(this.meta.native)) {
      for (const tag of tags) {
        const key = nativeKey(tag.id);
        let list = map.get(key);
        if (!list) {
          list = [];
          map.set(key, list);
        }
        list.push(tag.value);
      }
    }
    return map;
  }

  raw(...keys: string[]): unknown[] {
    this.map ??= this.build();
    const out: unknown[] = [];
    for (const k of keys) {
      const v = this.map.get(k);
      if (v) out.push(...v);
    }
    return out;
  }

  texts(...keys: string[]): string[] {
    return cleanList(textsOf(this.raw(...keys)));
  }

  first(...keys: string[]): string | undefined {
    for (const k of keys) {
      const t = this.texts(k);
      if (t[0]) return t[0];
    }
    return undefined;
  }
}

// --- building TrackTags --------------------------------------------------------------------------

/** WAVE_FORMAT_EXTENSIBLE: the real codec is the sub-format GUID's first two bytes. */
function wavExtensibleCodec(head: Uint8Array): string | undefined {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  for (let o = 12; o + 8 <= head.length; ) {
    const size = view.getUint32(o + 4, true);
    if (head[o] === 0x66 && head[o + 1] === 0x6d && head[o + 2] === 0x74 && head[o + 3] === 0x20) {
      if (size < 40 || o + 8 + 26 > head.length) return undefined;
      const sub = view.getUint16(o + 8 + 24, true);
      return sub === 1 ? "PCM" : sub === 3 ? "IEEE float" : undefined;
    }
    o += 8 + size + (size & 1);
  }
  return undefined;
}

function codecName(
  meta: IAudioMetadata,
  format: AudioFormat,
  head: Uint8Array,
): string | undefined {
  const container = meta.format.container ?? "";
  const codec = meta.format.codec ?? meta.format.trackInfo.find((t) => t.audio)?.codecName ?? "";
  if (container === "WavPack" || format === FORMATS.wv) return "WavPack";
  if (format === FORMATS.ape || /monkey/i.test(container)) return "Monkey's Audio";
  if (format === FORMATS.mpc) return "Musepack";
  if (format === FORMATS.dsf || format === FORMATS.dff) return "DSD";
  if (/alac/i.test(codec)) return "ALAC";
  if (/aac/i.test(codec)) return "AAC";
  if (/^vorbis/i.test(codec)) return "Vorbis";
  if (/^opus/i.test(codec)) return "Opus";
  if (/^flac/i.test(codec)) return "FLAC";
  if (/^windows media audio/i.test(codec) || /^wma/i.test(codec)) return "WMA";
  if (format === FORMATS.wav && codec.includes("65534"))
    return wavExtensibleCodec(head) ?? clean(codec, 100);
  return clean(codec, 100);
}

/**
 * ID3v2.3 splits TPE1/TPE2/TCOM/TEXT on "/" (per the v2.3 spec), which breaks "AC/DC". For these
 * display credits the original string is restored (rejoined with "/") and split by our own
 * separators (which include " / " but not a bare "/"). Explicit multi-value tags (TXXX:ARTISTS)
 * keep the library's split.
 */
function unsplitId3v23(meta: IAudioMetadata, frame: string, values: string[]): string[] {
  const id3 = meta.native["ID3v2.3"] ?? meta.native["ID3v2.2"];
  if (!id3 || values.length < 2) return values;
  const frames = frame === "TPE1" ? ["TPE1", "TP1"] : frame === "TPE2" ? ["TPE2", "TP2"] : [frame];
  const raw = cleanList(id3.filter((t) => frames.includes(t.id)).flatMap((t) => textsOf(t.value)));
  if (raw.length !== values.length || raw.some((v, i) => v !== values[i])) return values;
  return [raw.join("/")];
}

function performersOf(native: NativeIndex): string[] {
  const out: string[] = [];
  // Vorbis/APE/MP4 "PERFORMER=Name (instrument)"
  for (const v of native.texts("performer")) out.push(v.replace(/\s*\([^()]*\)\s*$/, ""));
  // ID3v2.4 TMCL (musician credits): { instrument: [names] }
  for (const v of native.raw("tmcl")) {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      for (const names of Object.values(v as Record<string, unknown>)) out.push(...textsOf(names));
    }
  }
  return out;
}

function buildTags(
  meta: IAudioMetadata,
  options: ReadOptions,
  format: AudioFormat,
  suffix: string,
  fileSize: number,
  duration: number,
  head: Uint8Array,
): TrackTags {
  const c: ICommonTagsResult = meta.common;
  const n = new NativeIndex(meta);
  const seps = options.separators ?? DEFAULT_ARTIST_SEPARATORS;
  const people = (values: string[]) => splitArtists(values, seps);

  // Artists: the plural tag when present (ARTISTS / TXXX:ARTISTS), else the credit string.
  let artistValues = cleanList(c.artists?.length ? c.artists : c.artist ? [c.artist] : []);
  artistValues = unsplitId3v23(meta, "TPE1", artistValues);
  if (!artistValues.length) artistValues = n.texts("artist", "author");
  let albumArtistValues = n.texts("albumartists");
  if (!albumArtistValues.length) {
    albumArtistValues = unsplitId3v23(
      meta,
      "TPE2",
      cleanList(c.albumartists?.length ? c.albumartists : c.albumartist ? [c.albumartist] : []),
    );
  }
  if (!albumArtistValues.length) albumArtistValues = n.texts("albumartist");
  const composers = people(unsplitId3v23(meta, "TCOM", cleanList(c.composer)));
  const lyricists = people(unsplitId3v23(meta, "TEXT", cleanList(c.lyricist)));

  // Track / disc
  let trackNumber = intIn(c.track.no, 0, 999_999);
  let trackTotal = intIn(c.track.of, 1, 999_999);
  if (trackNumber === undefined)
    [trackNumber, trackTotal] = mergePos(
      parsePosition(n.first("tracknumber", "track")),
      trackTotal,
    );
  trackTotal ??= intIn(clean(n.first("tracktotal", "totaltracks")), 1, 999_999);
  let discNumber = intIn(c.disk.no, 0, 99_999);
  let discTotal = intIn(c.disk.of, 1, 99_999);
  if (discNumber === undefined)
    [discNumber, discTotal] = mergePos(
      parsePosition(n.first("discnumber", "disc", "partofset")),
      discTotal,
    );
  discTotal ??= intIn(clean(n.first("disctotal", "totaldiscs")), 1, 99_999);

  // Dates
  let date = normalizeDate(c.date) ?? normalizeDate(n.first("date", "tdrc", "day"));
  const tdat = n.first("tdat"); // ID3v2.3 TYER + TDAT (DDMM)
  if (!date && c.year) {
    date = normalizeDate(String(c.year));
    if (date && tdat && /^\d{4}$/.test(tdat)) {
      date = normalizeDate(`${date}-${tdat.slice(2, 4)}-${tdat.slice(0, 2)}`) ?? date;
    }
  }
  date ??= normalizeDate(c.releasedate) ?? normalizeDate(n.first("year", "releasedate"));
  const year = yearOf(date) ?? intIn(c.year, 1, 9999);
  const originalDate =
    normalizeDate(c.originaldate) ??
    normalizeDate(c.originalyear) ??
    normalizeDate(n.first("originaldate", "tdor", "originalyear", "tory", "originalreleasedate"));
  const originalYear = yearOf(originalDate);

  // Genres, release types
  const genreSeps = options.genreSeparators ?? DEFAULT_GENRE_SEPARATORS;
  const genreValues = cleanList(c.genre?.length ? c.genre : n.texts("genre"));
  const genres = splitOn(genreValues, genreSeps);
  const releaseTypeValues = cleanList(
    c.releasetype?.length ? c.releasetype : n.texts("releasetype", "musicbrainzalbumtype"),
  );
  const releaseTypes = uniqueCI(
    splitOn(releaseTypeValues, [";", ",", "/"]).map((t) => t.toLowerCase()),
  );

  // MusicBrainz
  const firstUuid = (values: (string | undefined)[]) => uuids(cleanList(values))[0];
  const mbid: TrackTags["mbid"] = {
    track: firstUuid([c.musicbrainz_trackid, ...n.texts("musicbrainzreleasetrackid")]),
    recording: firstUuid([
      c.musicbrainz_recordingid,
      ...n.texts("musicbrainztrackid", "musicbrainzrecordingid"),
    ]),
    album: firstUuid([c.musicbrainz_albumid, ...n.texts("musicbrainzalbumid")]),
    releaseGroup: firstUuid([
      c.musicbrainz_releasegroupid,
      ...n.texts("musicbrainzreleasegroupid"),
    ]),
    artists: uuids(
      c.musicbrainz_artistid?.length
        ? cleanList(c.musicbrainz_artistid)
        : n.texts("musicbrainzartistid"),
    ),
    albumArtists: uuids(
      c.musicbrainz_albumartistid?.length
        ? cleanList(c.musicbrainz_albumartistid)
        : n.texts("musicbrainzalbumartistid"),
    ),
  };
  for (const key of ["track", "recording", "album", "releaseGroup"] as const) {
    if (mbid[key] === undefined) delete mbid[key];
  }

  const albumArtists = people(albumArtistValues);

  // Compilation
  const compilationFlag =
    c.compilation === true ||
    n
      .texts("compilation", "tcmp", "cpil", "itunescompilation")
      .some((v) => v === "1" || v.toLowerCase() === "true");
  const compilation =
    compilationFlag ||
    albumArtists.some((a) => /^(various artists|various|va)$/i.test(a)) ||
    mbid.albumArtists.includes(VARIOUS_ARTISTS_MBID);

  // ReplayGain (REPLAYGAIN_*; else R128_* of Opus: Q7.8 dB relative to -23 LUFS = RG - 5 dB)
  const rg: TrackTags["replayGain"] = {};
  const trackGain = c.replaygain_track_gain?.dB ?? parseGain(n.first("replaygaintrackgain"));
  const albumGain = c.replaygain_album_gain?.dB ?? parseGain(n.first("replaygainalbumgain"));
  const trackPeak = c.replaygain_track_peak?.ratio ?? parsePeak(n.first("replaygaintrackpeak"));
  const albumPeak = c.replaygain_album_peak?.ratio ?? parsePeak(n.first("replaygainalbumpeak"));
  const r128 = (v: string | undefined) => {
    const q = intIn(v, -32768, 32767);
    return q === undefined ? undefined : Math.round((q / 256 + 5) * 100) / 100;
  };
  const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : undefined);
  const tg = finite(trackGain) ?? r128(n.first("r128trackgain"));
  const ag = finite(albumGain) ?? r128(n.first("r128albumgain"));
  if (tg !== undefined) rg.trackGain = tg;
  if (finite(trackPeak) !== undefined) rg.trackPeak = trackPeak;
  if (ag !== undefined) rg.albumGain = ag;
  if (finite(albumPeak) !== undefined) rg.albumPeak = albumPeak;

  // Lyrics
  const { lyrics, syncedLyrics } = lyricsOf(meta, n);

  // Comment: skip iTunes machine comments (iTunNORM, iTunSMPB …)
  const comment = clean(
    c.comment?.find((cm) => cm.text && !(cm.descriptor ?? "").startsWith("iTun"))?.text ??
      n.first("comment", "description"),
  );

  // Audio properties
  const fmt = meta.format;
  // Opus headers carry no nominal bitrate and music-metadata's estimate covers only the pages it
  // read: use the file's average there, as for any format that reports none.
  const average = duration > 0 ? (fileSize * 8) / duration : undefined;
  const bitrate = isPositive(fmt.bitrate) && fmt.codec !== "Opus" ? fmt.bitrate : average;

  const tags: TrackTags = {
    title: clean(c.title) ?? n.first("title"),
    sortTitle: clean(c.titlesort),
    artists: people(artistValues),
    albumArtists,
    composers,
    performers: people(performersOf(n)),
    conductors: people(cleanList(c.conductor)),
    lyricists,
    album: clean(c.album) ?? n.first("album"),
    sortAlbum: clean(c.albumsort),
    sortArtist: clean(c.artistsort),
    sortAlbumArtist: clean(c.albumartistsort),
    compilation,
    trackNumber,
    trackTotal,
    discNumber,
    discTotal,
    discSubtitle: clean(firstText(c.discsubtitle)) ?? n.first("discsubtitle", "setsubtitle"),
    date,
    year,
    originalDate,
    originalYear,
    genres,
    releaseTypes,
    mbid,
    isrc: clean(firstText(c.isrc) ?? n.first("isrc"), 64)?.toUpperCase(),
    bpm: bpmOf(c.bpm ?? n.first("bpm", "tbpm", "tmpo")),
    comment,
    lyrics,
    syncedLyrics,
    replayGain: rg,
    durationMs: Math.round(duration * 1000),
    bitRate: bitrate ? Math.round(bitrate / 1000) : undefined,
    sampleRate: intIn(fmt.sampleRate, 1, 10_000_000),
    bitDepth: fmt.lossless ? intIn(fmt.bitsPerSample, 1, 64) : undefined,
    channels: intIn(fmt.numberOfChannels, 1, 255),
    codec: codecName(meta, format, head),
    suffix,
    contentType: format.contentType,
  };

  if (options.includePicture) {
    const pic: IPicture | null = selectCover(c.picture);
    if (pic?.data?.length) {
      const mime = imageMime(pic.data, pic.format);
      if (mime) tags.picture = { data: pic.data, mime };
    }
  }
  // Drop undefined optionals so results compare and serialise cleanly.
  for (const key of Object.keys(tags) as (keyof TrackTags)[]) {
    if (tags[key] === undefined) delete tags[key];
  }
  return tags;
}

/** music-metadata declares some common fields as string[] but fills them with a string. */
function firstText(value: unknown): string | undefined {
  return textsOf(value)[0];
}

function mergePos(
  [no, of]: [number | undefined, number | undefined],
  total: number | undefined,
): [number | undefined, number | undefined] {
  return [no, total ?? of];
}

function bpmOf(value: unknown): number | undefined {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string"
        ? Number.parseFloat(value)
        : Number.NaN;
  if (!Number.isFinite(n) || n <= 0 || n >= 1000) return undefined;
  return Math.round(n * 100) / 100;
}

// --- lyrics --------------------------------------------------------------------------------------

function lyricsOf(
  meta: IAudioMetadata,
  n: NativeIndex,
): { lyrics?: string; syncedLyrics?: SyncedLine[] } {
  let synced: SyncedLine[] | undefined;
  let plain: string | undefined;

  // ID3 SYLT (music-metadata maps it into common.lyrics with syncText)
  for (const l of (meta.common.lyrics ?? []) as ILyricsTag[]) {
    if (synced || !l.syncText?.length || l.timeStampFormat === TimestampFormat.notSynchronized)
      continue;
    if (!n.raw("sylt").length) continue; // LRC-looking text tags are parsed below, from the raw text
    const perFrame = l.timeStampFormat === TimestampFormat.mpegFrameNumber ? mpegFrameMs(meta) : 1;
    if (perFrame === undefined) continue;
    const lines = l.syncText
      .slice(0, 10_000)
      .filter((s) => typeof s.timestamp === "number")
      .map((s) => ({
        timeMs: Math.round((s.timestamp ?? 0) * perFrame),
        text: clean(s.text, MAX_TEXT) ?? "",
      }));
    if (lines.length) synced = lines.sort((a, b) => a.timeMs - b.timeMs);
  }

  // Text lyrics tags: USLT, LYRICS, UNSYNCEDLYRICS, ©lyr, WM/Lyrics, APE Lyrics
  // (raw texts: `texts()` caps at the 10,000-character field limit, lyrics may be longer)
  for (const text of textsOf(n.raw("uslt", "lyrics", "unsyncedlyrics", "lyr", "syncedlyrics"))) {
    const t = clean(text, MAX_LYRICS_LENGTH);
    if (!t) continue;
    if (looksLikeLrc(t)) {
      const lines = parseLrc(t);
      if (lines.length && !synced) synced = lines;
    } else {
      plain ??= t;
    }
  }
  if (!plain && synced?.length) plain = clean(syncedToPlain(synced), MAX_LYRICS_LENGTH);
  return { lyrics: plain, syncedLyrics: synced };
}

function mpegFrameMs(meta: IAudioMetadata): number | undefined {
  const rate = meta.format.sampleRate;
  if (!rate) return undefined;
  const codec = meta.format.codec ?? "";
  const samples = /Layer 1/.test(codec)
    ? 384
    : /MPEG 1 Layer 3/.test(codec) || /Layer 2/.test(codec)
      ? 1152
      : 576;
  return (samples / rate) * 1000;
}

function applySidecarLyrics(tags: TrackTags, absPath: string): void {
  const ext = extensionOf(absPath);
  const base = ext ? absPath.slice(0, -(ext.length + 1)) : absPath;
  const path = [`${base}.lrc`, `${base}.LRC`].find((candidate) => existsSync(candidate));
  if (!path) return;
  let text: string;
  try {
    // O_NONBLOCK: a FIFO named *.lrc must not block the reader.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) return;
      const buf = new Uint8Array(Math.min(stat.size, MAX_SIDECAR_BYTES));
      let len = 0;
      while (len < buf.length) {
        const n = readSync(fd, buf, len, buf.length - len, len);
        if (n === 0) break;
        len += n;
      }
      text = decodeText(buf.subarray(0, len));
    } finally {
      closeSync(fd);
    }
  } catch {
    return; // an unreadable sidecar is not the audio file's problem
  }
  const t = clean(text, MAX_LYRICS_LENGTH);
  if (!t) return;
  const lines = looksLikeLrc(t) ? parseLrc(t) : [];
  if (lines.length) {
    tags.syncedLyrics = lines;
    tags.lyrics ??= clean(syncedToPlain(lines), MAX_LYRICS_LENGTH);
  } else {
    tags.lyrics ??= t;
  }
}

// --- Ogg duration from the last page -------------------------------------------------------------

/**
 * With `duration: false` music-metadata stops reading an Ogg stream after its headers; the
 * duration is the granule position of the stream's last page, found in the file's tail.
 */
function oggDuration(tok: CachedFileTokenizer, head: Uint8Array): number | undefined {
  if (head[0] !== 0x4f || head.length < 28) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const serial = view.getUint32(14, true);
  const packet = 27 + (head[26] ?? 0);
  let rate: number | undefined;
  let preSkip = 0;
  const at = (s: string, p: number) => [...s].every((ch, i) => head[p + i] === ch.charCodeAt(0));
  if (at("OpusHead", packet) && head.length >= packet + 12) {
    rate = 48000;
    preSkip = view.getUint16(packet + 10, true);
  } else if (head[packet] === 0x01 && at("vorbis", packet + 1) && head.length >= packet + 16) {
    rate = view.getUint32(packet + 12, true);
  } else if (head[packet] === 0x7f && at("FLAC", packet + 1) && head.length >= packet + 30) {
    // Ogg FLAC mapping: 9-byte header then "fLaC" + STREAMINFO block (sample rate: 20 bits)
    const si = packet + 13 + 4 + 10;
    rate = ((head[si] ?? 0) << 12) | ((head[si + 1] ?? 0) << 4) | ((head[si + 2] ?? 0) >> 4);
  } else if (at("Speex   ", packet) && head.length >= packet + 40) {
    rate = view.getUint32(packet + 36, true);
  }
  if (!rate) return undefined;

  const size = tok.fileInfo.size;
  const tailLen = Math.min(size, 70_000); // an Ogg page is at most 65,307 bytes
  const tail = new Uint8Array(tailLen);
  const got = tok.readAt(tail, size - tailLen, tailLen);
  const tv = new DataView(tail.buffer, 0, got);
  for (let i = got - 27; i >= 0; i--) {
    if (tail[i] !== 0x4f || tail[i + 1] !== 0x67 || tail[i + 2] !== 0x67 || tail[i + 3] !== 0x53)
      continue;
    if (tv.getUint32(i + 14, true) !== serial) continue;
    const granule = tv.getBigInt64(i + 6, true);
    if (granule < 0n) continue;
    const samples = Number(granule) - preSkip;
    return samples > 0 ? samples / rate : undefined;
  }
  return undefined;
}

/** For uploads: true when the file name's extension is one the scanner reads. */
export function isAudioExtension(path: string): boolean {
  return AUDIO_EXTENSIONS.has(extensionOf(path));
}
