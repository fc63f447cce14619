import type { Analyzer } from "../library/analysis.ts";
import type { JobHandler } from "./types.ts";

/** Analyses one track (enqueued after an import). */
export function analyzeTrackJob(analyzer: Analyzer): JobHandler<{ trackId: number }, never> {
  return {
    name: "analyze",
    maxAttempts: 2,
    async run(ctx) {
      const found = await analyzer.analyzeTrack(ctx.payload.trackId);
      if (!found) await ctx.log(`track ${ctx.payload.trackId} is gone`, "warn");
      return { done: true, result: { trackId: ctx.payload.trackId, analyzed: found } };
    },
  };
}

/** Analyses every track not analysed yet (enqueued after a scan), in chunks. */
export function analyzeLibraryJob(
  analyzer: Analyzer,
): JobHandler<unknown, { afterId: number; done: number }> {
  return {
    name: "analyze-library",
    exclusive: true,
    budgetMs: 15_000,
    async run(ctx) {
      let { afterId, done } = ctx.cursor ?? { afterId: 0, done: 0 };
      while (Date.now() < ctx.deadline) {
        if (await ctx.cancelRequested()) break;
        const batch = await analyzer.pending(afterId, analyzer.workers * 2);
        if (batch.length === 0) {
          await ctx.log(`analysed ${done} tracks`);
          return { done: true, result: { analyzed: done } };
        }
        const results = await Promise.allSettled(batch.map((id) => analyzer.analyzeTrack(id)));
        results.forEach((r, i) => {
          if (r.status === "rejected")
            void ctx.log(`track ${batch[i]}: ${String(r.reason)}`, "warn");
        });
        afterId = batch[batch.length - 1] ?? afterId;
        done += batch.length;
        await ctx.progress(done);
      }
      return { done: false, cursor: { afterId, done } };
    },
  };
}
