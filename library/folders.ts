import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { count, eq } from "drizzle-orm";
import { type Database, LIBRARY_FAMILY } from "../db/client.ts";
import { musicFolders, scanProblems, tracks } from "../db/schema.ts";

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
