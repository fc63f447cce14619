import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import { randomToken } from "../auth/tokens.ts";

export interface SigningKeys {
  currentSigningKey: string;
  nextSigningKey: string;
}

/** The dispatcher's signing keys, generated once into the data dir (mode 0600). */
export function localSigningKeys(dataDir: string): SigningKeys {
  const path = join(dataDir, "signing-keys.json");
  if (existsSync(path)) {
    const keys = JSON.parse(readFileSync(path, "utf8")) as Partial<SigningKeys>;
    if (keys.currentSigningKey && keys.nextSigningKey) return keys as SigningKeys;
    throw new Error(`${path} is missing currentSigningKey or nextSigningKey`);
  }
  const keys = {
    currentSigningKey: `sig_${randomToken()}`,
    nextSigningKey: `sig_${randomToken()}`,
  };
  writeFileSync(path, JSON.stringify(keys), { mode: 0o600 });
  return keys;
}

export async function bodyHash(body: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
  return Buffer.from(digest).toString("base64url");
}

/**
 * An `Upstash-Signature` exactly as QStash mints it: HS256 JWT, iss "Upstash",
 * sub = destination URL, body = base64url SHA-256 of the raw body, 5-minute life.
 */
export async function signLikeQStash(key: string, url: string, body: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ body: await bodyHash(body) })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer("Upstash")
    .setSubject(url)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 300)
    .setJti(`jwt_${randomToken(12)}`)
    .sign(new TextEncoder().encode(key));
}
