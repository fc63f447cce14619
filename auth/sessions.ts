import { and, eq, gt, lt, ne } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { sessions, users } from "../db/schema.ts";
import { randomToken, sha256Hex } from "./tokens.ts";
import type { User } from "./users.ts";

export const SESSION_COOKIE = "bandstand_session";
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;

export interface ActiveSession {
  user: User;
  csrfToken: string;
  expiresAt: number;
}

/** Cookie sessions; only the SHA-256 of the cookie value is stored. */
export class Sessions {
  constructor(private readonly database: Database) {}

  async create(userId: number): Promise<{ token: string; csrfToken: string; expiresAt: number }> {
    const token = randomToken();
    const csrfToken = randomToken();
    const expiresAt = Date.now() + SESSION_TTL_MS;
    await this.database.write(async (db) => {
      await db.delete(sessions).where(lt(sessions.expiresAt, Date.now()));
      await db.insert(sessions).values({ id: sha256Hex(token), userId, csrfToken, expiresAt });
    });
    return { token, csrfToken, expiresAt };
  }

  async lookup(token: string | undefined): Promise<ActiveSession | undefined> {
    if (!token) return undefined;
    const [row] = await this.database.db
      .select({ user: users, csrfToken: sessions.csrfToken, expiresAt: sessions.expiresAt })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.id, sha256Hex(token)), gt(sessions.expiresAt, Date.now())))
      .limit(1);
    return row;
  }

  async destroy(token: string): Promise<void> {
    await this.database.write((db) => db.delete(sessions).where(eq(sessions.id, sha256Hex(token))));
  }

  /** Ends every session of a user (after a password change), except the one given, if any. */
  async destroyAllOf(userId: number, exceptToken?: string): Promise<void> {
    const mine = eq(sessions.userId, userId);
    await this.database.write((db) =>
      db
        .delete(sessions)
        .where(exceptToken ? and(mine, ne(sessions.id, sha256Hex(exceptToken))) : mine),
    );
  }
}
