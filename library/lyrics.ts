/**
 * Lyrics helpers: LRC parsing (embedded tags and sidecar `.lrc` files) and text clean-up.
 *
 * LRC: `[mm:ss.xx]text`, also `[mm:ss]`, `[mm:ss.xxx]`, `[mm:ss:xx]` and `[h:mm:ss.xx]`; several
 * timestamps may lead one line (`[00:12.00][01:02.50]Chorus`); `[offset:+500]` shifts every line
 * 500 ms earlier (a positive offset makes lyrics appear sooner, as in the LRC convention); other
 * `[tag:value]` lines (ar, ti, al, by, length …) are ignored; enhanced-LRC word stamps
 * `<mm:ss.xx>` inside a line are removed.
 */

export interface SyncedLine {
  timeMs: number;
  text: string;
}

export const MAX_LYRICS_LENGTH = 100_000;
const MAX_SYNCED_LINES = 10_000;

const LEADING_STAMP =
  /^\[(\d{1,3}):(\d{1,2})(?:[.:](\d{1,3}))?\]|^\[(\d{1,2}):(\d{2}):(\d{2})(?:[.:](\d{1,3}))?\]/;
const WORD_STAMP = /<\d{1,3}:\d{1,2}(?:[.:]\d{1,3})?>/g;
const OFFSET_TAG = /^\[offset:\s*([+-]?\d{1,9})\s*\]\s*$/i;
const LRC_LINE = /^\s*\[\d{1,3}:\d{1,2}(?:[.:]\d{1,3})?\]/m;

function fractionMs(digits: string | undefined): number {
  if (!digits) return 0;
  // ".5" = 500 ms, ".50" = 500 ms, ".500" = 500 ms
  return Math.round(Number(`0.${digits}`) * 1000);
}

/** True when the text has at least one line that starts with an LRC timestamp. */
export function looksLikeLrc(text: string): boolean {
  return LRC_LINE.test(text);
}

/**
 * Parses LRC text into lines sorted by time (stable for equal times). Lines without a timestamp
 * are dropped. Returns an empty array when nothing is timed.
 */
export function parseLrc(text: string): SyncedLine[] {
  const out: SyncedLine[] = [];
  let offset = 0;
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  for (const raw of lines) {
    const line = raw.trim();
    if (!line.startsWith("[")) continue;
    const offsetMatch = OFFSET_TAG.exec(line);
    if (offsetMatch) {
      offset = Number(offsetMatch[1]);
      continue;
    }
    const times: number[] = [];
    let rest = line;
    for (;;) {
      const m = LEADING_STAMP.exec(rest);
      if (!m) break;
      let ms: number;
      if (m[1] !== undefined) {
        ms = (Number(m[1]) * 60 + Number(m[2])) * 1000 + fractionMs(m[3]);
      } else {
        ms = (Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6])) * 1000 + fractionMs(m[7]);
      }
      times.push(ms);
      rest = rest.slice(m[0].length).trimStart();
    }
    if (times.length === 0) continue;
    const lyric = rest.replace(WORD_STAMP, "").replace(/\s+/g, " ").trim();
    for (const t of times) {
      out.push({ timeMs: t, text: lyric });
      if (out.length >= MAX_SYNCED_LINES) break;
    }
    if (out.length >= MAX_SYNCED_LINES) break;
  }
  if (offset !== 0) {
    for (const l of out) l.timeMs = Math.max(0, l.timeMs - offset);
  }
  // Array.prototype.sort is stable: lines at the same time keep file order.
  out.sort((a, b) => a.timeMs - b.timeMs);
  return out;
}

/** The plain text of synced lyrics: one line per entry, in time order. */
export function syncedToPlain(lines: SyncedLine[]): string {
  return lines.map((l) => l.text).join("\n");
}

/**
 * Decodes a sidecar lyrics file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252
 * (older LRC files from Windows tools).
 */
export function decodeText(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe)
    return new TextDecoder("utf-16le").decode(bytes);
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff)
    return new TextDecoder("utf-16be").decode(bytes);
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return new TextDecoder("windows-1252").decode(bytes);
  }
}
