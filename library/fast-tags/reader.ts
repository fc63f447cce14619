/** Byte reading: strtok3's tokenizer semantics over the cached file, and integer decoding. */
import type { CachedFileTokenizer } from "../file-tokenizer.ts";
import { Decline, EndOfStream } from "./errors.ts";

/** tags.ts gives music-metadata's tokenizer this cap (MAX_BUFFER); larger reads fail there. */
const MAX_TOKEN = 256 << 20;

/** strtok3's tokenizer semantics over the cached file tokenizer, synchronously. */
export class Reader {
  position = 0;
  readonly size: number;
  constructor(private readonly tok: CachedFileTokenizer) {
    this.size = tok.fileInfo.size;
  }

  private fill(target: Uint8Array, position: number, length: number): number {
    return this.tok.readAt(target, position, length);
  }

  /** `readToken`: all of it or EndOfStream before anything moves. Read-only (may be a view). */
  readToken(length: number, position = this.position): Uint8Array {
    if (length > MAX_TOKEN) throw new Decline("token larger than music-metadata's buffer cap");
    if (length > this.size - position) throw new EndOfStream();
    let b = this.tok.view(position, length);
    if (!b) {
      b = new Uint8Array(length);
      if (this.fill(b, position, length) < length) throw new Decline("file shrank while reading");
    }
    this.position = position + length;
    return b;
  }

  /** `peekToken` / `peekBuffer` without mayBeLess: all of it or EndOfStream; nothing moves. */
  peekToken(length: number, position = this.position): Uint8Array {
    const b = new Uint8Array(length);
    if (this.fill(b, position, length) < length) throw new EndOfStream();
    return b;
  }

  /** `peekBuffer` with mayBeLess: into `target`, returns the count (the rest of target is stale). */
  peekInto(target: Uint8Array, length: number): number {
    return this.fill(target, this.position, length);
  }

  /** `readBuffer` without mayBeLess: the position moves by what was read, then EndOfStream. */
  readBuffer(length: number): Uint8Array {
    const b = new Uint8Array(length);
    const n = this.fill(b, this.position, length);
    this.position += n;
    if (n < length) throw new EndOfStream();
    return b;
  }

  /** `ignore`: clamped at the end of the file. */
  ignore(length: number): number {
    const left = Math.max(0, this.size - this.position);
    if (length > left) {
      this.position += left;
      return left;
    }
    this.position += length;
    return length;
  }
}

export const u24be = (b: Uint8Array, o: number) =>
  ((b[o] ?? 0) << 16) | ((b[o + 1] ?? 0) << 8) | (b[o + 2] ?? 0);
export const u32be = (b: Uint8Array, o: number) => (((b[o] ?? 0) << 24) >>> 0) + u24be(b, o + 1);
export const u32le = (b: Uint8Array, o: number) =>
  (((b[o + 3] ?? 0) << 24) >>> 0) + ((b[o + 2] ?? 0) << 16) + ((b[o + 1] ?? 0) << 8) + (b[o] ?? 0);

/** token-types' UINT32_LE on a data view: RangeError (here: Decline) past the end. */
export function u32leChecked(b: Uint8Array, o: number): number {
  if (o < 0 || o + 4 > b.length) throw new Decline("read past the end of a block");
  return u32le(b, o);
}
export function u32beChecked(b: Uint8Array, o: number): number {
  if (o < 0 || o + 4 > b.length) throw new Decline("read past the end of a block");
  return u32be(b, o);
}

/** music-metadata's getBitAllignedNumber, 32-bit shift quirks included. */
export function bitAligned(
  source: Uint8Array,
  byteOffset: number,
  bitOffset: number,
  len: number,
): number {
  const byteOff = byteOffset + ~~(bitOffset / 8);
  const bitOff = bitOffset % 8;
  const value = (source[byteOff] ?? 0) & (0xff >> bitOff);
  const bitsLeft = len + bitOff - 8;
  if (bitsLeft <= 0) return value >> -bitsLeft;
  return (value << bitsLeft) | bitAligned(source, byteOff + 1, 0, bitsLeft);
}
