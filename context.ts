import { ApiKeys } from "./auth/apikeys.ts";
import { SecretBox } from "./auth/secretbox.ts";
import { Sessions } from "./auth/sessions.ts";
import { SubsonicAuth } from "./auth/subsonic.ts";
import { LoginThrottle } from "./auth/throttle.ts";
import { Users } from "./auth/users.ts";
import type { Config } from "./config.ts";
import { Database } from "./db/client.ts";
import { createEdge, type Edge } from "./edge/index.ts";
import { Jobs } from "./jobs/jobs.ts";
import { LocalDispatcher } from "./jobs/local-dispatcher.ts";
import { QStashQueue } from "./jobs/qstash-queue.ts";
import type { JobQueue } from "./jobs/queue.ts";
import { registerJobs } from "./jobs/registry.ts";
import { localSigningKeys, type SigningKeys } from "./jobs/signing.ts";
import { Library } from "./library/index.ts";
import { createLogger, type Logger } from "./log.ts";

/** Everything the routes and jobs need, built once per process. */
export interface AppContext {
  config: Config;
  log: Logger;
  database: Database;
  edge: Edge;
  queue: JobQueue;
  /** Keys that job callbacks must be signed with (QStash's, or the dispatcher's own). */
  signingKeys: SigningKeys;
  jobs: Jobs;
  library: Library;
  users: Users;
  sessions: Sessions;
  apiKeys: ApiKeys;
  throttle: LoginThrottle;
  subsonicAuth: SubsonicAuth;
}

export interface ContextOptions {
  log?: Logger;
  /** Lets tests deliver the dispatcher's POSTs into the app without a socket. */
  dispatcherFetch?: (request: Request) => Promise<Response>;
  dispatcherPollMs?: number;
  dispatcherBackoffBaseMs?: number;
}

/** Builds the context; call `open()` (migrations) before serving. */
export function createContext(config: Config, options: ContextOptions = {}): AppContext {
  const log = options.log ?? createLogger(config.logLevel);
  const database = new Database(config);
  const edge = createEdge(config);
  // Cached answers carry these versions in their keys; a write bumps them (db/client.ts).
  database.useFamilies(cacheFamilies(edge));
  const signingKeys: SigningKeys = config.qstash ?? localSigningKeys(config.dataDir);
  let jobs: Jobs | undefined;
  const queue: JobQueue = config.qstash
    ? new QStashQueue(config.publicUrl, config.qstash)
    : new LocalDispatcher({
        database,
        publicUrl: config.publicUrl,
        keys: signingKeys,
        lock: edge.lock,
        log,
        fetch: options.dispatcherFetch,
        timeoutMs: config.jobTimeoutMs,
        pollMs: options.dispatcherPollMs,
        backoffBaseMs: options.dispatcherBackoffBaseMs,
        onDeadLetter: (_name, body, error) => jobs?.deadLettered(body, error) ?? Promise.resolve(),
      });
  jobs = new Jobs(database, queue, edge.pubsub, log, config.jobTimeoutMs);
  const users = new Users(database, new SecretBox(config.secret));
  const apiKeys = new ApiKeys(database);
  const throttle = new LoginThrottle(edge.limiter, edge.cache);
  const ctx: AppContext = {
    config,
    log,
    database,
    edge,
    queue,
    signingKeys,
    jobs,
    library: new Library(database, config, log),
    users,
    sessions: new Sessions(database),
    apiKeys,
    throttle,
    subsonicAuth: new SubsonicAuth(users, apiKeys, throttle, database),
  };
  registerJobs(ctx);
  return ctx;
}

/**
 * Family versions in the edge cache. In memory and in Redis a look-up costs next to nothing
 * and is made every time; over Upstash's REST API each costs a round trip, so a version read
 * is trusted for UPSTASH_VERSION_MS (this instance's own bumps count at once; another
 * instance's within that time).
 */
const UPSTASH_VERSION_MS = 100;

function cacheFamilies(edge: Edge) {
  const cache = edge.cache;
  if (cache.adapter !== "upstash") {
    return {
      version: (family: string) => cache.version(family),
      bump: async (families: string[]) => {
        for (const family of new Set(families)) await cache.bump(family);
      },
    };
  }
  const read = new Map<string, { version: Promise<number>; at: number }>();
  return {
    version: (family: string) => {
      const now = performance.now();
      const known = read.get(family);
      if (known && now - known.at < UPSTASH_VERSION_MS) return known.version;
      const version = cache.version(family);
      read.set(family, { version, at: now });
      version.catch(() => read.delete(family));
      return version;
    },
    bump: async (families: string[]) => {
      for (const family of new Set(families)) {
        const version = await cache.bump(family);
        read.set(family, { version: Promise.resolve(version), at: performance.now() });
      }
    },
  };
}

/** Names, once, which adapter serves each shared concern. */
export function describeAdapters(ctx: AppContext): string {
  const { databaseUrl, databaseSyncUrl } = ctx.config;
  const db = !databaseUrl.startsWith("file:")
    ? `libSQL remote ${new URL(databaseUrl).host}`
    : databaseSyncUrl
      ? `libSQL embedded replica ${databaseUrl.slice(5)} of ${new URL(databaseSyncUrl).host}`
      : `libSQL file ${databaseUrl.slice(5)}`;
  const { cache, lock, limiter, pubsub } = ctx.edge;
  return [
    `database: ${db}`,
    `cache: ${cache.adapter}`,
    `lock: ${lock.adapter}`,
    `rate limit: ${limiter.adapter}`,
    `pub/sub: ${pubsub.adapter}`,
    `jobs: ${ctx.queue.adapter}`,
  ].join(", ");
}
