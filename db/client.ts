import { join } from "node:path";
import {
  type Client,
  createClient,
  type InArgs,
  type InStatement,
  type InValue,
  type TransactionMode,
} from "@libsql/client";
import { expandConfig } from "@libsql/core/config";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import Libsql from "libsql";
import type { Config } from "../config.ts";
import * as schema from "./schema.ts";

export type Db = LibSQLDatabase<typeof schema>;

export const migrationsFolder = join(import.meta.dir, "migrations");

/** Versions of cache families (edge cache `version`/`bump`). */
export interface CacheFamilies {
  version(family: string): Promise<number>;
  bump(families: string[]): Promise<void>;
}

const NO_FAMILIES: CacheFamilies = { version: async () => 0, bump: async () => {} };

/** The family of library data: tracks, albums, artists, genres, folders, covers, tags. */
export const LIBRARY_FAMILY = "library";

/** The family of a user's own marks: stars, ratings, plays (their counts and recency). */
export const annotationsOf = (userId: number) => `annotations:${userId}`;

/** A row of `Database.all`: values by column name (integers as numbers). */
export type ReadRow = Record<string, unknown>;

type Statement = Libsql.Statement;

/** Statements that only read: they leave the commit version alone. */
const READS = /^\s*(SELECT|EXPLAIN)\b/i;

/** How often `PRAGMA data_version` is read to notice commits of other processes. */
const DATA_VERSION_EVERY_MS = 100;

/** Statements kept prepared on the read connection; ours are a few dozen fixed texts. */
const MAX_STATEMENTS = 256;

/**
 * A read-only connection of its own on a local database file: each statement is prepared
 * once and kept, where the client prepares and describes every statement on every call
 * (which costs more than running most of ours). It never writes, so `PRAGMA data_version`
 * on it changes whenever anyone else commits: this process, the CLI, another process.
 */
class ReadConnection {
  private readonly statements = new Map<string, Statement>();
  private readonly conn: Libsql.Database;
  private readonly dataVersion: Statement;

  constructor(path: string) {
    this.conn = new Libsql(path, { timeout: 5000 });
    this.conn.exec("PRAGMA query_only=ON");
    this.conn.exec("PRAGMA cache_size=-16384");
    this.dataVersion = this.conn.prepare("PRAGMA data_version").raw(true);
  }

  all(sql: string, args: InValue[]): ReadRow[] {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size >= MAX_STATEMENTS) this.statements.clear();
      stmt = this.conn.prepare(sql);
      this.statements.set(sql, stmt);
    }
    // libsql binds numbers, strings, null and blobs; booleans are 1/0, as the client sends them.
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (typeof a === "boolean") args[i] = a ? 1 : 0;
      else if (a instanceof Date) args[i] = a.valueOf();
    }
    // An array as the single argument binds positionally (spread, a lone null would not).
    return stmt.all(args) as ReadRow[];
  }

  version(): number {
    return Number((this.dataVersion.get([]) as unknown[])[0]);
  }

  close(): void {
    this.statements.clear();
    this.conn.close();
  }
}

/**
 * One libSQL client per process. Interactive write transactions from the same
 * process collide with SQLITE_BUSY and can stall the event loop, so every
 * multi-statement write goes through `write()`, which runs them one at a time.
 */
export class Database {
  readonly client: Client;
  readonly db: Db;
  private writeChain: Promise<unknown> = Promise.resolve();
  private migrated = false;
  private reader: ReadConnection | undefined;
  /** Where the read connection may open: a local file that is not an embedded replica. */
  private readonly readerPath: string | undefined;
  private families: CacheFamilies = NO_FAMILIES;
  /** Statements this process's client ran that may have written (see commitVersion). */
  private writes = 0;
  /** `PRAGMA data_version` as last sampled, and when. */
  private dataVersion: number | undefined;
  private dataVersionAt = 0;

  constructor(config: Pick<Config, "databaseUrl" | "databaseAuthToken" | "databaseSyncUrl">) {
    const local = config.databaseUrl.startsWith("file:");
    this.client = createClient(
      config.databaseSyncUrl && local
        ? {
            url: config.databaseUrl,
            syncUrl: config.databaseSyncUrl,
            authToken: config.databaseAuthToken,
          }
        : { url: config.databaseUrl, authToken: config.databaseAuthToken, timeout: 5000 },
    );
    this.countWrites(this.client);
    this.db = drizzle(this.client, { schema });
    this.local = local;
    if (local && !config.databaseSyncUrl) {
      const path = expandConfig({ url: config.databaseUrl }, true).path;
      // ":memory:" and friends would be a second, empty database on a second connection.
      if (path && !path.startsWith(":memory:") && !/mode=memory/.test(config.databaseUrl)) {
        this.readerPath = path;
      }
    }
  }

  /**
   * Read-only queries with fixed SQL on hot paths (Subsonic lists, search, hydration).
   * A local file answers from a dedicated connection with prepared statements kept; a
   * remote database or an embedded replica through the client. Never for writes.
   */
  async all(sql: string, args: InValue[] = []): Promise<ReadRow[]> {
    const reader = this.readConnection();
    if (reader) return reader.all(sql, args);
    const rs = await this.client.execute({ sql, args });
    return rs.rows as unknown as ReadRow[];
  }

  /**
   * Changes as soon as a statement of this process that may write completes (every one
   * through `client`, drizzle's included, is counted) and, for a local file, within
   * DATA_VERSION_EVERY_MS of a commit by another process (the CLI: `PRAGMA data_version`
   * is sampled, as each read of it costs a read transaction). Cached answers carry it in
   * their keys, a safety net under the explicit families: a write that forgot `changed()`
   * still counts.
   */
  commitVersion(): string {
    const reader = this.readConnection();
    const now = performance.now();
    if (reader && now - this.dataVersionAt >= DATA_VERSION_EVERY_MS) {
      this.dataVersion = reader.version();
      this.dataVersionAt = now;
    }
    return `${this.writes}:${this.dataVersion ?? ""}`;
  }

  private readConnection(): ReadConnection | undefined {
    if (this.reader || !this.readerPath || !this.migrated) return this.reader;
    this.reader = new ReadConnection(this.readerPath);
    return this.reader;
  }

  /**
   * Wraps the client's methods so that every statement that may write bumps `writes` once
   * it completes, before its caller resumes: plain reads (SELECT, EXPLAIN, batches in "read"
   * mode) do not count, an interactive transaction counts when it commits.
   */
  private countWrites(client: Client): void {
    const counted = <T>(p: Promise<T>) =>
      p.finally(() => {
        this.writes++;
      });
    const execute = client.execute.bind(client);
    client.execute = ((stmt: InStatement | string, args?: InArgs) => {
      const done = typeof stmt === "string" ? execute(stmt, args) : execute(stmt);
      const sql = typeof stmt === "string" ? stmt : stmt.sql;
      return READS.test(sql) ? done : counted(done);
    }) as Client["execute"];
    const batch = client.batch.bind(client);
    client.batch = ((stmts: InStatement[], mode?: TransactionMode) =>
      mode === "read" ? batch(stmts, mode) : counted(batch(stmts, mode))) as Client["batch"];
    const migrateBatch = client.migrate.bind(client);
    client.migrate = (stmts: InStatement[]) => counted(migrateBatch(stmts));
    const executeMultiple = client.executeMultiple.bind(client);
    client.executeMultiple = (sql: string) => counted(executeMultiple(sql));
    const transaction = client.transaction.bind(client);
    client.transaction = (async (mode?: TransactionMode) => {
      const tx = await transaction(mode);
      const commit = tx.commit.bind(tx);
      tx.commit = () => counted(commit());
      return tx;
    }) as Client["transaction"];
  }

  /** Where family versions live: the context gives the edge cache (shared when scaled out). */
  useFamilies(families: CacheFamilies): void {
    this.families = families;
  }

  /**
   * Says that committed writes made cached answers of these families stale: `library`
   * (tracks, albums, artists, genres, folders, covers) or `annotationsOf(user)` (stars,
   * ratings, plays). Resolves once their versions are bumped, so the next request, on any
   * instance, misses what was cached before.
   */
  changed(...families: string[]): Promise<void> {
    return this.families.bump(families);
  }

  /**
   * A token for keys of cached answers built from these families: their versions, plus the
   * local commit version (any commit by anyone, so a write that forgot `changed()`, or one
   * made by the CLI, still turns the token).
   */
  async freshness(...families: string[]): Promise<string> {
    const commits = this.commitVersion();
    return `${commits}/${await this.versions(...families)}`;
  }

  /** The families' versions alone: for what only writes that call `changed()` may alter. */
  async versions(...families: string[]): Promise<string> {
    let token = "";
    for (const family of families) token += `${await this.families.version(family)}.`;
    return token;
  }

  private readonly local: boolean;

  /** Pragmas and migrations: run once, before the server listens. */
  async open(): Promise<void> {
    if (this.local) {
      await this.client.execute("PRAGMA journal_mode=WAL");
      await this.client.execute("PRAGMA synchronous=NORMAL");
      // A 32 MB page cache: a scan's inserts touch many index pages.
      await this.client.execute("PRAGMA cache_size=-32768");
    }
    await this.client.execute("PRAGMA foreign_keys=ON");
    await migrate(this.db, { migrationsFolder });
    this.migrated = true;
  }

  /** Serialises write work in this process (see the class comment). */
  write<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    const run = this.writeChain.then(() => fn(this.db));
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  /** Readiness: the database answers and its migrations are applied. */
  async ready(): Promise<boolean> {
    if (!this.migrated) return false;
    try {
      await this.client.execute("SELECT 1 FROM __drizzle_migrations LIMIT 1");
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.reader?.close();
    this.reader = undefined;
    this.client.close();
  }
}
