/** Text: music-metadata's Util.decodeString over @borewit/text-codec, FrameParser's helpers. */
import { Decline, FieldDecodingError } from "./errors.ts";

export type Encoding = "latin1" | "utf8" | "utf-16le" | "utf-16be";

export const utf8Decoder = new TextDecoder("utf-8");

function fromCodes(codes: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < codes.length; i += 8192) {
    s += String.fromCharCode.apply(
      null,
      (codes as number[]).slice ? (codes as number[]).slice(i, i + 8192) : Array.from(codes),
    );
  }
  return s;
}

export function latin1(b: Uint8Array): string {
  if (b.length <= 8192) return String.fromCharCode.apply(null, b as unknown as number[]);
  let s = "";
  for (let i = 0; i < b.length; i += 8192) {
    s += String.fromCharCode.apply(null, b.subarray(i, i + 8192) as unknown as number[]);
  }
  return s;
}

export function ascii(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x & 0x7f);
  return s;
}

/** @borewit/text-codec's decodeUTF16LE (the same as WHATWG's utf-16le decoder). */
function utf16le(b: Uint8Array): string {
  const len = b.length;
  let i = 0;
  if (len >= 2 && b[0] === 0xff && b[1] === 0xfe) i = 2;
  const out: number[] = [];
  while (i + 1 < len) {
    const u1 = (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
    i += 2;
    if (u1 >= 0xd800 && u1 <= 0xdbff) {
      if (i + 1 < len) {
        const u2 = (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
        if (u2 >= 0xdc00 && u2 <= 0xdfff) {
          out.push(u1, u2);
          i += 2;
        } else out.push(0xfffd);
      } else out.push(0xfffd);
      continue;
    }
    if (u1 >= 0xdc00 && u1 <= 0xdfff) {
      out.push(0xfffd);
      continue;
    }
    out.push(u1);
  }
  if (i < len) out.push(0xfffd);
  return fromCodes(out);
}

function textDecode(b: Uint8Array, encoding: Encoding): string {
  switch (encoding) {
    case "latin1":
      return latin1(b);
    case "utf-16le":
      return utf16le(b);
    default:
      return utf8Decoder.decode(b);
  }
}

function swapped(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i + 1 < b.length; i += 2) {
    out[i] = b[i + 1] ?? 0;
    out[i + 1] = b[i] ?? 0;
  }
  return out;
}

export function decodeString(b: Uint8Array, encoding: Encoding): string {
  // (music-metadata swaps UTF-16 bytes in place; the bytes are not read again, so a copy is the same)
  if (b[0] === 0xff && b[1] === 0xfe) return decodeString(b.subarray(2), encoding);
  if (encoding === "utf-16le" && b[0] === 0xfe && b[1] === 0xff) {
    if (b.length & 1) throw new FieldDecodingError("odd UTF-16 length");
    return decodeString(swapped(b), encoding);
  }
  if (encoding === "utf-16be") {
    if (b.length & 1) throw new FieldDecodingError("odd UTF-16 length");
    return utf16le(swapped(b));
  }
  return textDecode(b, encoding);
}

/** decodeString where music-metadata does not catch its error: the parse would fail. */
export function decodeOrDecline(b: Uint8Array, encoding: Encoding): string {
  try {
    return decodeString(b, encoding);
  } catch (error) {
    if (error instanceof FieldDecodingError) throw new Decline("undecodable UTF-16 field");
    throw error;
  }
}

export function findZero(b: Uint8Array, encoding: Encoding): number {
  const len = b.length;
  if (encoding === "utf-16le" || encoding === "utf-16be") {
    for (let i = 0; i + 1 < len; i += 2) if (b[i] === 0 && b[i + 1] === 0) return i;
    return len;
  }
  const i = b.indexOf(0);
  return i === -1 ? len : i;
}

export function nullTerminatorLength(encoding: Encoding): number {
  return encoding === "utf-16le" || encoding === "utf-16be" ? 2 : 1;
}

/** FrameParser.readNullTerminatedString; throws Decline where music-metadata would throw. */
export function readNullTerminated(
  b: Uint8Array,
  encoding: Encoding,
): { text: string; len: number } {
  const zero = findZero(b, encoding);
  if (zero >= b.length) return { text: decodeOrDecline(b, encoding), len: b.length };
  return {
    text: decodeOrDecline(b.subarray(0, zero), encoding),
    len: zero + nullTerminatorLength(encoding),
  };
}

export function trimNullPadding(value: string): string {
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 0) end--;
  return end === value.length ? value : value.slice(0, end);
}

export function encodingOf(byte: number | undefined): Encoding {
  switch (byte) {
    case 0:
      return "latin1";
    case 1:
      return "utf-16le";
    case 2:
      return "utf-16be";
    default:
      return "utf8";
  }
}
