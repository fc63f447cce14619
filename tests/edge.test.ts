/**
 * One contract suite for every edge adapter: memory, Redis (real redis-server)
 * and Upstash (REST shim in front of that same redis-server).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RedisClient } from "bun";
import { MemoryCache, MemoryLock, MemoryPubSub, MemoryRateLimiter } from "../edge/memory.ts";
import { RedisCache, RedisLock, RedisPubSub, RedisRateLimiter } from "../edge/redis.ts";
import type { Cache, Lock, PubSub, RateLimiter } from "../edge/types.ts";
import { UpstashCache, UpstashLock, UpstashRateLimiter } from "../edge/upstash.ts";
import { type RedisServer, startRedisServer } from "./helpers/redis-server.ts";
import { startUpstashShim, type UpstashShim } from "./helpers/upstash-shim.ts";

let redis: RedisServer;
let shim: UpstashShim;

beforeAll(async () => {
  redis = await startRedisServer();
  shim = await startUpstashShim(redis.url);
});

afterAll(async () => {
  await shim?.stop();
  await redis?.stop();
});

/** A fresh prefix per adapter instance, so suites sharing one redis-server never collide. */
const freshPrefix = () => `test:${crypto.randomUUID()}:`;
const upstash = () => ({ url: shim.url, token: shim.token, prefix: freshPrefix() });

interface Impl<T> {
  name: string;
  make(): T;
}

const caches: Impl<Cache>[] = [
  { name: "memory", make: () => new MemoryCache() },
  { name: "redis", make: () => new RedisCache(redis.url, { prefix: freshPrefix() }) },
  { name: "upstash", make: () => new UpstashCache(upstash()) },
];
const locks: Impl<Lock>[] = [
  { name: "memory", make: () => new MemoryLock() },
  { name: "redis", make: () => new RedisLock(redis.url, { prefix: freshPrefix() }) },
  { name: "upstash", make: () => new UpstashLock(upstash()) },
];
const limiters: Impl<RateLimiter>[] = [
  { name: "memory", make: () => new MemoryRateLimiter() },
  { name: "redis", make: () => new RedisRateLimiter(redis.url, { prefix: freshPrefix() }) },
  { name: "upstash", make: () => new UpstashRateLimiter(upstash()) },
];

/** Closes what an adapter opened (connections, sweep timers), if it can. */
function dispose(adapter: unknown): void {
  (adapter as { close?: () => unknown } | undefined)?.close?.();
}

for (const impl of caches) {
  describe(`Cache (${impl.name})`, () => {
    let cache: Cache;
    beforeAll(() => {
      cache = impl.make();
    });
    afterAll(() => dispose(cache));

    test("reports its adapter", () => {
      expect(cache.adapter).toBe(impl.name);
    });

    test("round-trips JSON values and misses unknown keys", async () => {
      const value = { title: "Héllo ♫ wörld", tracks: [1, 2, 3], live: true, nested: { n: null } };
      await cache.set("album", value);
      expect(await cache.get("album")).toEqual(value);
      await cache.set("plain", "just a string");
      expect(await cache.get<string>("plain")).toBe("just a string");
      expect(await cache.get("never-set")).toBeUndefined();
    });

    test("expires entries after their TTL; no TTL means no expiry", async () => {
      await cache.set("short", 1, 1);
      await cache.set("forever", 2);
      await cache.set("was-short", 3, 1);
      await cache.set("was-short", 4); // overwriting without a TTL drops the old one
      expect(await cache.get("short")).toBe(1);
      await Bun.sleep(1_100);
      expect(await cache.get("short")).toBeUndefined();
      expect(await cache.get("forever")).toBe(2);
      expect(await cache.get("was-short")).toBe(4);
    });

    test("delete removes an entry", async () => {
      await cache.set("doomed", { a: 1 });
      await cache.delete("doomed");
      expect(await cache.get("doomed")).toBeUndefined();
      await cache.delete("doomed"); // deleting a missing key is fine
    });

    test("bump invalidates keys built on the old version", async () => {
      expect(await cache.version("artists")).toBe(0);
      const v0 = await cache.version("artists");
      await cache.set(`artists:v${v0}:list`, ["a", "b"]);
      expect(await cache.bump("artists")).toBe(1);
      const v1 = await cache.version("artists");
      expect(v1).toBe(1);
      expect(await cache.get(`artists:v${v1}:list`)).toBeUndefined();
      expect(await cache.bump("artists")).toBe(2);
      expect(await cache.version("albums")).toBe(0); // families are independent
    });

    test("rejects values that are not JSON", async () => {
      await expect(cache.set("bad", undefined)).rejects.toThrow(TypeError);
    });
  });
}

for (const impl of locks) {
  describe(`Lock (${impl.name})`, () => {
    let lock: Lock;
    beforeAll(() => {
      lock = impl.make();
    });
    afterAll(() => dispose(lock));

    test("is exclusive until released by its owner", async () => {
      const token = await lock.acquire("scan", 5_000);
      expect(token).toBeString();
      expect(await lock.acquire("scan", 5_000)).toBeNull();
      expect(await lock.acquire("other", 5_000)).toBeString(); // keys are independent

      expect(await lock.release("scan", "not-the-owner")).toBe(false);
      expect(await lock.acquire("scan", 5_000)).toBeNull(); // still held

      expect(await lock.release("scan", token as string)).toBe(true);
      expect(await lock.release("scan", token as string)).toBe(false); // only once
      const next = await lock.acquire("scan", 5_000);
      expect(next).toBeString();
      expect(next).not.toBe(token);
    });

    test("frees itself when the lease runs out", async () => {
      const stale = (await lock.acquire("lease", 300)) as string;
      expect(stale).toBeString();
      await Bun.sleep(400);
      const fresh = await lock.acquire("lease", 5_000);
      expect(fresh).toBeString();
      // The old owner can neither extend nor release the new holder's lock.
      expect(await lock.extend("lease", stale, 5_000)).toBe(false);
      expect(await lock.release("lease", stale)).toBe(false);
      expect(await lock.acquire("lease", 5_000)).toBeNull();
    });

    test("only the owner can extend the lease", async () => {
      const token = (await lock.acquire("extend", 300)) as string;
      expect(await lock.extend("extend", "not-the-owner", 5_000)).toBe(false);
      expect(await lock.extend("extend", token, 1_500)).toBe(true);
      await Bun.sleep(400);
      expect(await lock.acquire("extend", 5_000)).toBeNull(); // outlived the first lease
      expect(await lock.release("extend", token)).toBe(true);
    });
  });
}

for (const impl of limiters) {
  describe(`RateLimiter (${impl.name})`, () => {
    let limiter: RateLimiter;
    beforeAll(() => {
      limiter = impl.make();
    });
    afterAll(() => dispose(limiter));

    test("allows `limit` hits per window, then denies", async () => {
      const before = Date.now();
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await limiter.hit("login:ann", 3, 60));
      expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
      expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
      for (const { reset } of results) {
        expect(reset).toBeGreaterThan(before);
        expect(reset).toBeLessThanOrEqual(Date.now() + 60_000);
      }
      expect((await limiter.hit("login:bob", 3, 60)).allowed).toBe(true); // keys are independent
    });

    test("reset clears the hits of that key only", async () => {
      for (let i = 0; i < 3; i++) await limiter.hit("reset:a*", 2, 60);
      await limiter.hit("reset:ab", 2, 60);
      await limiter.hit("reset:ab", 2, 60);
      expect((await limiter.hit("reset:a*", 2, 60)).allowed).toBe(false);

      await limiter.reset("reset:a*", 2, 60);
      expect(await limiter.hit("reset:a*", 2, 60)).toMatchObject({ allowed: true, remaining: 1 });
      // A glob-looking key must not reset its look-alikes.
      expect((await limiter.hit("reset:ab", 2, 60)).allowed).toBe(false);
    });

    test("a new window starts afresh", async () => {
      await limiter.hit("window", 1, 1);
      const denied = await limiter.hit("window", 1, 1);
      expect(denied.allowed).toBe(false);
      await Bun.sleep(Math.max(0, denied.reset - Date.now()) + 50);
      expect((await limiter.hit("window", 1, 1)).allowed).toBe(true);
    });
  });
}

/** Resolves with the next message a handler receives, or rejects after `ms`. */
function nextMessage(ms = 2_000): {
  handler: (message: string) => void;
  received: Promise<string>;
  all: string[];
} {
  const all: string[] = [];
  let resolve: (message: string) => void = () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const received = new Promise<string>((res, rej) => {
    resolve = (message) => {
      clearTimeout(timer);
      res(message);
    };
    timer = setTimeout(() => rej(new Error("no message within timeout")), ms);
  });
  // Tests that expect silence never await it: keep its timeout from surfacing elsewhere.
  received.catch(() => {});
  return {
    all,
    received,
    handler: (message) => {
      all.push(message);
      resolve(message);
    },
  };
}

const pubsubs: Impl<{ publisher: PubSub; subscriber: PubSub }>[] = [
  {
    name: "memory",
    make: () => {
      const bus = new MemoryPubSub(); // in-process: publisher and subscriber are one bus
      return { publisher: bus, subscriber: bus };
    },
  },
  {
    // Two instances, two sets of connections: delivery really goes through Redis.
    name: "redis",
    make: () => {
      const prefix = freshPrefix();
      return {
        publisher: new RedisPubSub(redis.url, { prefix }),
        subscriber: new RedisPubSub(redis.url, { prefix }),
      };
    },
  },
];

for (const impl of pubsubs) {
  describe(`PubSub (${impl.name})`, () => {
    let publisher: PubSub;
    let subscriber: PubSub;
    beforeAll(() => {
      ({ publisher, subscriber } = impl.make());
    });
    afterAll(async () => {
      await publisher.close();
      await subscriber.close();
    });

    test("delivers to every subscriber of the channel, and stops after unsubscribe", async () => {
      const first = nextMessage();
      const second = nextMessage();
      const elsewhere = nextMessage();
      const unsubFirst = await subscriber.subscribe("scan", first.handler);
      const unsubSecond = await subscriber.subscribe("scan", second.handler);
      const unsubElsewhere = await subscriber.subscribe("other", elsewhere.handler);

      await publisher.publish("scan", "started");
      expect(await first.received).toBe("started");
      expect(await second.received).toBe("started");

      await unsubFirst();
      const after = nextMessage();
      const unsubAfter = await subscriber.subscribe("scan", after.handler);
      await publisher.publish("scan", "finished");
      // Delivery is in order on one connection: once `after` has it, `first` would have too.
      expect(await after.received).toBe("finished");
      expect(first.all).toEqual(["started"]);
      expect(second.all).toEqual(["started", "finished"]);
      expect(elsewhere.all).toEqual([]);

      await unsubSecond();
      await unsubAfter();
      await unsubElsewhere();
      await unsubElsewhere(); // idempotent
    });

    test("reports its adapter", () => {
      expect(publisher.adapter).toBe(impl.name);
      expect(subscriber.adapter).toBe(impl.name);
    });
  });
}

describe("RedisPubSub on the wire", () => {
  test("unsubscribing the last handler unsubscribes the connection", async () => {
    const prefix = freshPrefix();
    const pubsub = new RedisPubSub(redis.url, { prefix });
    const probe = new RedisClient(redis.url);
    try {
      const numsub = async () =>
        ((await probe.send("PUBSUB", ["NUMSUB", `${prefix}jobs`])) as [string, number])[1];
      const a = await pubsub.subscribe("jobs", () => {});
      const b = await pubsub.subscribe("jobs", () => {});
      expect(await numsub()).toBe(1); // one Redis subscription, local fan-out
      await a();
      expect(await numsub()).toBe(1);
      await b();
      expect(await numsub()).toBe(0);
    } finally {
      probe.close();
      await pubsub.close();
    }
  });
});

/** Polls `step` until it returns true, or fails the test after `ms`. */
async function eventually(step: () => Promise<boolean>, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await step())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(25);
  }
}

describe("RedisPubSub reconnects", () => {
  test("restores subscriptions after the connection drops, without duplicates", async () => {
    const prefix = freshPrefix();
    const publisher = new RedisPubSub(redis.url, { prefix });
    const subscriber = new RedisPubSub(redis.url, { prefix });
    const probe = new RedisClient(redis.url);
    try {
      const got: string[] = [];
      await subscriber.subscribe("events", (message) => got.push(message));
      await probe.send("CLIENT", ["KILL", "TYPE", "pubsub"]);
      // Bun reconnects by itself; keep publishing until the restored subscription hears us.
      await eventually(async () => {
        await publisher.publish("events", "back");
        return got.includes("back");
      });
      got.length = 0;
      await publisher.publish("events", "once");
      await publisher.publish("events", "end");
      await eventually(async () => got.includes("end"));
      expect(got.filter((m) => m === "once")).toEqual(["once"]);
    } finally {
      probe.close();
      await publisher.close();
      await subscriber.close();
    }
  });
});

describe("test helpers", () => {
  test("startRedisServer fails loudly when redis-server is missing", async () => {
    await expect(startRedisServer({ bin: "redis-server-that-does-not-exist" })).rejects.toThrow(
      "apt-get install redis-server",
    );
  });

  test("the Upstash shim refuses a wrong token", async () => {
    const res = await fetch(shim.url, {
      method: "POST",
      headers: { authorization: "Bearer wrong" },
      body: JSON.stringify(["PING"]),
    });
    expect(res.status).toBe(401);
    const cache = new UpstashCache({ url: shim.url, token: "wrong", prefix: freshPrefix() });
    await expect(cache.get("x")).rejects.toThrow();
  });

  test("the Upstash shim answers errors as Upstash does", async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${shim.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${shim.token}` },
        body: JSON.stringify(body),
      });
    const bad = await post("/", ["NOSUCHCOMMAND"]);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain("unknown command");
    const piped = await post("/pipeline", [
      ["SET", "shim:k", "v"],
      ["NOSUCHCOMMAND"],
      ["GET", "shim:k"],
    ]);
    const replies = await piped.json();
    expect(replies[0]).toEqual({ result: "OK" });
    expect(replies[1].error).toContain("unknown command");
    expect(replies[2]).toEqual({ result: "v" });
    const tx = await post("/multi-exec", [
      ["INCR", "shim:n"],
      ["INCR", "shim:n"],
    ]);
    expect(await tx.json()).toEqual([{ result: 1 }, { result: 2 }]);
  });
});
