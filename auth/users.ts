import { and, count, eq, ne, or, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { users } from "../db/schema.ts";
import { DomainError } from "../errors.ts";
import type { SecretBox } from "./secretbox.ts";

export type User = typeof users.$inferSelect;

/** The cache family of credentials → user (cached by SubsonicAuth): users and API keys. */
export const AUTH_FAMILY = "auth";
export type Role = User["role"];
export type Theme = User["theme"];

export const ROLES: readonly Role[] = ["admin", "user"];
export const THEMES: readonly Theme[] = ["auto", "light", "dark"];

/**
 * A row may lose its admin role (by deletion or demotion) only while another admin remains.
 * Checked inside the same statement as the write, so two admins removing each other at once
 * cannot both succeed.
 */
const notLastAdmin = or(
  ne(users.role, "admin"),
  sql`(SELECT count(*) FROM ${users} WHERE ${users.role} = 'admin') > 1`,
);

const USERNAME = /^[\p{L}\p{N}._@-]{1,64}$/u;

export function validateUsername(name: string): string {
  if (!USERNAME.test(name)) {
    throw new DomainError(
      "invalid",
      "username must be 1–64 letters, digits or . _ @ - (no spaces)",
    );
  }
  return name;
}

export function validatePassword(password: string): string {
  if (password.length < 4 || password.length > 256) {
    throw new DomainError("invalid", "password must be 4–256 characters");
  }
  return password;
}

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: "argon2id" });
}

/** Users: accounts, roles and both passwords (web and Subsonic). */
export class Users {
  constructor(
    private readonly database: Database,
    private readonly box: SecretBox,
  ) {}

  private get db() {
    return this.database.db;
  }

  async count(): Promise<number> {
    const [row] = await this.db.select({ n: count() }).from(users);
    return row?.n ?? 0;
  }

  async byName(username: string): Promise<User | undefined> {
    return this.db.query.users.findFirst({ where: eq(users.username, username) });
  }

  async byId(id: number): Promise<User | undefined> {
    return this.db.query.users.findFirst({ where: eq(users.id, id) });
  }

  list(): Promise<User[]> {
    return this.db.query.users.findMany({ orderBy: users.username });
  }

  /** Creates an account; its Subsonic password starts equal to the login password. */
  async create(input: {
    username: string;
    password: string;
    role?: Role;
    email?: string | null;
    maxBitRate?: number;
  }): Promise<User> {
    const username = validateUsername(input.username);
    const password = validatePassword(input.password);
    // A taken name answers at once, without an argon2 hash (~0.1 s) spent on nothing; the insert
    // below still settles a race.
    if (await this.byName(username)) {
      throw new DomainError("conflict", `user "${username}" already exists`);
    }
    const [passwordHash, subsonicPassword] = await Promise.all([
      hashPassword(password),
      this.box.seal(password),
    ]);
    const inserted = await this.database.write((db) =>
      db
        .insert(users)
        .values({
          username,
          passwordHash,
          subsonicPassword,
          role: input.role ?? "user",
          email: input.email ?? null,
          maxBitRate: input.maxBitRate ?? 0,
        })
        .onConflictDoNothing()
        .returning(),
    );
    const user = inserted[0];
    if (!user) throw new DomainError("conflict", `user "${username}" already exists`);
    return user;
  }

  /** Sets the login password and, unless told otherwise, the Subsonic password too. */
  async setPassword(username: string, password: string, alsoSubsonic = true): Promise<void> {
    validatePassword(password);
    const passwordHash = await hashPassword(password);
    const values: Partial<User> = { passwordHash };
    if (alsoSubsonic) values.subsonicPassword = await this.box.seal(password);
    await this.update(username, values);
  }

  async setSubsonicPassword(username: string, password: string | null): Promise<void> {
    if (password !== null) validatePassword(password);
    const sealed = password === null ? null : await this.box.seal(password);
    await this.update(username, { subsonicPassword: sealed });
  }

  /** Changes the role; the last admin cannot be demoted. */
  async setRole(username: string, role: Role): Promise<void> {
    if (!ROLES.includes(role)) throw new DomainError("invalid", "role must be admin or user");
    await this.update(username, { role });
  }

  async setTheme(username: string, theme: Theme): Promise<void> {
    if (!THEMES.includes(theme))
      throw new DomainError("invalid", "theme must be auto, light or dark");
    await this.update(username, { theme });
  }

  async setSubsonicPasswordAuth(username: string, allowed: boolean): Promise<void> {
    await this.update(username, { subsonicPasswordAuth: allowed });
  }

  /** Several account changes (both passwords, role, email, bit rate limit) in one update. */
  async updateAccount(
    username: string,
    changes: { password?: string; role?: Role; email?: string | null; maxBitRate?: number },
  ): Promise<void> {
    const values: Partial<User> = {};
    if (changes.password !== undefined) {
      validatePassword(changes.password);
      values.passwordHash = await hashPassword(changes.password);
      values.subsonicPassword = await this.box.seal(changes.password);
    }
    if (changes.role !== undefined) values.role = changes.role;
    if (changes.email !== undefined) values.email = changes.email;
    if (changes.maxBitRate !== undefined) values.maxBitRate = changes.maxBitRate;
    if (Object.keys(values).length === 0) return;
    await this.update(username, values);
  }

  /**
   * Deletes an account; its sessions, keys, playlists and marks go with it (cascade).
   * The last admin cannot be deleted: someone must be able to administer the server.
   */
  async delete(username: string): Promise<void> {
    const deleted = await this.database.write((db) =>
      db
        .delete(users)
        .where(and(eq(users.username, username), notLastAdmin))
        .returning({ id: users.id }),
    );
    if (deleted.length === 0) await this.explainMiss(username, "deleted");
    await this.database.changed(AUTH_FAMILY);
  }

  /** Updates one account; a demotion (role → user) keeps at least one admin. */
  private async update(username: string, values: Partial<User>): Promise<void> {
    const demotes = values.role !== undefined && values.role !== "admin";
    const where = eq(users.username, username);
    const updated = await this.database.write((db) =>
      db
        .update(users)
        .set(values)
        .where(demotes ? and(where, notLastAdmin) : where)
        .returning({ id: users.id }),
    );
    if (updated.length === 0) await this.explainMiss(username, "demoted");
    // Authentication results are cached: a new password, role or a removed account counts now.
    await this.database.changed(AUTH_FAMILY);
  }

  /** Why a write on `username` matched no row: no such user, or it is the last admin. */
  private async explainMiss(username: string, what: "deleted" | "demoted"): Promise<never> {
    if (await this.byName(username)) {
      throw new DomainError(
        "conflict",
        `"${username}" is the last admin and cannot be ${what}: make another user admin first`,
      );
    }
    throw new DomainError("not_found", `no user "${username}"`);
  }

  verifyPassword(user: User, password: string): Promise<boolean> {
    return Bun.password.verify(password, user.passwordHash);
  }

  /** The stored Subsonic password in clear, or undefined when none is kept. */
  async subsonicPassword(user: User): Promise<string | undefined> {
    if (!user.subsonicPassword) return undefined;
    return this.box.open(user.subsonicPassword);
  }

  /** Creates the configured admin when no user exists yet; true when it did. */
  async ensureAdmin(username?: string, password?: string): Promise<boolean> {
    if (!username || !password || (await this.count()) > 0) return false;
    await this.create({ username, password, role: "admin" });
    return true;
  }
}
