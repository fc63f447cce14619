/** Byte builders for tests that write tags and containers by hand. */

export const u8 = (...bytes: number[]) => Uint8Array.from(bytes);

export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const latin1 = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0) & 255);
export const be32 = (n: number) => u8(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
export const le32 = (n: number) => u8(n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24);
export const be24 = (n: number) => u8((n >>> 16) & 255, (n >>> 8) & 255, n & 255);
/** ID3v2 sizes: 7 bits per byte. */
export const syncsafe = (n: number) =>
  u8((n >> 21) & 127, (n >> 14) & 127, (n >> 7) & 127, n & 127);

/** UTF-16 code units, little-endian unless asked, without a byte-order mark. */
export function utf16(s: string, bigEndian = false): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[i * 2 + (bigEndian ? 1 : 0)] = c & 255;
    out[i * 2 + (bigEndian ? 0 : 1)] = c >> 8;
  }
  return out;
}
