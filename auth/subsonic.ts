import type { Database } from "../db/client.ts";
import type { ApiKeys } from "./apikeys.ts";
import type { LoginThrottle } from "./throttle.ts";
import { md5Hex, safeEqual, sha256Hex } from "./tokens.ts";
import { AUTH_FAMILY, type User, type Users } from "./users.ts";

/** How long remembered credentials hold at most (changes through Users/ApiKeys count at once). */
const AUTH_TTL_MS = 60_000;
const AUTH_CACHE_MAX = 10_000;

/** The Subsonic auth error codes (spec: Error.code). */
export type SubsonicAuthCode = 10 | 40 | 41 | 42 | 43 | 44;

export type SubsonicAuthResult =
  | { ok: true; user: User }
  | { ok: false; code: SubsonicAuthCode; message: string };

type Params = { get(name: string): string | null };

const fail = (code: SubsonicAuthCode, message: string): SubsonicAuthResult => ({
  ok: false,
  code,
  message,
});

function decodePassword(p: string): string | undefined {
  if (!p.startsWith("enc:")) return p;
  const hex = p.slice(4);
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  return Buffer.from(hex, "hex").toString("utf8");
}

/**
 * Subsonic/OpenSubsonic authentication: `u`+`p` (clear or enc:HEX), `u`+`t`+`s`
 * (md5 of the stored Subsonic password + salt), or `apiKey` alone.
 */
export class SubsonicAuth {
  /**
   * Credentials that authenticated lately → their user: a client sends the same ones with
   * every request, and checking them costs a query (an API key), an AES-GCM open and an
   * MD5 (a token) or an argon2 verify (a password not stored). An entry holds while the
   * `auth` family version and the database's commit version are those it was made under
   * (Users and ApiKeys bump the family on every change), and at most AUTH_TTL_MS.
   * Failures are never kept: the throttle counts each one.
   */
  private readonly known = new Map<string, { user: User; token: string; until: number }>();

  constructor(
    private readonly users: Users,
    private readonly apiKeys: ApiKeys,
    private readonly throttle: LoginThrottle,
    private readonly database?: Database,
  ) {}

  /** `ip` may be a function: it is only needed when a password is checked. */
  async authenticate(params: Params, ip: string | (() => string)): Promise<SubsonicAuthResult> {
    const ipOf = () => (typeof ip === "string" ? ip : ip());
    const u = params.get("u");
    const p = params.get("p");
    const t = params.get("t");
    const s = params.get("s");
    const apiKey = params.get("apiKey");
    // Only well-formed requests are remembered, keyed by a digest of all their credentials.
    const wellFormed =
      apiKey !== null
        ? u === null && p === null && t === null && s === null
        : !!u && (p !== null ? t === null && s === null : t !== null && s !== null);
    if (!wellFormed) return this.check(params, ipOf());
    const key = sha256Hex(
      apiKey !== null ? `k\0${apiKey}` : p !== null ? `p\0${u}\0${p}` : `t\0${u}\0${t}\0${s}`,
    );
    // Taken before checking: a change made meanwhile leaves the new entry stale at once.
    const token = this.database ? await this.database.freshness(AUTH_FAMILY) : "";
    const hit = this.known.get(key);
    if (hit && hit.token === token && hit.until > Date.now()) {
      // Throttled is throttled, whatever credentials were good before.
      if (apiKey !== null || !u || !(await this.throttle.blocked(u, ipOf()))) {
        return { ok: true, user: hit.user };
      }
    }
    const result = await this.check(params, ipOf());
    if (result.ok) {
      if (this.known.size >= AUTH_CACHE_MAX) this.known.clear();
      this.known.set(key, { user: result.user, token, until: Date.now() + AUTH_TTL_MS });
    }
    return result;
  }

  /** Forgets every remembered credential (tests; a change the families do not cover). */
  forget(): void {
    this.known.clear();
  }

  private async check(params: Params, ip: string): Promise<SubsonicAuthResult> {
    const u = params.get("u");
    const p = params.get("p");
    const t = params.get("t");
    const s = params.get("s");
    const apiKey = params.get("apiKey");

    if (apiKey !== null) {
      if (u !== null || p !== null || t !== null || s !== null) {
        return fail(43, "Multiple conflicting authentication mechanisms provided");
      }
      const user = await this.apiKeys.userFor(apiKey);
      return user ? { ok: true, user } : fail(44, "Invalid API key");
    }
    if (!u) return fail(10, "Required parameter is missing: u");
    if (p !== null && (t !== null || s !== null)) {
      return fail(43, "Multiple conflicting authentication mechanisms provided");
    }
    if (p === null && (t === null || s === null)) {
      return fail(
        10,
        `Required parameter is missing: ${t === null && s !== null ? "t" : s === null && t !== null ? "s" : "p or t and s"}`,
      );
    }
    if (await this.throttle.blocked(u, ip)) {
      return fail(40, "Wrong username or password (too many failed attempts, try later)");
    }

    const user = await this.users.byName(u);
    const result = user ? await this.verify(user, p, t, s) : fail(40, "Wrong username or password");
    if (result.ok) await this.throttle.succeeded(u);
    else if (result.code === 40) await this.throttle.failed(u, ip);
    return result;
  }

  private async verify(
    user: User,
    p: string | null,
    t: string | null,
    s: string | null,
  ): Promise<SubsonicAuthResult> {
    if (!user.subsonicPasswordAuth) {
      return fail(42, "Password authentication is off for this user: use an API key");
    }
    const stored = await this.users.subsonicPassword(user);
    if (p !== null) {
      const password = decodePassword(p);
      if (password === undefined) return fail(40, "Wrong username or password");
      const ok = stored
        ? safeEqual(password, stored) || (await this.users.verifyPassword(user, password))
        : await this.users.verifyPassword(user, password);
      return ok ? { ok: true, user } : fail(40, "Wrong username or password");
    }
    // Token auth needs the password in clear; without a stored one it cannot work.
    if (!stored) {
      return fail(41, "Token authentication is not supported for this user: use p or an API key");
    }
    const ok = safeEqual(md5Hex(stored + (s ?? "")), (t ?? "").toLowerCase());
    return ok ? { ok: true, user } : fail(40, "Wrong username or password");
  }
}
