import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { tracks } from "../db/schema.ts";
import { type AlbumView, albumsByIds } from "./queries.ts";

/**
 * The album an imported file ended up on. Takes an import job's payload (JSON text, naming the
 * music folder and the file's path in it); undefined while the file is not (or no longer) a track.
 */
export async function albumOfImport(
  database: Database,
  payloadJson: string,
): Promise<AlbumView | undefined> {
  let payload: { folderId?: unknown; relPath?: unknown };
  try {
    payload = JSON.parse(payloadJson);
  } catch {
    return undefined;
  }
  const { folderId, relPath } = payload;
  if (typeof folderId !== "number" || typeof relPath !== "string") return undefined;
  const [row] = await database.db
    .select({ albumId: tracks.albumId })
    .from(tracks)
    .where(and(eq(tracks.folderId, folderId), eq(tracks.path, relPath)))
    .limit(1);
  if (!row?.albumId) return undefined;
  const [album] = await albumsByIds(database, [row.albumId]);
  return album;
}
