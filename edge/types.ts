/**
 * Contracts for the shared services Bandstand leans on. Each has an in-process
 * default (one machine, `bun run start`) and adapters for Redis / Upstash so
 * several instances can share state.
 */

export interface Cache {
  readonly adapter: string;
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores a JSON-serialisable value; `ttlSeconds` omitted means no expiry. */
  set(key: string, value: unknown, ttlSeconds?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Current version of a key family (0 when never bumped). Build keys with it. */
  version(family: string): Promise<number>;
  /** Increments a family's version, so every key built on the old one is stale. */
  bump(family: string): Promise<number>;
}

export interface Lock {
  readonly adapter: string;
  /** Returns an owner token when the lock was free (or its lease ran out), else null. */
  acquire(key: string, leaseMs: number): Promise<string | null>;
  /** Prolongs the lease; false when the token no longer owns the lock. */
  extend(key: string, token: string, leaseMs: number): Promise<boolean>;
  /** Releases only when the token owns the lock. */
  release(key: string, token: string): Promise<boolean>;
}

export interface RateLimitResult {
  allowed: boolean;
  remaining: number;
  /** Epoch ms at which the window resets. */
  reset: number;
}

export interface RateLimiter {
  readonly adapter: string;
  /** Counts one hit against `key` in a fixed window of `windowSeconds`. */
  hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult>;
  /** Forgets the hits of `key` (after a successful login, say). */
  reset(key: string, limit: number, windowSeconds: number): Promise<void>;
}

export type Unsubscribe = () => Promise<void>;

export interface PubSub {
  readonly adapter: string;
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe>;
  close(): Promise<void>;
}
