import { SignJWT } from "jose";

/**
 * Mints an Upstash-Signature the way QStash does, written independently of
 * jobs/signing.ts so the route is checked against the wire format itself.
 */
export async function mint(
  key: string,
  url: string,
  body: string,
  opts: { expiresIn?: number; issuer?: string; bodyOverride?: string } = {},
): Promise<string> {
  const digest = new Bun.CryptoHasher("sha256").update(body).digest("base64url");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ body: opts.bodyOverride ?? digest })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(opts.issuer ?? "Upstash")
    .setSubject(url)
    .setIssuedAt(now - 1)
    .setNotBefore(now - 1)
    .setExpirationTime(now + (opts.expiresIn ?? 300))
    .setJti(crypto.randomUUID())
    .sign(new TextEncoder().encode(key));
}
