import { desc, eq } from "drizzle-orm";
import type { Config } from "../config.ts";
import type { Database } from "../db/client.ts";
import { musicFolders, scanProblems } from "../db/schema.ts";
import type { Lock } from "../edge/types.ts";
import { DomainError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { Analyzer } from "./analysis.ts";
import {
  addFolder,
  type MusicFolder,
  removalBlocker,
  renameFolder,
  SCAN_LOCK,
  syncFolders,
  uploadsFolder,
} from "./folders.ts";
import { Scanner } from "./scanner.ts";
import { UploadIntake } from "./uploads.ts";

/** The music library's entry points for routes and jobs. */
export class Library {
  readonly scanner: Scanner;
  readonly analyzer: Analyzer;

  constructor(
    private readonly database: Database,
    private readonly config: Config,
    log: Logger,
  ) {
    this.scanner = new Scanner(
      database,
      config.dataDir,
      log,
      config.artistSeparators,
      config.scanWorkers,
    );
    this.analyzer = new Analyzer(database, {
      workers: config.audioWorkers,
      ffmpegPath: config.ffmpegPath,
    });
  }

  /** Stops the tag-reading and audio workers. */
  async close(): Promise<void> {
    this.scanner.close();
    await this.analyzer.close();
  }

  async trackAt(folderId: number, relPath: string): Promise<number | undefined> {
    const rows = await this.database.client.execute({
      sql: "SELECT id FROM tracks WHERE folder_id = ? AND path = ?",
      args: [folderId, relPath],
    });
    const id = rows.rows[0]?.id;
    return id === undefined ? undefined : Number(id);
  }

  syncFolders(): Promise<MusicFolder[]> {
    return syncFolders(this.database, this.config.musicDirs, this.config.dataDir);
  }

  addFolder(input: { path: string; name?: string }): Promise<MusicFolder> {
    return addFolder(this.database, input, this.config.dataDir);
  }

  renameFolder(id: number, name: string): Promise<void> {
    return renameFolder(this.database, id, name);
  }

  /** Why this folder cannot be removed here (uploads, or set in the environment), if so. */
  removalBlocker(folder: MusicFolder): string | undefined {
    return removalBlocker(folder, this.config.musicDirs);
  }

  /**
   * Removes a music folder and its tracks (stars, plays and playlist places of those tracks go
   * with them). Refused while a scan runs: the scan would be reading the folder.
   */
  async removeFolder(id: number, lock: Lock): Promise<{ folder: MusicFolder; tracks: number }> {
    const folder = await this.folder(id);
    if (!folder) throw new DomainError("not_found", "no such music folder");
    const blocker = this.removalBlocker(folder);
    if (blocker) throw new DomainError("conflict", blocker);
    const token = await lock.acquire(SCAN_LOCK, 120_000);
    if (!token) {
      throw new DomainError("conflict", "A scan is running; remove the folder when it has ended.");
    }
    try {
      return { folder, tracks: await this.scanner.forgetFolder(id) };
    } finally {
      await lock.release(SCAN_LOCK, token);
    }
  }

  folder(id: number): Promise<MusicFolder | undefined> {
    return this.database.db.query.musicFolders.findFirst({ where: eq(musicFolders.id, id) });
  }

  folders(): Promise<MusicFolder[]> {
    return this.database.db.select().from(musicFolders).orderBy(musicFolders.id);
  }

  async intake(): Promise<UploadIntake> {
    const folder =
      (await uploadsFolder(this.database)) ??
      (await this.syncFolders()).find((f) => f.kind === "uploads");
    if (!folder) throw new Error("no uploads folder");
    return new UploadIntake(this.database, this.config.dataDir, folder, this.config.uploadMaxBytes);
  }

  problems(limit = 500, offset = 0) {
    return this.database.db
      .select({
        folderId: scanProblems.folderId,
        folder: musicFolders.name,
        path: scanProblems.path,
        reason: scanProblems.reason,
        message: scanProblems.message,
        seenAt: scanProblems.seenAt,
      })
      .from(scanProblems)
      .innerJoin(musicFolders, eq(musicFolders.id, scanProblems.folderId))
      .orderBy(desc(scanProblems.seenAt), scanProblems.path)
      .limit(limit)
      .offset(offset);
  }
}
