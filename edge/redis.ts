/**
 * Edge adapters over Bun's built-in Redis client (REDIS_URL), so several
 * Bandstand instances share cache, locks, rate limits and pub/sub.
 * Key layout matches edge/upstash.ts, so both can point at one database.
 */
import { RedisClient } from "bun";
import { encodeJson, leaseToMs, ttlToMs } from "./memory.ts";
import type { Cache, Lock, PubSub, RateLimiter, RateLimitResult, Unsubscribe } from "./types.ts";

export interface RedisAdapterOptions {
  /** Prepended to every key and channel; default "bandstand:". */
  prefix?: string;
}

/** Shared plumbing: a URL (own connection) or an existing client (shared, not closed by us). */
abstract class RedisAdapter {
  readonly adapter = "redis";
  protected readonly client: RedisClient;
  protected readonly prefix: string;
  private readonly ownsClient: boolean;

  constructor(urlOrClient: string | RedisClient, options: RedisAdapterOptions = {}) {
    this.ownsClient = typeof urlOrClient === "string";
    this.client = typeof urlOrClient === "string" ? new RedisClient(urlOrClient) : urlOrClient;
    this.prefix = options.prefix ?? "bandstand:";
  }

  close(): void {
    if (this.ownsClient) this.client.close();
  }
}

export class RedisCache extends RedisAdapter implements Cache {
  async get<T = unknown>(key: string): Promise<T | undefined> {
    const json = await this.client.get(`${this.prefix}cache:${key}`);
    return json === null ? undefined : (JSON.parse(json) as T);
  }

  async set(key: string, value: unknown, ttlSeconds?: number): Promise<void> {
    const args = [`${this.prefix}cache:${key}`, encodeJson(value)];
    // PX rather than EX so fractional TTLs keep their precision.
    if (ttlSeconds !== undefined) args.push("PX", String(ttlToMs(ttlSeconds)));
    await this.client.send("SET", args);
  }

  async delete(key: string): Promise<void> {
    await this.client.del(`${this.prefix}cache:${key}`);
  }

  async version(family: string): Promise<number> {
    return Number((await this.client.get(`${this.prefix}v:${family}`)) ?? 0);
  }

  async bump(family: string): Promise<number> {
    return this.client.incr(`${this.prefix}v:${family}`);
  }
}

// Compare-and-set scripts: only the token holder may touch the lock, atomically.
export const EXTEND_SCRIPT = `if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`;
export const RELEASE_SCRIPT = `if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`;

export class RedisLock extends RedisAdapter implements Lock {
  async acquire(key: string, leaseMs: number): Promise<string | null> {
    const token = crypto.randomUUID();
    const lease = String(leaseToMs(leaseMs));
    const ok = await this.client.send("SET", [
      `${this.prefix}lock:${key}`,
      token,
      "NX",
      "PX",
      lease,
    ]);
    return ok === "OK" ? token : null;
  }

  async extend(key: string, token: string, leaseMs: number): Promise<boolean> {
    const lease = String(leaseToMs(leaseMs));
    const n = await this.client.send("EVAL", [
      EXTEND_SCRIPT,
      "1",
      `${this.prefix}lock:${key}`,
      token,
      lease,
    ]);
    return n === 1;
  }

  async release(key: string, token: string): Promise<boolean> {
    const n = await this.client.send("EVAL", [
      RELEASE_SCRIPT,
      "1",
      `${this.prefix}lock:${key}`,
      token,
    ]);
    return n === 1;
  }
}

export class RedisRateLimiter extends RedisAdapter implements RateLimiter {
  // Window number (start / length), the same key @upstash/ratelimit's fixedWindow uses.
  private key(key: string, windowMs: number, bucket: number): string {
    return `${this.prefix}rl:${windowMs / 1000}:${key}:${bucket}`;
  }

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    const windowMs = ttlToMs(windowSeconds);
    const bucket = Math.floor(Date.now() / windowMs);
    const counterKey = this.key(key, windowMs, bucket);
    const count = await this.client.incr(counterKey);
    // First hit of the window sets the expiry; later hits leave it alone.
    if (count === 1) await this.client.send("PEXPIRE", [counterKey, String(windowMs)]);
    return {
      allowed: count <= limit,
      remaining: Math.max(0, limit - count),
      reset: (bucket + 1) * windowMs,
    };
  }

  async reset(key: string, _limit: number, windowSeconds: number): Promise<void> {
    const windowMs = ttlToMs(windowSeconds);
    await this.client.del(this.key(key, windowMs, Math.floor(Date.now() / windowMs)));
  }
}

type Handler = (message: string) => void;

interface Channel {
  handlers: Set<Handler>;
  /** Fans a message out to `handlers`; registered once with Redis. */
  listener: Handler;
  /** Settles once Redis has confirmed the SUBSCRIBE. */
  ready: Promise<unknown>;
}

export class RedisPubSub implements PubSub {
  readonly adapter = "redis";
  private readonly url: string;
  private readonly publisher: RedisClient;
  private readonly prefix: string;
  /** A subscribed connection can't issue other commands, so it gets its own, opened lazily. */
  private subscriber: Promise<RedisClient> | undefined;
  /** One Redis subscription per channel, however many local handlers. */
  private readonly channels = new Map<string, Channel>();

  constructor(url: string, options: RedisAdapterOptions = {}) {
    this.url = url;
    this.publisher = new RedisClient(url);
    this.prefix = options.prefix ?? "bandstand:";
  }

  private async openSubscriber(): Promise<RedisClient> {
    const client = new RedisClient(this.url);
    // Bun reconnects on its own but does not restore subscriptions, so we do.
    client.onconnect = () => void this.resubscribe(client);
    await client.connect();
    return client;
  }

  private async resubscribe(client: RedisClient): Promise<void> {
    if (this.channels.size === 0) return; // e.g. the first connect
    try {
      // Bun still holds the old listeners; drop them so each handler runs once.
      await client.unsubscribe();
      for (const [name, { listener }] of this.channels) await client.subscribe(name, listener);
    } catch (error) {
      console.error("pubsub: restoring subscriptions after a reconnect failed", error);
    }
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.publisher.publish(`${this.prefix}${channel}`, message);
  }

  async subscribe(channel: string, handler: Handler): Promise<Unsubscribe> {
    this.subscriber ??= this.openSubscriber().catch((error: unknown) => {
      this.subscriber = undefined; // let the next subscribe try again
      throw error;
    });
    const subscriber = await this.subscriber;
    const name = `${this.prefix}${channel}`;
    let entry = this.channels.get(name);
    if (!entry) {
      const handlers = new Set<Handler>();
      const listener: Handler = (message) => {
        for (const fn of [...handlers]) {
          try {
            fn(message);
          } catch (error) {
            console.error(`pubsub handler for "${channel}" threw`, error);
          }
        }
      };
      const ready = subscriber.subscribe(name, listener).catch((error: unknown) => {
        // Forget a failed channel so the next subscribe retries it.
        if (this.channels.get(name)?.listener === listener) this.channels.delete(name);
        throw error;
      });
      entry = { handlers, listener, ready };
      this.channels.set(name, entry);
    }
    // Wrap so the same function subscribed twice is two subscriptions.
    const subscription: Handler = (message) => handler(message);
    entry.handlers.add(subscription);
    // Concurrent subscribers to a new channel all wait for Redis to confirm.
    await entry.ready;

    const own = entry;
    return async () => {
      if (!own.handlers.delete(subscription) || own.handlers.size > 0) return;
      if (this.channels.get(name) !== own) return;
      this.channels.delete(name);
      await subscriber.unsubscribe(name, own.listener);
    };
  }

  async close(): Promise<void> {
    this.channels.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) (await subscriber.catch(() => undefined))?.close();
    this.publisher.close();
  }
}
