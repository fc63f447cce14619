/**
 * In-process defaults for the edge contracts: one machine, no Redis.
 * Expired entries are dropped lazily on read, plus a periodic sweep so keys
 * that are never read again do not pile up.
 */
import type { Cache, Lock, PubSub, RateLimiter, RateLimitResult, Unsubscribe } from "./types.ts";

const SWEEP_EVERY_MS = 60_000;

/** Milliseconds for an optional TTL in seconds; shared so every adapter validates alike. */
export function ttlToMs(ttlSeconds: number): number {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`TTL must be a positive number of seconds, got ${ttlSeconds}`);
  }
  return Math.max(1, Math.round(ttlSeconds * 1000));
}

/** Validates a lease; Redis PX needs a positive integer. */
export function leaseToMs(leaseMs: number): number {
  if (!Number.isFinite(leaseMs) || leaseMs <= 0) {
    throw new RangeError(`Lease must be a positive number of ms, got ${leaseMs}`);
  }
  return Math.ceil(leaseMs);
}

/** JSON text for a cache value; undefined/functions have none, so refuse them. */
export function encodeJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError("Cache values must be JSON-serialisable");
  return json;
}

/** Calls `sweep` now and then without keeping the process alive. */
function startSweeper(sweep: () => void): ReturnType<typeof setInterval> {
  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  timer.unref();
  return timer;
}

interface Entry {
  json: string;
  expiresAt: number; // Infinity when the key has no TTL
}

export class MemoryCache implements Cache {
  readonly adapter = "memory";
  // JSON text rather than the object, so callers get copies (as with Redis).
  private readonly entries = new Map<string, Entry>();
  private readonly versions = new Map<string, number>();
  private readonly sweeper = startSweeper(() => {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
  });

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return JSON.parse(entry.json) as T;
  }

  async set(key: string, value: unknown, ttlSeconds?: number): Promise<void> {
    const expiresAt =
      ttlSeconds === undefined ? Number.POSITIVE_INFINITY : Date.now() + ttlToMs(ttlSeconds);
    this.entries.set(key, { json: encodeJson(value), expiresAt });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async version(family: string): Promise<number> {
    return this.versions.get(family) ?? 0;
  }

  async bump(family: string): Promise<number> {
    const next = (this.versions.get(family) ?? 0) + 1;
    this.versions.set(family, next);
    return next;
  }

  /** Stops the sweep timer (optional: it is unref'd anyway). */
  close(): void {
    clearInterval(this.sweeper);
  }
}

interface Held {
  token: string;
  expiresAt: number;
}

export class MemoryLock implements Lock {
  readonly adapter = "memory";
  private readonly held = new Map<string, Held>();
  private readonly sweeper = startSweeper(() => {
    const now = Date.now();
    for (const [key, lock] of this.held) {
      if (lock.expiresAt <= now) this.held.delete(key);
    }
  });

  /** The live lock on `key`, forgetting it when its lease has run out. */
  private current(key: string): Held | undefined {
    const lock = this.held.get(key);
    if (lock && lock.expiresAt <= Date.now()) {
      this.held.delete(key);
      return undefined;
    }
    return lock;
  }

  async acquire(key: string, leaseMs: number): Promise<string | null> {
    const lease = leaseToMs(leaseMs);
    if (this.current(key)) return null;
    const token = crypto.randomUUID();
    this.held.set(key, { token, expiresAt: Date.now() + lease });
    return token;
  }

  async extend(key: string, token: string, leaseMs: number): Promise<boolean> {
    const lease = leaseToMs(leaseMs);
    const lock = this.current(key);
    if (lock?.token !== token) return false;
    lock.expiresAt = Date.now() + lease;
    return true;
  }

  async release(key: string, token: string): Promise<boolean> {
    if (this.current(key)?.token !== token) return false;
    this.held.delete(key);
    return true;
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

interface Counter {
  start: number;
  end: number;
  count: number;
}

export class MemoryRateLimiter implements RateLimiter {
  readonly adapter = "memory";
  private readonly windows = new Map<string, Counter>();
  private readonly sweeper = startSweeper(() => {
    const now = Date.now();
    for (const [key, counter] of this.windows) {
      if (counter.end <= now) this.windows.delete(key);
    }
  });

  // Different window lengths on the same key count separately, as in Redis.
  private static id(key: string, windowSeconds: number): string {
    return `${windowSeconds}:${key}`;
  }

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    const windowMs = ttlToMs(windowSeconds);
    const now = Date.now();
    const start = Math.floor(now / windowMs) * windowMs;
    const id = MemoryRateLimiter.id(key, windowSeconds);
    let counter = this.windows.get(id);
    if (counter?.start !== start) {
      counter = { start, end: start + windowMs, count: 0 };
      this.windows.set(id, counter);
    }
    // Denied hits count too, matching the INCR-based adapters.
    counter.count += 1;
    return {
      allowed: counter.count <= limit,
      remaining: Math.max(0, limit - counter.count),
      reset: counter.end,
    };
  }

  async reset(key: string, _limit: number, windowSeconds: number): Promise<void> {
    this.windows.delete(MemoryRateLimiter.id(key, windowSeconds));
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

type Handler = (message: string) => void;

export class MemoryPubSub implements PubSub {
  readonly adapter = "memory";
  private readonly channels = new Map<string, Set<Handler>>();

  async publish(channel: string, message: string): Promise<void> {
    // Snapshot, so handlers may (un)subscribe while we deliver.
    for (const handler of [...(this.channels.get(channel) ?? [])]) {
      try {
        handler(message);
      } catch (error) {
        // One faulty subscriber must not starve the others or fail the publisher.
        console.error(`pubsub handler for "${channel}" threw`, error);
      }
    }
  }

  async subscribe(channel: string, handler: Handler): Promise<Unsubscribe> {
    // Wrap so subscribing the same function twice gives two independent subscriptions.
    const subscription: Handler = (message) => handler(message);
    let handlers = this.channels.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.channels.set(channel, handlers);
    }
    handlers.add(subscription);
    return async () => {
      handlers.delete(subscription);
      if (handlers.size === 0 && this.channels.get(channel) === handlers)
        this.channels.delete(channel);
    };
  }

  async close(): Promise<void> {
    this.channels.clear();
  }
}
