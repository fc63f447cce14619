import type { AppContext } from "../../context.ts";
import { startScan } from "../../jobs/registry.ts";
import { isActive } from "../../jobs/types.ts";
import { albumsByIds, artistsByIds, countTracks, tracksByIds } from "../../library/queries.ts";
import { search } from "../../library/search.ts";
import { albumDirNode, albumNode, artistNode, songNode } from "./shapes.ts";
import { type SubsonicCall, SubsonicFailure, type SubsonicMethod } from "./types.ts";

function count(call: SubsonicCall, name: string, fallback: number, max = 500): number {
  const raw = call.params.get(name);
  if (raw === null || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new SubsonicFailure(0, `${name} must be a non-negative integer`);
  return Math.min(n, max);
}

const SCAN_JOBS = ["scan", "refresh-metadata"];

/** Library browsing and scanning methods (the rest of the API builds on these). */
export function libraryMethods(ctx: AppContext): Record<string, SubsonicMethod> {
  const scanStatus = async () => {
    for (const name of SCAN_JOBS) {
      const { items } = await ctx.jobs.list({ name, limit: 1 });
      const job = items[0];
      if (job && isActive(job)) {
        return { scanStatus: { scanning: true, count: job.done } };
      }
    }
    return { scanStatus: { scanning: false, count: await countTracks(ctx.database) } };
  };

  const searchMethod =
    (key: "searchResult2" | "searchResult3"): SubsonicMethod =>
    async (call) => {
      const query = call.params.get("query");
      if (query === null) throw new SubsonicFailure(10, "Required parameter is missing: query");
      const folder = call.params.get("musicFolderId");
      const r = await search(ctx.database, {
        query,
        artistCount: count(call, "artistCount", 20),
        artistOffset: count(call, "artistOffset", 0, Number.MAX_SAFE_INTEGER),
        albumCount: count(call, "albumCount", 20),
        albumOffset: count(call, "albumOffset", 0, Number.MAX_SAFE_INTEGER),
        songCount: count(call, "songCount", 20),
        songOffset: count(call, "songOffset", 0, Number.MAX_SAFE_INTEGER),
        musicFolderId: folder ? Number(folder) || undefined : undefined,
      });
      const [artists, albums, songs] = await Promise.all([
        artistsByIds(ctx.database, r.artistIds),
        albumsByIds(ctx.database, r.albumIds),
        tracksByIds(ctx.database, r.trackIds),
      ]);
      return {
        [key]: {
          artist: artists.map(artistNode),
          // search2 is the folder-tree search: its albums are directories (Child), not AlbumID3.
          album: albums.map(key === "searchResult2" ? albumDirNode : albumNode),
          song: songs.map(songNode),
        },
      };
    };

  return {
    getMusicFolders: async () => ({
      musicFolders: {
        musicFolder: (await ctx.library.folders()).map((f) => ({ id: f.id, name: f.name })),
      },
    }),
    getScanStatus: scanStatus,
    startScan: async (call) => {
      if (call.user.role !== "admin") throw new SubsonicFailure(50, "Only admins may start a scan");
      const full = call.params.get("fullScan") === "true";
      await startScan(ctx, full);
      return scanStatus();
    },
    search2: searchMethod("searchResult2"),
    search3: searchMethod("searchResult3"),
  };
}
