import type { Lock } from "../edge/types.ts";
import { type MusicFolder, SCAN_LOCK } from "../library/folders.ts";
import type { Scanner } from "../library/scanner.ts";
import type { JobHandler } from "./types.ts";

export interface ScanCursor {
  startedAt: number;
  processed: number;
  problems: number;
  removed: number;
}

export interface ScanResult extends ScanCursor {
  finishedAt: number;
}

/**
 * A library scan as chunked work. `full` re-reads every file (the weekly
 * metadata refresh); otherwise only new and changed files are read.
 */
export function scanJob(
  name: "scan" | "refresh-metadata",
  scanner: Scanner,
  lock: Lock,
  onComplete: (result: ScanResult) => Promise<void>,
): JobHandler<{ full?: boolean }, ScanCursor> {
  return {
    name,
    budgetMs: 8000,
    maxAttempts: 5,
    exclusive: true,
    async run(ctx) {
      // Two chunks of scans at once would read the same files twice.
      const token = await lock.acquire(SCAN_LOCK, 120_000);
      if (!token) return { done: false, deferred: "another scan is running" };
      try {
        const cursor = ctx.cursor ?? {
          startedAt: Date.now(),
          processed: 0,
          problems: 0,
          removed: 0,
        };
        const full = name === "refresh-metadata" || ctx.payload.full === true;
        const r = await scanner.chunk({
          full,
          startedAt: cursor.startedAt,
          deadline: ctx.deadline,
          log: (message, level) => ctx.log(message, level),
          progress: (done, total) =>
            ctx.progress(cursor.processed + done, cursor.processed + total),
          cancelRequested: ctx.cancelRequested,
        });
        const next: ScanCursor = {
          startedAt: cursor.startedAt,
          processed: cursor.processed + r.processed,
          problems: cursor.problems + r.problems,
          removed: cursor.removed + r.removed,
        };
        if (!r.complete) return { done: false, cursor: next };
        const result = { ...next, finishedAt: Date.now() };
        await ctx.log(
          `scan finished: ${next.processed} read, ${next.problems} problems, ${next.removed} removed`,
        );
        await onComplete(result);
        return { done: true, result };
      } finally {
        await lock.release(SCAN_LOCK, token);
      }
    },
  };
}

export interface ImportPayload {
  folderId: number;
  relPath: string;
  contentHash?: string;
}

/** Puts one uploaded file into the library. Idempotent: the track is keyed by its path. */
export function importJob(
  scanner: Scanner,
  folderOf: (id: number) => Promise<MusicFolder | undefined>,
  onImported: (payload: ImportPayload) => Promise<void>,
): JobHandler<ImportPayload, never> {
  return {
    name: "import",
    maxAttempts: 2,
    async run(ctx) {
      const folder = await folderOf(ctx.payload.folderId);
      if (!folder) throw new Error(`no music folder ${ctx.payload.folderId}`);
      await scanner.importFile(folder, ctx.payload.relPath, ctx.payload.contentHash);
      await ctx.log(`imported ${ctx.payload.relPath}`);
      await onImported(ctx.payload);
      return { done: true, result: { path: ctx.payload.relPath } };
    },
  };
}
