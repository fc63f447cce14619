import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** Typed configuration read once from the environment, with embedded defaults. */
export interface Config {
  port: number;
  dataDir: string;
  musicDirs: string[];
  databaseUrl: string;
  databaseAuthToken?: string;
  databaseSyncUrl?: string;
  publicUrl: string;
  /** 32 bytes: encrypts Subsonic passwords, signs nothing else. */
  secret: Uint8Array;
  adminUser?: string;
  adminPassword?: string;
  upstashRedis?: { url: string; token: string };
  redisUrl?: string;
  qstash?: {
    token: string;
    url?: string;
    currentSigningKey: string;
    nextSigningKey: string;
  };
  ffmpegPath: string;
  /** Largest accepted upload, bytes. */
  uploadMaxBytes: number;
  /** Tag-reading workers a scan uses. */
  scanWorkers: number;
  /** Analyse new tracks after each scan (loudness, waveform, BPM). */
  autoAnalyze: boolean;
  /** Size of the audio analysis worker pool. */
  audioWorkers: number;
  /** Separators that split one artist tag value into several artists; undefined: the tag reader's defaults. */
  artistSeparators?: string[];
  /** How long a job delivery may take before it is retried; chunks stay well inside it. */
  jobTimeoutMs: number;
  /** Believe X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy: boolean;
  logLevel: "debug" | "info" | "warn" | "error";
  /** ffmpeg transcodes allowed at once; more are answered 429. */
  maxTranscodes: number;
  /** Bound of the transcode cache, bytes (enforced by the clean-cache job). */
  transcodeCacheBytes: number;
  /** `c` values (case-insensitive prefixes) of Subsonic clients that get plain 1.16.1 XML. */
  legacyClients: string[];
  /** Largest podcast episode a download keeps, bytes. */
  podcastMaxBytes: number;
  /** Memory for rendered Subsonic browsing answers (routes/subsonic/cache.ts), bytes; 0 turns it off. */
  subsonicCacheBytes: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function port(env: Env): number {
  const raw = str(env, "PORT");
  if (raw === undefined) return 3000;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 0 || n > 65535) {
    throw new ConfigError("PORT", `must be an integer between 0 and 65535, got "${raw}"`);
  }
  return n;
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `is not a valid URL: "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(" or ")}, got "${parsed.protocol}"`);
  }
  return raw;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function bool(env: Env, name: string): boolean {
  const raw = str(env, name)?.toLowerCase();
  if (raw === undefined || raw === "0" || raw === "false") return false;
  if (raw === "1" || raw === "true") return true;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

/**
 * Subsonic clients whose XML parsers break on OpenSubsonic additions. Clementine
 * and its fork Strawberry share one parser; DSub also covers DSub2000.
 */
const LEGACY_CLIENTS = ["DSub", "Clementine", "Strawberry"];

/** Comma-separated client name prefixes; "none" turns legacy mode off. */
function legacyClients(env: Env): string[] {
  const name = "BANDSTAND_LEGACY_CLIENTS";
  const raw = str(env, name);
  if (raw === undefined) return LEGACY_CLIENTS;
  if (raw.toLowerCase() === "none") return [];
  return raw.split(",").map((entry) => {
    const c = entry.trim();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting them is the point.
    if (!c || c.length > 100 || /[\u0000-\u001F\u007F]/.test(c)) {
      throw new ConfigError(name, `must be client names separated by commas, got "${raw}"`);
    }
    return c;
  });
}

/** Requires both or neither of two variables. */
function pair(env: Env, a: string, b: string): [string, string] | undefined {
  const va = str(env, a);
  const vb = str(env, b);
  if (!va && !vb) return undefined;
  if (!va) throw new ConfigError(a, `is required when ${b} is set`);
  if (!vb) throw new ConfigError(b, `is required when ${a} is set`);
  return [va, vb];
}

function secret(env: Env, dataDir: string): Uint8Array {
  const raw = str(env, "BANDSTAND_SECRET");
  if (raw !== undefined) {
    if (raw.length < 16)
      throw new ConfigError("BANDSTAND_SECRET", "must be at least 16 characters");
    // Derive a fixed-length key so any passphrase works as AES-256 key material.
    return new Bun.CryptoHasher("sha256").update(raw).digest() as Uint8Array;
  }
  return new Uint8Array(readOrCreateKeyFile(join(dataDir, "secret.key"), 32));
}

/** Reads a random key from the data dir, writing one (mode 0600) the first time. */
export function readOrCreateKeyFile(path: string, bytes: number): Buffer {
  if (existsSync(path)) {
    const key = Buffer.from(readFileSync(path, "utf8").trim(), "base64");
    if (key.length === bytes) return key;
    throw new ConfigError(path, `holds a key of ${key.length} bytes, expected ${bytes}`);
  }
  const key = Buffer.from(crypto.getRandomValues(new Uint8Array(bytes)));
  writeFileSync(path, key.toString("base64"), { mode: 0o600 });
  return key;
}

export function loadConfig(env: Env = process.env): Config {
  const p = port(env);
  const dataDir = resolve(str(env, "BANDSTAND_DATA_DIR") ?? "./data");
  const musicDirs = (str(env, "BANDSTAND_MUSIC_DIR") ?? "./music")
    .split(":")
    .filter(Boolean)
    .map((d) => resolve(d));
  const publicUrl = (
    url(env, "PUBLIC_URL", ["http:", "https:"]) ?? `http://localhost:${p}`
  ).replace(/\/+$/, "");
  const databaseUrl =
    url(env, "DATABASE_URL", ["file:", "libsql:", "http:", "https:", "ws:", "wss:"]) ??
    `file:${join(dataDir, "bandstand.db")}`;
  const databaseSyncUrl = url(env, "DATABASE_SYNC_URL", ["libsql:", "http:", "https:"]);
  const upstash = pair(env, "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN");
  if (upstash) url(env, "UPSTASH_REDIS_REST_URL", ["http:", "https:"]);
  const redisUrl = url(env, "REDIS_URL", ["redis:", "rediss:"]);
  const qstashToken = str(env, "QSTASH_TOKEN");
  let qstash: Config["qstash"];
  if (qstashToken) {
    const keys = pair(env, "QSTASH_CURRENT_SIGNING_KEY", "QSTASH_NEXT_SIGNING_KEY");
    if (!keys) throw new ConfigError("QSTASH_CURRENT_SIGNING_KEY", "is required with QSTASH_TOKEN");
    qstash = {
      token: qstashToken,
      url: url(env, "QSTASH_URL", ["http:", "https:"]),
      currentSigningKey: keys[0],
      nextSigningKey: keys[1],
    };
  }
  const logLevel = (str(env, "LOG_LEVEL") ?? "info") as Config["logLevel"];
  if (!["debug", "info", "warn", "error"].includes(logLevel)) {
    throw new ConfigError("LOG_LEVEL", "must be debug, info, warn or error");
  }
  const adminUser = str(env, "BANDSTAND_ADMIN_USER");
  const adminPassword = str(env, "BANDSTAND_ADMIN_PASSWORD");
  if (adminUser && !adminPassword) {
    throw new ConfigError("BANDSTAND_ADMIN_PASSWORD", "is required with BANDSTAND_ADMIN_USER");
  }

  mkdirSync(dataDir, { recursive: true });
  return {
    port: p,
    dataDir,
    musicDirs,
    databaseUrl,
    databaseAuthToken: str(env, "DATABASE_AUTH_TOKEN"),
    databaseSyncUrl,
    publicUrl,
    secret: secret(env, dataDir),
    adminUser,
    adminPassword,
    upstashRedis: upstash ? { url: upstash[0], token: upstash[1] } : undefined,
    redisUrl,
    qstash,
    ffmpegPath: str(env, "FFMPEG_PATH") ?? "ffmpeg",
    trustProxy: bool(env, "BANDSTAND_TRUST_PROXY"),
    uploadMaxBytes: int(env, "BANDSTAND_UPLOAD_MAX_MB", 500, 1, 100_000) * 1024 * 1024,
    // One core stays with the main thread, which writes what the workers read (as audioWorkers).
    scanWorkers: int(
      env,
      "BANDSTAND_SCAN_WORKERS",
      Math.max(1, (navigator.hardwareConcurrency || 2) - 1),
      1,
      256,
    ),
    autoAnalyze: !str(env, "BANDSTAND_AUTO_ANALYZE") || bool(env, "BANDSTAND_AUTO_ANALYZE"),
    audioWorkers: int(
      env,
      "BANDSTAND_AUDIO_WORKERS",
      Math.max(1, (navigator.hardwareConcurrency || 2) - 1),
      1,
      256,
    ),
    artistSeparators: str(env, "BANDSTAND_ARTIST_SEPARATORS")?.split("|"),
    jobTimeoutMs: int(env, "BANDSTAND_JOB_TIMEOUT", 60, 3, 3600) * 1000,
    logLevel,
    maxTranscodes: int(
      env,
      "BANDSTAND_MAX_TRANSCODES",
      2 * (navigator.hardwareConcurrency || 2),
      1,
      1024,
    ),
    transcodeCacheBytes:
      int(env, "BANDSTAND_TRANSCODE_CACHE_MB", 1024, 0, 10_000_000) * 1024 * 1024,
    legacyClients: legacyClients(env),
    podcastMaxBytes: int(env, "BANDSTAND_PODCAST_MAX_MB", 500, 1, 100_000) * 1024 * 1024,
    subsonicCacheBytes: int(env, "BANDSTAND_SUBSONIC_CACHE_MB", 32, 0, 100_000) * 1024 * 1024,
  };
}
