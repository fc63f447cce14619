/**
 * AES-256-GCM for secrets the server must read back (the Subsonic password,
 * which token auth needs in clear). Format: base64url(iv ‖ ciphertext+tag).
 */
export class SecretBox {
  private readonly key: Promise<CryptoKey>;

  constructor(secret: Uint8Array) {
    if (secret.length !== 32) throw new Error("SecretBox needs a 32-byte key");
    this.key = crypto.subtle.importKey("raw", new Uint8Array(secret), "AES-GCM", false, [
      "encrypt",
      "decrypt",
    ]);
  }

  async seal(plain: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = new TextEncoder().encode(plain);
    const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await this.key, data);
    const out = new Uint8Array(12 + sealed.byteLength);
    out.set(iv);
    out.set(new Uint8Array(sealed), 12);
    return Buffer.from(out).toString("base64url");
  }

  /** Throws when the box was sealed under another key or tampered with. */
  async open(sealed: string): Promise<string> {
    const raw = Buffer.from(sealed, "base64url");
    const iv = raw.subarray(0, 12);
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv },
      await this.key,
      raw.subarray(12),
    );
    return new TextDecoder().decode(plain);
  }
}
