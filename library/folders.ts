import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { musicFolders } from "../db/schema.ts";

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
  return database.db.select().from(musicFolders).orderBy(musicFolders.id);
}

export async function uploadsFolder(database: Database): Promise<MusicFolder | undefined> {
  return database.db.query.musicFolders.findFirst({ where: eq(musicFolders.kind, "uploads") });
}
