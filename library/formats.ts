/**
 * Audio formats: the extensions the scanner tries, MIME types for streaming, and detection of
 * audio by content (magic bytes) for uploads, where the file name cannot be trusted.
 *
 * Content types are what browsers and Subsonic clients expect:
 * - `.opus` → `audio/ogg`: an Opus *file* is an Ogg stream (RFC 7845 §9 registers audio/ogg for
 *   it, with `codecs=opus`); `audio/opus` (RFC 7587) names the RTP payload format, and several
 *   clients and proxies do not recognise it. gonic and freedesktop's shared-mime-info map `.opus`
 *   to audio/ogg as well, and browsers play Ogg Opus served as audio/ogg.
 * - `.m4a`/`.m4b` (AAC and ALAC) → `audio/mp4` (RFC 4337), which every browser accepts.
 * - `.wav` → `audio/wav`, `.aiff` → `audio/aiff` (the forms browsers' canPlayType knows); the
 *   `x-` forms for formats browsers do not play (WMA, WavPack, APE, Musepack, DSD, Matroska),
 *   which Subsonic clients get transcoded anyway.
 */

export interface AudioFormat {
  /** canonical suffix for this content */
  suffix: string;
  contentType: string;
  /** MIME type music-metadata's parser factory recognises, to select the parser by content */
  parserMime: string;
  /** suffixes that name the same content (the file's own suffix is kept when in this group) */
  aliases: string[];
}

const F = (
  suffix: string,
  contentType: string,
  parserMime: string,
  aliases: string[] = [],
): AudioFormat => ({
  suffix,
  contentType,
  parserMime,
  aliases: [suffix, ...aliases],
});

export const FORMATS = {
  mp3: F("mp3", "audio/mpeg", "audio/mpeg", ["mp2", "mp1", "mpga", "m2a"]),
  aac: F("aac", "audio/aac", "audio/aacp", ["adts", "aacp"]),
  flac: F("flac", "audio/flac", "audio/flac"),
  ogg: F("ogg", "audio/ogg", "audio/ogg", ["oga", "opus", "spx"]),
  opus: F("opus", "audio/ogg", "audio/ogg", ["ogg", "oga"]),
  m4a: F("m4a", "audio/mp4", "audio/mp4", ["m4b", "m4p", "mp4", "alac", "aax"]),
  wav: F("wav", "audio/wav", "audio/wav", ["wave", "bwf"]),
  aiff: F("aiff", "audio/aiff", "audio/aiff", ["aif", "aifc"]),
  wma: F("wma", "audio/x-ms-wma", "audio/ms-wma", ["asf"]),
  wv: F("wv", "audio/x-wavpack", "audio/wavpack"),
  ape: F("ape", "audio/x-ape", "audio/ape"),
  mpc: F("mpc", "audio/x-musepack", "audio/musepack"),
  dsf: F("dsf", "audio/x-dsf", "audio/dsf"),
  dff: F("dff", "audio/x-dff", "audio/dsd"),
  mka: F("mka", "audio/x-matroska", "audio/matroska", ["mkv"]),
  webm: F("webm", "audio/webm", "audio/webm"),
} satisfies Record<string, AudioFormat>;

export type FormatKey = keyof typeof FORMATS;

/** Extensions (lower case, no dot) the scanner should try. */
export const AUDIO_EXTENSIONS: Set<string> = new Set([
  "mp3",
  "mp2",
  "aac",
  "flac",
  "ogg",
  "oga",
  "opus",
  "m4a",
  "m4b",
  "wav",
  "aif",
  "aiff",
  "aifc",
  "wma",
  "wv",
  "ape",
  "mpc",
  "dsf",
  "dff",
  "mka",
]);

const BY_EXTENSION: Record<string, FormatKey> = {
  mp3: "mp3",
  mp2: "mp3",
  mp1: "mp3",
  mpga: "mp3",
  m2a: "mp3",
  aac: "aac",
  adts: "aac",
  flac: "flac",
  ogg: "ogg",
  oga: "ogg",
  spx: "ogg",
  opus: "opus",
  m4a: "m4a",
  m4b: "m4a",
  m4p: "m4a",
  mp4: "m4a",
  wav: "wav",
  wave: "wav",
  bwf: "wav",
  aif: "aiff",
  aiff: "aiff",
  aifc: "aiff",
  wma: "wma",
  asf: "wma",
  wv: "wv",
  ape: "ape",
  mpc: "mpc",
  dsf: "dsf",
  dff: "dff",
  mka: "mka",
  webm: "webm",
};

export function formatForExtension(suffix: string): AudioFormat | undefined {
  // Own keys only: a file named "x.constructor" is no audio.
  const key = Object.hasOwn(BY_EXTENSION, suffix) ? BY_EXTENSION[suffix] : undefined;
  return key ? FORMATS[key] : undefined;
}

// --- magic bytes ------------------------------------------------------------------------------

function ascii(b: Uint8Array, at: number, s: string): boolean {
  if (b.length < at + s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

const ASF_GUID = [
  0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11, 0xa6, 0xd9, 0x00, 0xaa, 0x00, 0x62, 0xce, 0x6c,
];

// kbit/s by [version is MPEG-1 ? 0 : 1][layer 1..3][index]
const BITRATES: number[][][] = [
  [
    [],
    [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  ],
  [
    [],
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  ],
];
const SAMPLE_RATES: Record<number, number[]> = {
  3: [44100, 48000, 32000], // MPEG-1
  2: [22050, 24000, 16000], // MPEG-2
  0: [11025, 12000, 8000], // MPEG-2.5
};

interface MpegHeader {
  length: number;
  key: number; // version/layer/sample-rate bits that must stay equal from frame to frame
}

/** Parses an MPEG audio (layer 1–3) frame header at `at`; undefined if not a valid one. */
function mpegHeader(b: Uint8Array, at: number): MpegHeader | undefined {
  if (at + 4 > b.length) return undefined;
  const b1 = b[at + 1] ?? 0;
  const b2 = b[at + 2] ?? 0;
  if (b[at] !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const version = (b1 >> 3) & 3; // 0 = 2.5, 1 = reserved, 2 = 2, 3 = 1
  const layerBits = (b1 >> 1) & 3; // 1 = III, 2 = II, 3 = I
  if (version === 1 || layerBits === 0) return undefined;
  const layer = 4 - layerBits;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const kbps = BITRATES[version === 3 ? 0 : 1]?.[layer]?.[bitrateIndex] ?? 0;
  const rate = SAMPLE_RATES[version]?.[rateIndex] ?? 0;
  if (!kbps || !rate) return undefined;
  const padding = (b2 >> 1) & 1;
  let length: number;
  if (layer === 1) length = (Math.floor((12 * kbps * 1000) / rate) + padding) * 4;
  else if (layer === 3 && version !== 3) length = Math.floor((72 * kbps * 1000) / rate) + padding;
  else length = Math.floor((144 * kbps * 1000) / rate) + padding;
  return { length, key: (b1 & 0xfe) | ((b2 & 0x0c) << 8) };
}

/** An ADTS (raw AAC) frame header at `at`: its length, or undefined. */
function adtsLength(b: Uint8Array, at: number): number | undefined {
  if (at + 7 > b.length) return undefined;
  const b1 = b[at + 1] ?? 0;
  if (b[at] !== 0xff || (b1 & 0xf6) !== 0xf0) return undefined;
  if ((((b[at + 2] ?? 0) >> 2) & 0x0f) > 12) return undefined; // sampling frequency index
  const length =
    (((b[at + 3] ?? 0) & 0x03) << 11) | ((b[at + 4] ?? 0) << 3) | ((b[at + 5] ?? 0) >> 5);
  return length >= 7 ? length : undefined;
}

/**
 * MPEG audio at `at`: a valid frame header followed by a second matching one (or by the end of
 * the buffer, when it is too short to hold the next header).
 */
function mpegAt(b: Uint8Array, at: number): boolean {
  const h = mpegHeader(b, at);
  if (!h) return false;
  const next = at + h.length;
  if (next + 4 > b.length) return true; // the buffer ends before the next frame
  const h2 = mpegHeader(b, next);
  return !!h2 && h2.key === h.key;
}

function adtsAt(b: Uint8Array, at: number): boolean {
  const len = adtsLength(b, at);
  if (!len) return false;
  if (at + len + 7 > b.length) return true;
  return adtsLength(b, at + len) !== undefined;
}

function oggFormat(b: Uint8Array): AudioFormat | undefined {
  const segments = b[26];
  if (segments === undefined) return FORMATS.ogg;
  const p = 27 + segments;
  if (ascii(b, p, "OpusHead")) return FORMATS.opus;
  if (b[p] === 0x80 && ascii(b, p + 1, "theora")) return undefined; // Ogg video
  return FORMATS.ogg; // Vorbis ("\x01vorbis"), FLAC ("\x7FFLAC"), Speex, or too short to tell
}

const MP4_AUDIO_BRANDS = new Set([
  "M4A ",
  "M4B ",
  "M4P ",
  "F4A ",
  "F4B ",
  "mp41",
  "mp42",
  "isom",
  "iso2",
  "dash",
  "aax ",
]);

/** Size of an ID3v2 tag starting at 0 (header + body + optional footer), or 0. */
export function id3v2Size(b: Uint8Array): number {
  if (!ascii(b, 0, "ID3") || b.length < 10) return 0;
  const s = [b[6] ?? 0, b[7] ?? 0, b[8] ?? 0, b[9] ?? 0];
  if (s.some((x) => x & 0x80)) return 0;
  const size = ((s[0] ?? 0) << 21) | ((s[1] ?? 0) << 14) | ((s[2] ?? 0) << 7) | (s[3] ?? 0);
  const footer = ((b[5] ?? 0) & 0x10) !== 0 ? 10 : 0;
  return 10 + size + footer;
}

function sniffFormat(b: Uint8Array, depth = 0): AudioFormat | undefined {
  if (b.length < 4) return undefined;
  if (ascii(b, 0, "ID3")) {
    const size = id3v2Size(b);
    if (size === 0) return undefined;
    // What follows the tag decides (FLAC and raw AAC are sometimes ID3-prefixed); a tag larger
    // than the buffer is almost always an MP3's (with an embedded cover).
    if (depth === 0 && size + 4 <= b.length) return sniffFormat(b.subarray(size), 1) ?? FORMATS.mp3;
    return FORMATS.mp3;
  }
  if (ascii(b, 0, "fLaC")) return FORMATS.flac;
  if (ascii(b, 0, "OggS")) return oggFormat(b);
  if (ascii(b, 4, "ftyp")) {
    const brand = String.fromCharCode(b[8] ?? 0, b[9] ?? 0, b[10] ?? 0, b[11] ?? 0);
    return MP4_AUDIO_BRANDS.has(brand) || brand.startsWith("M4") ? FORMATS.m4a : undefined;
  }
  if ((ascii(b, 0, "RIFF") || ascii(b, 0, "RF64") || ascii(b, 0, "BW64")) && ascii(b, 8, "WAVE"))
    return FORMATS.wav;
  if (ascii(b, 0, "FORM") && (ascii(b, 8, "AIFF") || ascii(b, 8, "AIFC"))) return FORMATS.aiff;
  if (ASF_GUID.every((x, i) => b[i] === x)) return FORMATS.wma;
  if (ascii(b, 0, "wvpk")) return FORMATS.wv;
  if (ascii(b, 0, "MAC ")) return FORMATS.ape;
  if (ascii(b, 0, "MPCK") || ascii(b, 0, "MP+")) return FORMATS.mpc;
  if (ascii(b, 0, "DSD ")) return FORMATS.dsf;
  if (ascii(b, 0, "FRM8") && ascii(b, 12, "DSD ")) return FORMATS.dff;
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) {
    const head = new TextDecoder("latin1").decode(b.subarray(0, Math.min(b.length, 64)));
    if (head.includes("webm")) return FORMATS.webm;
    if (head.includes("matroska")) return FORMATS.mka;
    return undefined;
  }
  if (mpegAt(b, 0)) return FORMATS.mp3;
  if (adtsAt(b, 0)) return FORMATS.aac;
  return undefined;
}

/**
 * Detects audio by content. `head` should hold the first few KiB of the file (4 KiB is plenty;
 * with an ID3v2-prefixed file the bytes after the tag are checked when the buffer holds them).
 */
export function sniffAudio(head: Uint8Array): { suffix: string; contentType: string } | undefined {
  const f = sniffFormat(head);
  return f ? { suffix: f.suffix, contentType: f.contentType } : undefined;
}

/** Internal: the full format record for a head. */
export function sniffFormatOf(head: Uint8Array): AudioFormat | undefined {
  return sniffFormat(head);
}

/**
 * Finds an MPEG audio frame chain within the buffer (an MP3 with junk before its first frame).
 * Returns its offset or -1.
 */
export function findMpegSync(b: Uint8Array, from = 0): number {
  for (let i = b.indexOf(0xff, from); i !== -1 && i + 4 <= b.length; i = b.indexOf(0xff, i + 1)) {
    const h = mpegHeader(b, i);
    if (!h) continue;
    const next = i + h.length;
    const h2 = mpegHeader(b, next);
    if (!h2 || h2.key !== h.key) continue;
    const h3 = mpegHeader(b, next + h2.length);
    if (h3 && h3.key === h.key) return i;
  }
  return -1;
}

// --- things that are certainly not (supported) audio ----------------------------------------------

const NOT_AUDIO: [number, string][] = [
  [0, "\x89PNG"],
  [0, "GIF8"],
  [0, "%PDF"],
  [0, "PK\x03\x04"],
  [0, "PK\x05\x06"],
  [0, "\x7fELF"],
  [0, "Rar!"],
  [0, "7z\xbc\xaf"],
  [0, "BZh"],
  [0, "\x1f\x8b"],
  [0, "<?xml"],
  [0, "{\\rtf"],
  [0, "II*\x00"],
  [0, "MM\x00*"],
  [0, "\xd0\xcf\x11\xe0"],
  [8, "WEBP"],
  [8, "AVI "],
];

/** Audio formats recognisable by content that the tag reader cannot parse. */
const UNSUPPORTED_AUDIO: [number, string][] = [
  [0, "MThd"], // MIDI
  [0, "#!AMR"],
  [0, ".snd"], // Sun/NeXT AU
  [0, "TTA1"],
  [0, "OFR "],
  [0, "ajkg"], // Shorten
];

export type ContentClass = "not_audio" | "unsupported" | "unknown";

/** For content that `sniffAudio` did not recognise: is it known non-audio, unsupported audio, or unknown? */
export function classifyUnknown(head: Uint8Array): ContentClass {
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return "not_audio"; // JPEG
  for (const [at, magic] of NOT_AUDIO) if (asciiBytes(head, at, magic)) return "not_audio";
  for (const [at, magic] of UNSUPPORTED_AUDIO)
    if (asciiBytes(head, at, magic)) return "unsupported";
  if (looksLikeText(head)) return "not_audio";
  return "unknown";
}

function asciiBytes(b: Uint8Array, at: number, s: string): boolean {
  if (b.length < at + s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== (s.charCodeAt(i) & 0xff)) return false;
  return true;
}

/** Text (UTF-8/ASCII or UTF-16 with BOM), judged on the first 1 KiB. */
export function looksLikeText(head: Uint8Array): boolean {
  const b = head.subarray(0, 1024);
  if (b.length === 0) return false;
  if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) return true;
  let printable = 0;
  for (const x of b) {
    if (x === 0) return false;
    if (x === 9 || x === 10 || x === 13 || (x >= 0x20 && x !== 0x7f)) printable++;
  }
  if (printable / b.length < 0.97) return false;
  // Bytes ≥ 0x80 must form valid UTF-8 (a cut sequence at the very end is fine).
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(
      b.length === 1024 ? b.subarray(0, trimUtf8Tail(b)) : b,
    );
    return true;
  } catch {
    return false;
  }
}

function trimUtf8Tail(b: Uint8Array): number {
  const end = b.length;
  for (let i = 1; i <= 3 && end - i >= 0; i++) {
    const x = b[end - i] ?? 0;
    if ((x & 0xc0) === 0x80) continue; // continuation byte
    if ((x & 0xc0) === 0xc0) return end - i; // lead byte of a possibly cut sequence
    break;
  }
  return end;
}
