/** Random tokens and their stored digests (sessions, API keys, CSRF). */

export function randomToken(bytes = 32): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64url");
}

export function sha256Hex(value: string): string {
  return new Bun.CryptoHasher("sha256").update(value).digest("hex");
}

export function md5Hex(value: string): string {
  return new Bun.CryptoHasher("md5").update(value).digest("hex");
}

/** Constant-time string comparison for secrets of any length. */
export function safeEqual(a: string, b: string): boolean {
  const ha = new Bun.CryptoHasher("sha256").update(a).digest();
  const hb = new Bun.CryptoHasher("sha256").update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}
