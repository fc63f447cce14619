import { join } from "node:path";
import { type Client, createClient } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import type { Config } from "../config.ts";
import * as schema from "./schema.ts";

export type Db = LibSQLDatabase<typeof schema>;

export const migrationsFolder = join(import.meta.dir, "migrations");

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
    this.db = drizzle(this.client, { schema });
    this.local = local;
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
    this.client.close();
  }
}
