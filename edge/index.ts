import type { Config } from "../config.ts";
import { MemoryCache, MemoryLock, MemoryPubSub, MemoryRateLimiter } from "./memory.ts";
import { RedisCache, RedisLock, RedisPubSub, RedisRateLimiter } from "./redis.ts";
import type { Cache, Lock, PubSub, RateLimiter } from "./types.ts";
import { UpstashCache, UpstashLock, UpstashRateLimiter } from "./upstash.ts";

export interface Edge {
  cache: Cache;
  lock: Lock;
  limiter: RateLimiter;
  pubsub: PubSub;
  close(): Promise<void>;
}

/**
 * Picks each adapter from the configuration: Upstash Redis (REST) over Redis
 * (REDIS_URL) over in-process. Pub/sub needs a live connection: Redis or memory.
 */
export function createEdge(config: Pick<Config, "upstashRedis" | "redisUrl">): Edge {
  const closers: Array<() => unknown> = [];
  let cache: Cache;
  let lock: Lock;
  let limiter: RateLimiter;
  if (config.upstashRedis) {
    cache = new UpstashCache(config.upstashRedis);
    lock = new UpstashLock(config.upstashRedis);
    limiter = new UpstashRateLimiter(config.upstashRedis);
  } else if (config.redisUrl) {
    const redisCache = new RedisCache(config.redisUrl);
    const redisLock = new RedisLock(config.redisUrl);
    const redisLimiter = new RedisRateLimiter(config.redisUrl);
    cache = redisCache;
    lock = redisLock;
    limiter = redisLimiter;
    closers.push(
      () => redisCache.close(),
      () => redisLock.close(),
      () => redisLimiter.close(),
    );
  } else {
    const memoryCache = new MemoryCache();
    const memoryLock = new MemoryLock();
    const memoryLimiter = new MemoryRateLimiter();
    cache = memoryCache;
    lock = memoryLock;
    limiter = memoryLimiter;
    closers.push(
      () => memoryCache.close(),
      () => memoryLock.close(),
      () => memoryLimiter.close(),
    );
  }
  const pubsub: PubSub = config.redisUrl ? new RedisPubSub(config.redisUrl) : new MemoryPubSub();
  closers.push(() => pubsub.close());
  return {
    cache,
    lock,
    limiter,
    pubsub,
    async close() {
      for (const close of closers) await close();
    },
  };
}
