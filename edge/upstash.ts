/**
 * Edge adapters over Upstash's REST API (for hosts without a TCP Redis).
 * Key layout matches edge/redis.ts. Pub/sub is not offered here: it needs a
 * long-lived connection, so it lives on REDIS_URL (RedisPubSub).
 */
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { encodeJson, leaseToMs, ttlToMs } from "./memory.ts";
import { EXTEND_SCRIPT, RELEASE_SCRIPT } from "./redis.ts";
import type { Cache, Lock, RateLimiter, RateLimitResult } from "./types.ts";

export interface UpstashAdapterOptions {
  /** UPSTASH_REDIS_REST_URL */
  url: string;
  /** UPSTASH_REDIS_REST_TOKEN */
  token: string;
  /** Prepended to every key; default "bandstand:". */
  prefix?: string;
}

abstract class UpstashAdapter {
  readonly adapter = "upstash";
  protected readonly redis: Redis;
  protected readonly prefix: string;

  constructor(options: UpstashAdapterOptions) {
    // We store JSON text ourselves, so take replies raw rather than auto-parsed.
    this.redis = new Redis({
      url: options.url,
      token: options.token,
      automaticDeserialization: false,
    });
    this.prefix = options.prefix ?? "bandstand:";
  }
}

export class UpstashCache extends UpstashAdapter implements Cache {
  async get<T = unknown>(key: string): Promise<T | undefined> {
    const json = await this.redis.get<string>(`${this.prefix}cache:${key}`);
    return json === null ? undefined : (JSON.parse(json) as T);
  }

  async set(key: string, value: unknown, ttlSeconds?: number): Promise<void> {
    const json = encodeJson(value);
    const fullKey = `${this.prefix}cache:${key}`;
    if (ttlSeconds === undefined) await this.redis.set(fullKey, json);
    else await this.redis.set(fullKey, json, { px: ttlToMs(ttlSeconds) });
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(`${this.prefix}cache:${key}`);
  }

  async version(family: string): Promise<number> {
    return Number((await this.redis.get<string>(`${this.prefix}v:${family}`)) ?? 0);
  }

  async bump(family: string): Promise<number> {
    return this.redis.incr(`${this.prefix}v:${family}`);
  }
}

/**
 * SET NX PX + compare-and-set EVAL rather than @upstash/lock: its Lock object
 * keeps the token inside itself (release/extend can't take one), retries
 * acquisition by default, and extends by whole seconds on top of the TTL
 * instead of setting a new lease.
 */
export class UpstashLock extends UpstashAdapter implements Lock {
  async acquire(key: string, leaseMs: number): Promise<string | null> {
    const token = crypto.randomUUID();
    const ok = await this.redis.set(`${this.prefix}lock:${key}`, token, {
      nx: true,
      px: leaseToMs(leaseMs),
    });
    return ok === "OK" ? token : null;
  }

  async extend(key: string, token: string, leaseMs: number): Promise<boolean> {
    const lease = String(leaseToMs(leaseMs));
    const n = await this.redis.eval(EXTEND_SCRIPT, [`${this.prefix}lock:${key}`], [token, lease]);
    return n === 1;
  }

  async release(key: string, token: string): Promise<boolean> {
    const n = await this.redis.eval(RELEASE_SCRIPT, [`${this.prefix}lock:${key}`], [token]);
    return n === 1;
  }
}

export class UpstashRateLimiter extends UpstashAdapter implements RateLimiter {
  /** One Ratelimit per (limit, window): the algorithm is fixed at construction. */
  private readonly limiters = new Map<string, Ratelimit>();

  private limiter(limit: number, windowSeconds: number): Ratelimit {
    const windowMs = ttlToMs(windowSeconds);
    const id = `${limit}:${windowMs}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new Ratelimit({
        redis: this.redis,
        limiter: Ratelimit.fixedWindow(limit, `${windowMs} ms`),
        // Keys come out as <prefix>rl:<seconds>:<key>:<window number>, as in RedisRateLimiter.
        prefix: `${this.prefix}rl:${windowMs / 1000}`,
        // No in-process block list: it would outlive a reset() made by another instance.
        ephemeralCache: false,
        // No fail-open "success" on slow requests: errors surface, as with the other adapters.
        timeout: 0,
        analytics: false,
      });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    const { success, remaining, reset } = await this.limiter(limit, windowSeconds).limit(key);
    return { allowed: success, remaining, reset };
  }

  async reset(key: string, _limit: number, windowSeconds: number): Promise<void> {
    // Delete the current window's counter directly: the library's resetUsedTokens
    // SCANs the whole keyspace, which blocks a large Redis.
    const windowMs = ttlToMs(windowSeconds);
    const bucket = Math.floor(Date.now() / windowMs);
    await this.redis.del(`${this.prefix}rl:${windowMs / 1000}:${key}:${bucket}`);
  }
}
