import { constants, mkdirSync } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import { basename, isAbsolute, join, sep } from "node:path";
import { count, eq } from "drizzle-orm";
import { type Database, LIBRARY_FAMILY } from "../db/client.ts";
import { musicFolders, scanProblems, tracks } from "../db/schema.ts";
import { DomainError } from "../errors.ts";

/** The lock a scan chunk holds, and what else must not run beside one (removing a folder). */
export const SCAN_LOCK = "library-scan";

export type MusicFolder = typeof musicFolders.$inferSelect;

export function uploadsDir(dataDir: string): string {
  return join(dataDir, "uploads");
}

/**
 * Makes the music_folders table hold the configured folders plus the uploads
 * folder. Folders no longer configured stay (their tracks are kept until an
 * admin removes the folder) — a typo in the environment must not wipe a library.
 */
export async function syncFolders(
  database: Database,
  musicDirs: string[],
  dataDir: string,
): Promise<MusicFolder[]> {
  const uploads = uploadsDir(dataDir);
  mkdirSync(uploads, { recursive: true });
  const wanted = [
    ...musicDirs.map((path) => ({ path, name: basename(path) || path, kind: "library" as const })),
    { path: uploads, name: "Uploads", kind: "uploads" as const },
  ];
  await database.write(async (db) => {
    for (const f of wanted) await db.insert(musicFolders).values(f).onConflictDoNothing();
  });
  await database.changed(LIBRARY_FAMILY);
  return database.db.select().from(musicFolders).orderBy(musicFolders.id);
}

export async function uploadsFolder(database: Database): Promise<MusicFolder | undefined> {
  return database.db.query.musicFolders.findFirst({ where: eq(musicFolders.kind, "uploads") });
}

export interface FolderSummary extends MusicFolder {
  tracks: number;
  problems: number;
}

/** Every music folder with how many tracks it holds and how many files the scanner could not read. */
export async function folderSummaries(database: Database): Promise<FolderSummary[]> {
  const db = database.db;
  const [folders, trackCounts, problemCounts] = await Promise.all([
    db.select().from(musicFolders).orderBy(musicFolders.id),
    db.select({ folderId: tracks.folderId, n: count() }).from(tracks).groupBy(tracks.folderId),
    db
      .select({ folderId: scanProblems.folderId, n: count() })
      .from(scanProblems)
      .groupBy(scanProblems.folderId),
  ]);
  const byFolder = (rows: { folderId: number | null; n: number }[]) =>
    new Map(rows.map((r) => [r.folderId, r.n]));
  const t = byFolder(trackCounts);
  const p = byFolder(problemCounts);
  return folders.map((f) => ({ ...f, tracks: t.get(f.id) ?? 0, problems: p.get(f.id) ?? 0 }));
}

const MAX_NAME = 100;

/** A folder's display name: trimmed, 1–100 characters, no control characters. */
function folderName(raw: string): string {
  const name = raw.trim();
  if (!name) throw new DomainError("invalid", "a folder needs a name");
  if (name.length > MAX_NAME) {
    throw new DomainError("invalid", `a folder name has at most ${MAX_NAME} characters`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new DomainError("invalid", "a folder name cannot hold control characters");
  }
  return name;
}

const within = (inner: string, outer: string) =>
  inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);

/** The real path of an existing folder, or undefined (a configured folder may be gone). */
async function realDir(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch {
    return undefined;
  }
}

/**
 * Adds a music folder an admin names; the next scan reads it. The path must be an absolute,
 * readable directory that neither holds nor lies inside another music folder (a file would
 * become two tracks) or Bandstand's data folder (the database and secrets are no music).
 */
export async function addFolder(
  database: Database,
  input: { path: string; name?: string },
  dataDir: string,
): Promise<MusicFolder> {
  const given = input.path.trim();
  if (!given) throw new DomainError("invalid", "give the path of the folder");
  if (given.includes("\0") || given.length > 4096) {
    throw new DomainError("invalid", "that is not a path");
  }
  if (!isAbsolute(given)) {
    throw new DomainError("invalid", "give an absolute path (starting with /)");
  }
  const path = await realDir(given);
  if (!path) throw new DomainError("invalid", `no such folder: ${given}`);
  if (!(await stat(path)).isDirectory()) {
    throw new DomainError("invalid", `not a folder: ${given}`);
  }
  try {
    await access(path, constants.R_OK | constants.X_OK);
  } catch {
    throw new DomainError("invalid", `Bandstand cannot read ${given}`);
  }
  const data = (await realDir(dataDir)) ?? dataDir;
  if (within(path, data) || within(data, path)) {
    throw new DomainError(
      "invalid",
      "a music folder cannot hold or lie in Bandstand's data folder",
    );
  }
  for (const other of await database.db.select().from(musicFolders)) {
    const otherPath = await realDir(other.path);
    if (!otherPath) continue;
    if (otherPath === path) {
      throw new DomainError("conflict", `already a music folder: ${other.name}`);
    }
    if (within(path, otherPath) || within(otherPath, path)) {
      throw new DomainError(
        "conflict",
        `overlaps the music folder ${other.name} (${other.path}): a file would be read twice`,
      );
    }
  }
  const name = folderName(input.name?.trim() ? input.name : basename(path) || path);
  const [row] = await database.write((db) =>
    db
      .insert(musicFolders)
      .values({ path, name, kind: "library" })
      .onConflictDoNothing()
      .returning(),
  );
  if (!row) throw new DomainError("conflict", `already a music folder: ${path}`);
  await database.changed(LIBRARY_FAMILY);
  return row;
}

export async function renameFolder(database: Database, id: number, raw: string): Promise<void> {
  const name = folderName(raw);
  const [row] = await database.write((db) =>
    db.update(musicFolders).set({ name }).where(eq(musicFolders.id, id)).returning(),
  );
  if (!row) throw new DomainError("not_found", "no such music folder");
  await database.changed(LIBRARY_FAMILY);
}

/** Why a folder cannot be removed here, or undefined when it can. */
export function removalBlocker(folder: MusicFolder, configured: string[]): string | undefined {
  if (folder.kind === "uploads") return "The uploads folder is part of Bandstand; it stays.";
  if (configured.includes(folder.path)) {
    return "This folder is set by BANDSTAND_MUSIC_DIR: take it out there and restart, then remove it here.";
  }
  return undefined;
}
