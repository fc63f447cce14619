import type { ApiKeys } from "./apikeys.ts";
import type { LoginThrottle } from "./throttle.ts";
import { md5Hex, safeEqual } from "./tokens.ts";
import type { User, Users } from "./users.ts";

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
  constructor(
    private readonly users: Users,
    private readonly apiKeys: ApiKeys,
    private readonly throttle: LoginThrottle,
  ) {}

  async authenticate(params: Params, ip: string): Promise<SubsonicAuthResult> {
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
    const result = user ? await this.check(user, p, t, s) : fail(40, "Wrong username or password");
    if (result.ok) await this.throttle.succeeded(u);
    else if (result.code === 40) await this.throttle.failed(u, ip);
    return result;
  }

  private async check(
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
