import { transcodeCacheDir } from "../audio/transcode.ts";
import type { AppContext } from "../context.ts";
import { analyzeLibraryJob, analyzeTrackJob } from "./analyze.ts";
import { cleanCacheJob } from "./clean-cache.ts";
import { importJob, scanJob } from "./library-jobs.ts";
import { downloadPodcastJob, refreshAllPodcastsJob, refreshPodcastJob } from "./podcasts.ts";
import type { ScheduleSpec } from "./queue.ts";

/** Periodic work: fixed ids, so registering again replaces rather than duplicates. */
export const SCHEDULES: ScheduleSpec[] = [
  { id: "rescan", cron: "0 * * * *", name: "scan" },
  { id: "clean-cache", cron: "30 3 * * *", name: "clean-cache" },
  { id: "refresh-metadata", cron: "0 4 * * 0", name: "refresh-metadata" },
  { id: "refresh-podcasts", cron: "15 * * * *", name: "refresh-podcasts" },
];

/** Enqueues a channel's feed refresh unless one is already waiting or running. */
export const enqueuePodcastRefresh = (ctx: AppContext, channelId: number) =>
  ctx.jobs.enqueue("refresh-podcast", { channelId }, { dedupId: `podcast-refresh:${channelId}` });

/**
 * Starts a library scan (`full`: re-read every file, the metadata refresh) unless one is
 * already waiting or running — then that job is returned.
 */
export const startScan = (ctx: AppContext, full = false) =>
  ctx.jobs.enqueue(full ? "refresh-metadata" : "scan", { full });

/** Every job Bandstand runs, by route name. */
export function registerJobs(ctx: AppContext): void {
  const { jobs, library, edge, database } = ctx;
  // New and changed tracks get analysed once the library has them.
  const afterScan = async () => {
    if (ctx.config.autoAnalyze) await jobs.enqueue("analyze-library");
  };
  jobs.register(scanJob("scan", library.scanner, edge.lock, afterScan));
  jobs.register(scanJob("refresh-metadata", library.scanner, edge.lock, afterScan));
  jobs.register(
    importJob(
      library.scanner,
      (id) => library.folder(id),
      async (payload) => {
        const track = await library.trackAt(payload.folderId, payload.relPath);
        if (track !== undefined) await jobs.enqueue("analyze", { trackId: track });
      },
    ),
  );
  jobs.register(analyzeTrackJob(library.analyzer));
  jobs.register(analyzeLibraryJob(library.analyzer));
  jobs.register(
    cleanCacheJob(database, library.scanner.covers.dir, {
      dir: transcodeCacheDir(ctx.config.dataDir),
      maxBytes: ctx.config.transcodeCacheBytes,
    }),
  );
  jobs.register(refreshPodcastJob(database));
  jobs.register(refreshAllPodcastsJob(database, (id) => enqueuePodcastRefresh(ctx, id)));
  jobs.register(downloadPodcastJob(database, ctx.config.dataDir, ctx.config.podcastMaxBytes));
}
