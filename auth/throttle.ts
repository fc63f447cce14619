import type { Cache, RateLimiter } from "../edge/types.ts";

const WINDOW_SECONDS = 15 * 60;
const PER_USER = 10;
const PER_IP = 50;

/**
 * Failed-login throttle per username and per client IP. Only failures count,
 * so a busy Subsonic app with the right password never pays for a limiter call.
 */
export class LoginThrottle {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly cache: Cache,
  ) {}

  private keys(username: string, ip: string) {
    return [
      { key: `login-fail:user:${username.toLowerCase()}`, limit: PER_USER },
      { key: `login-fail:ip:${ip}`, limit: PER_IP },
    ];
  }

  async blocked(username: string, ip: string): Promise<boolean> {
    for (const { key } of this.keys(username, ip)) {
      if (await this.cache.get(`blocked:${key}`)) return true;
    }
    return false;
  }

  async failed(username: string, ip: string): Promise<void> {
    for (const { key, limit } of this.keys(username, ip)) {
      const r = await this.limiter.hit(key, limit, WINDOW_SECONDS);
      if (!r.allowed || r.remaining <= 0) {
        const ttl = Math.max(1, Math.ceil((r.reset - Date.now()) / 1000));
        await this.cache.set(`blocked:${key}`, 1, ttl);
      }
    }
  }

  async succeeded(username: string): Promise<void> {
    const [userKey] = this.keys(username, "");
    if (userKey) await this.limiter.reset(userKey.key, userKey.limit, WINDOW_SECONDS);
  }
}
