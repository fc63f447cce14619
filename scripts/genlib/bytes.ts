// Small binary helpers shared by the tag writers of the synthetic library generator.

const utf8 = new TextEncoder();

export function utf8Bytes(s: string): Uint8Array {
  return utf8.encode(s);
}

export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[i] = c < 256 ? c : 0x3f; // "?"
  }
  return out;
}

export function utf16leBytes(s: string, nulTerminated = true): Uint8Array {
  const out = new Uint8Array(s.length * 2 + (nulTerminated ? 2 : 0));
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 * i] = c & 0xff;
    out[2 * i + 1] = c >> 8;
  }
  return out;
}

export function ascii4(s: string): Uint8Array {
  if (s.length !== 4) throw new Error(`not a four-character code: ${s}`);
  return latin1Bytes(s);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Growable byte buffer with typed little/big-endian writers. */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u16le(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
    return this;
  }

  u16be(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.length, v, false);
    this.length += 2;
    return this;
  }

  u24be(v: number): this {
    return this.u8(v >>> 16)
      .u8(v >>> 8)
      .u8(v);
  }

  u32le(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
    return this;
  }

  u32be(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.length, v >>> 0, false);
    this.length += 4;
    return this;
  }

  u64le(v: number | bigint): this {
    this.ensure(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
    return this;
  }

  /** Reserve `n` bytes and return their offset, to patch later (sizes). */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.length;
    this.buf.fill(0, at, at + n);
    this.length += n;
    return at;
  }

  patchU32be(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, false);
  }

  patchU32le(at: number, v: number): void {
    this.view.setUint32(at, v >>> 0, true);
  }

  patchU64le(at: number, v: number | bigint): void {
    this.view.setBigUint64(at, BigInt(v), true);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** ID3v2 "syncsafe" 28-bit integer (7 bits per byte). */
export function syncsafe(n: number): Uint8Array {
  if (n >= 1 << 28) throw new Error("ID3v2 size too large");
  return Uint8Array.of((n >>> 21) & 0x7f, (n >>> 14) & 0x7f, (n >>> 7) & 0x7f, n & 0x7f);
}

let oggCrcTable: Uint32Array | undefined;

/** CRC-32 as used by Ogg pages: polynomial 0x04c11db7, not reflected, initial 0, no final xor. */
export function oggCrc32(data: Uint8Array): number {
  if (!oggCrcTable) {
    oggCrcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let r = i << 24;
      for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
      oggCrcTable[i] = r >>> 0;
    }
  }
  const table = oggCrcTable;
  let crc = 0;
  for (let i = 0; i < data.length; i++) {
    crc = ((crc << 8) ^ (table[((crc >>> 24) ^ (data[i] as number)) & 0xff] as number)) >>> 0;
  }
  return crc >>> 0;
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("base64");
}
