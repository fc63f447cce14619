import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { apiKeys, users } from "../db/schema.ts";
import { DomainError } from "../errors.ts";
import { randomToken, sha256Hex } from "./tokens.ts";
import { AUTH_FAMILY, type User } from "./users.ts";

const PREFIX = "bs_";

/** OpenSubsonic API keys: shown once at creation, stored as SHA-256. */
export class ApiKeys {
  constructor(private readonly database: Database) {}

  async create(userId: number, name: string): Promise<{ id: number; key: string }> {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 100) {
      throw new DomainError("invalid", "an API key needs a name of 1–100 characters");
    }
    const key = PREFIX + randomToken(24);
    const [row] = await this.database.write((db) =>
      db
        .insert(apiKeys)
        .values({ userId, name: trimmed, keyHash: sha256Hex(key) })
        .returning({ id: apiKeys.id }),
    );
    if (!row) throw new Error("API key insert returned nothing");
    return { id: row.id, key };
  }

  async userFor(key: string): Promise<User | undefined> {
    if (!key.startsWith(PREFIX)) return undefined;
    const [row] = await this.database.db
      .select({ user: users, id: apiKeys.id })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .where(eq(apiKeys.keyHash, sha256Hex(key)))
      .limit(1);
    return row?.user;
  }

  list(userId: number) {
    return this.database.db
      .select({
        id: apiKeys.id,
        name: apiKeys.name,
        createdAt: apiKeys.createdAt,
        lastUsedAt: apiKeys.lastUsedAt,
      })
      .from(apiKeys)
      .where(eq(apiKeys.userId, userId));
  }

  async revoke(userId: number, id: number): Promise<void> {
    const gone = await this.database.write((db) =>
      db
        .delete(apiKeys)
        .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId)))
        .returning({ id: apiKeys.id }),
    );
    if (gone.length === 0) throw new DomainError("not_found", "no such API key");
    // A revoked key stops working at once, though keys → users are cached.
    await this.database.changed(AUTH_FAMILY);
  }
}
