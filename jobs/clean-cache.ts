import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { pruneTranscodeCache } from "../audio/transcode.ts";
import type { Database } from "../db/client.ts";
import type { JobHandler } from "./types.ts";

const JOB_RETENTION_MS = 30 * 24 * 3600 * 1000;

/**
 * Daily housekeeping: cover art nothing refers to (rows and files), finished
 * jobs older than a month with their logs, expired sessions, old outbox rows, and the
 * transcode cache trimmed to its bound (least recently used first).
 */
export function cleanCacheJob(
  database: Database,
  coversDir: string,
  transcodes?: { dir: string; maxBytes: number },
): JobHandler<unknown, never> {
  return {
    name: "clean-cache",
    exclusive: true,
    async run(ctx) {
      const now = Date.now();
      const orphans = await database.client.execute(
        `SELECT id, path FROM cover_art WHERE id NOT IN (SELECT cover_art_id FROM albums WHERE cover_art_id IS NOT NULL)
           AND id NOT IN (SELECT cover_art_id FROM tracks WHERE cover_art_id IS NOT NULL)
           AND id NOT IN (SELECT cover_art_id FROM artists WHERE cover_art_id IS NOT NULL)`,
      );
      for (const row of orphans.rows) await rm(String(row.path), { force: true });
      const [, jobsGone, sessionsGone, outboxGone] = await database.write(() =>
        database.client.batch(
          [
            {
              sql: `DELETE FROM cover_art WHERE id IN (${orphans.rows.map(() => "?").join(",") || "NULL"})`,
              args: orphans.rows.map((r) => String(r.id)),
            },
            {
              sql: "DELETE FROM jobs WHERE state IN ('finished', 'canceled', 'failed') AND finished_at < ?",
              args: [now - JOB_RETENTION_MS],
            },
            { sql: "DELETE FROM sessions WHERE expires_at < ?", args: [now] },
            {
              sql: "DELETE FROM outbox WHERE state <> 'pending' AND created_at < ?",
              args: [now - JOB_RETENTION_MS],
            },
          ],
          "write",
        ),
      );
      // Files in the covers dir that no row names (a crash between write and insert).
      const known = new Set(
        (await database.client.execute("SELECT path FROM cover_art")).rows.map((r) =>
          String(r.path),
        ),
      );
      let strays = 0;
      for (const sub of await readdir(coversDir).catch(() => [] as string[])) {
        for (const file of await readdir(join(coversDir, sub)).catch(() => [] as string[])) {
          const path = join(coversDir, sub, file);
          if (!known.has(path)) {
            await rm(path, { force: true });
            strays += 1;
          }
        }
      }
      const pruned = transcodes
        ? await pruneTranscodeCache(transcodes.dir, transcodes.maxBytes)
        : { deleted: 0 };
      const result = {
        covers: orphans.rows.length + strays,
        transcodes: pruned.deleted,
        jobs: jobsGone?.rowsAffected ?? 0,
        sessions: sessionsGone?.rowsAffected ?? 0,
        outbox: outboxGone?.rowsAffected ?? 0,
      };
      await ctx.log(`cleaned ${JSON.stringify(result)}`);
      return { done: true, result };
    },
  };
}
