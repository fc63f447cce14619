import { readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type Database, LIBRARY_FAMILY } from "../db/client.ts";
import type { Logger } from "../log.ts";
import { type CoverFile, CoverStore, imageMime } from "./covers.ts";
import { withFallback } from "./fallback.ts";
import type { MusicFolder } from "./folders.ts";
import { LibraryStore, type ScannedFile } from "./store.ts";
import { TagPool } from "./tag-pool.ts";
import { AUDIO_EXTENSIONS, TagError, type TrackTags } from "./tags.ts";
import { type FoundFile, type Listing, resolveInside, walkFolder } from "./walk.ts";

export interface ScanOptions {
  /** Re-read every file, not only the changed ones. */
  full?: boolean;
  /** Files changed after this (epoch ms) count as done in a full scan. */
  startedAt: number;
  deadline: number;
  log(message: string, level?: "info" | "warn" | "error"): Promise<void>;
  progress(done: number, total: number): Promise<void>;
  cancelRequested(): Promise<boolean>;
}

export interface ScanChunkResult {
  /** True when nothing is left to read and deletions were applied. */
  complete: boolean;
  processed: number;
  problems: number;
  removed: number;
  remaining: number;
}

interface Known {
  id: number;
  folderId: number;
  path: string;
  size: number;
  mtime: number;
  updatedAt: number;
  mbid: string | null;
  matchKey: string;
  durationMs: number;
}

interface Todo extends FoundFile {
  folder: MusicFolder;
  known?: Known;
  /** A `<basename>.lrc` / `.LRC` sits next to the file (from the listing). */
  sidecar: boolean;
}

const COVER_NAMES = ["cover", "folder", "front"];
/**
 * Reads handed to the workers ahead of the writes: enough that they keep parsing while this
 * thread is inside a (synchronous) libSQL batch of WRITE_BATCH tracks.
 */
const PARSE_IN_FLIGHT = 256;
const WRITE_BATCH = 500;

const fileKey = (folderId: number, path: string) => `${folderId}\u0000${path}`;
const matchKeyOf = (title: string, artist: string, album: string) =>
  `${title}\u0000${artist}\u0000${album}`.toLowerCase();

/** The preferred folder image: cover, folder, front — in that order. */
export function pickCover(names: string[]): string | undefined {
  for (const wanted of COVER_NAMES) {
    const hit = names.find(
      (n) => n.toLowerCase().replace(/\.[^.]+$/, "") === wanted && imageMime(n),
    );
    if (hit) return hit;
  }
  return undefined;
}

/**
 * The library scanner: walks folders, reads only what changed (path + size +
 * mtime), writes in atomic batches, and applies deletions once nothing is left
 * to read. Every chunk recomputes what remains from disk and database, so a
 * chunk cut short by a crash is simply done again by the next one.
 */
export class Scanner {
  private readonly store: LibraryStore;
  private readonly tagPool: TagPool;
  readonly covers: CoverStore;

  constructor(
    private readonly database: Database,
    dataDir: string,
    private readonly log: Logger,
    private readonly separators?: string[],
    scanWorkers?: number,
  ) {
    this.store = new LibraryStore(database);
    this.tagPool = new TagPool(scanWorkers);
    this.covers = new CoverStore(database, dataDir);
  }

  private async folders(): Promise<MusicFolder[]> {
    return this.database.db.query.musicFolders.findMany();
  }

  private async known(): Promise<Map<string, Known>> {
    const rows = await this.database.client.execute(
      `SELECT t.id, t.folder_id, t.path, t.size, t.mtime, t.updated_at, t.mbid, t.title,
              t.display_artist, t.duration_ms, a.name AS album
         FROM tracks t LEFT JOIN albums a ON a.id = t.album_id`,
    );
    const out = new Map<string, Known>();
    for (const r of rows.rows) {
      out.set(fileKey(Number(r.folder_id), String(r.path)), {
        id: Number(r.id),
        folderId: Number(r.folder_id),
        path: String(r.path),
        size: Number(r.size),
        mtime: Number(r.mtime),
        updatedAt: Number(r.updated_at),
        mbid: r.mbid === null ? null : String(r.mbid),
        matchKey: matchKeyOf(String(r.title), String(r.display_artist), String(r.album ?? "")),
        durationMs: Number(r.duration_ms),
      });
    }
    return out;
  }

  private async problemStamps(): Promise<Map<string, string>> {
    const rows = await this.database.client.execute(
      "SELECT folder_id, path, size, mtime FROM scan_problems",
    );
    return new Map(
      rows.rows.map((r) => [fileKey(Number(r.folder_id), String(r.path)), `${r.size}:${r.mtime}`]),
    );
  }

  /** One chunk of a scan. */
  async chunk(options: ScanOptions): Promise<ScanChunkResult> {
    const folders = await this.folders();
    const listings = new Map<number, Listing>();
    for (const folder of folders) {
      listings.set(
        folder.id,
        await walkFolder(folder.path, AUDIO_EXTENSIONS).catch(
          (): Listing => ({ files: [], images: new Map(), lyrics: new Set() }),
        ),
      );
    }
    const [known, problems] = await Promise.all([
      this.known(),
      this.problemStamps(),
      this.store.load(),
    ]);

    const todo: Todo[] = [];
    const present = new Set<string>();
    for (const folder of folders) {
      const listing = listings.get(folder.id);
      const sidecar = (relPath: string) => {
        if (!listing?.lyrics.size) return false;
        const stem = relPath.slice(0, relPath.lastIndexOf("."));
        return listing.lyrics.has(`${stem}.lrc`) || listing.lyrics.has(`${stem}.LRC`);
      };
      for (const file of listing?.files ?? []) {
        const key = fileKey(folder.id, file.relPath);
        present.add(key);
        const k = known.get(key);
        if (k) {
          const changed = k.size !== file.size || k.mtime !== file.mtime;
          if (changed || (options.full && k.updatedAt < options.startedAt)) {
            todo.push({ ...file, folder, known: k, sidecar: sidecar(file.relPath) });
          }
        } else if (problems.get(key) !== `${file.size}:${file.mtime}`) {
          todo.push({ ...file, folder, sidecar: sidecar(file.relPath) });
        }
      }
    }
    // Tracks whose file is gone: candidates for a move, deleted at the end.
    const missing = new Map<number, Known>();
    for (const [key, k] of known) if (!present.has(key)) missing.set(k.id, k);

    let processed = 0;
    let failed = 0;
    let index = 0;
    const touchedAlbums = new Map<number, { folder: MusicFolder; relDir: string; file: string }>();
    const pending: { file: ScannedFile; abs: string; folder: MusicFolder; order: number }[] = [];

    const unreadable: { item: Todo; err: unknown }[] = [];
    const flush = async () => {
      const bad = unreadable.splice(0);
      if (bad.length) await this.recordProblems(bad, options);
      // Reads finish out of order; writing in walk order keeps ids (and so the order of
      // id-sorted lists) the same from one scan of the same folder to the next.
      const batch = pending.splice(0).sort((a, b) => a.order - b.order);
      if (batch.length === 0) return;
      const files = batch.map((b) => b.file);
      await this.store.write(files);
      await this.clearProblems(files.filter((f) => problems.has(fileKey(f.folderId, f.relPath))));
      for (const { file, abs, folder } of batch) {
        const albumId = this.store.albumIdFor(file.tags);
        if (albumId === undefined || touchedAlbums.has(albumId)) continue;
        const relDir = dirname(file.relPath) === "." ? "" : dirname(file.relPath);
        touchedAlbums.set(albumId, { folder, relDir, file: abs });
      }
      processed += batch.length;
      await options.progress(processed, processed + (todo.length - index));
    };

    const readOne = async (item: Todo, order: number) => {
      const abs = resolveInside(item.folder.path, item.relPath);
      if (!abs) return;
      try {
        // The listing says whether a sidecar .lrc exists: no probing for one per file.
        const options = { separators: this.separators, sidecarLyrics: item.sidecar };
        const tags = withFallback(await this.tagPool.read(abs, options), item.relPath);
        pending.push({
          abs,
          order,
          folder: item.folder,
          file: {
            folderId: item.folder.id,
            relPath: item.relPath,
            size: item.size,
            mtime: item.mtime,
            tags,
            trackId: item.known ? undefined : this.matchMoved(tags, missing),
          },
        });
      } catch (err) {
        failed += 1;
        unreadable.push({ item, err }); // recorded with the next write batch
      }
    };

    // Workers parse while this thread writes: keep a bounded number of reads in flight.
    let inFlight = 0;
    let slotFree: (() => void) | undefined;
    const reads: Promise<void>[] = [];
    while (index < todo.length && Date.now() < options.deadline) {
      if (index % 512 === 0 && (await options.cancelRequested())) break;
      const order = index;
      const item = todo[index++] as Todo;
      inFlight += 1;
      reads.push(
        readOne(item, order).finally(() => {
          inFlight -= 1;
          slotFree?.();
        }),
      );
      if (inFlight >= PARSE_IN_FLIGHT) {
        await new Promise<void>((resolve) => {
          slotFree = resolve;
        });
        slotFree = undefined;
      }
      if (pending.length >= WRITE_BATCH) await flush();
    }
    await Promise.all(reads);
    await flush();
    await this.assignCovers(touchedAlbums, listings);

    const remaining = todo.length - index;
    if (remaining > 0) {
      return { complete: false, processed, problems: failed, removed: 0, remaining };
    }
    // Nothing left to read: what is still missing was deleted, not moved.
    const gone = [...missing.keys()];
    if (gone.length) await this.store.remove(gone);
    await this.forgetVanishedProblems(present);
    return { complete: true, processed, problems: failed, removed: gone.length, remaining: 0 };
  }

  /** A new file that is a missing track moved or renamed: same MusicBrainz id, or same tags and length. */
  private matchMoved(tags: TrackTags, missing: Map<number, Known>): number | undefined {
    if (missing.size === 0) return undefined;
    const mbid = tags.mbid.track ?? tags.mbid.recording;
    const key = matchKeyOf(
      tags.title ?? "",
      tags.artists.join(", ") || "Unknown Artist",
      tags.album ?? "",
    );
    for (const k of missing.values()) {
      const same = mbid
        ? k.mbid === mbid
        : k.matchKey === key && Math.abs(k.durationMs - tags.durationMs) <= 2000;
      if (same) {
        missing.delete(k.id);
        return k.id;
      }
    }
    return undefined;
  }

  close(): void {
    this.tagPool.close();
  }

  /**
   * Removes a music folder with its tracks (and the albums, artists and genres left empty), as a
   * rescan removes deleted files. The caller holds the scan lock.
   */
  async forgetFolder(folderId: number): Promise<number> {
    const rows = await this.database.client.execute({
      sql: "SELECT id FROM tracks WHERE folder_id = ?",
      args: [folderId],
    });
    const ids = rows.rows.map((r) => Number(r.id));
    // One batch: the folder never outlives its tracks half-way, nor they it.
    await this.store.remove(ids, [
      { sql: "DELETE FROM music_folders WHERE id = ?", args: [folderId] },
    ]);
    return ids.length;
  }

  /** Imports one file (an upload): read, write, cover. Throws TagError when unreadable. */
  async importFile(folder: MusicFolder, relPath: string, contentHash?: string): Promise<void> {
    const abs = resolveInside(folder.path, relPath);
    if (!abs) throw new TagError("unreadable", "path escapes its folder");
    const stat = await Bun.file(abs).stat();
    await this.store.load();
    const tags = withFallback(
      await this.tagPool.read(abs, { separators: this.separators }),
      relPath,
    );
    const file = {
      folderId: folder.id,
      relPath,
      size: stat.size,
      mtime: Math.floor(stat.mtimeMs),
      tags,
      contentHash,
    };
    await this.store.write([file]);
    const relDir = dirname(relPath) === "." ? "" : dirname(relPath);
    const albumId = this.store.albumIdFor(tags);
    if (albumId !== undefined) {
      await this.assignCovers(new Map([[albumId, { folder, relDir, file: abs }]]), new Map());
    }
  }

  /** Albums without art get a folder image, else the embedded picture of one of their files. */
  private async assignCovers(
    touched: Map<number, { folder: MusicFolder; relDir: string; file: string }>,
    listings: Map<number, Listing>,
  ): Promise<void> {
    if (touched.size === 0) return;
    const ids = [...touched.keys()];
    const bare = new Set<number>();
    for (let i = 0; i < ids.length; i += 400) {
      const part = ids.slice(i, i + 400);
      const rows = await this.database.client.execute({
        sql: `SELECT id FROM albums WHERE cover_art_id IS NULL AND id IN (${part.map(() => "?").join(",")})`,
        args: part,
      });
      for (const r of rows.rows) bare.add(Number(r.id));
    }
    const updates: { sql: string; args: (string | number)[] }[] = [];
    for (const albumId of bare) {
      const at = touched.get(albumId);
      if (!at) continue;
      const cover = await this.findCover(at, listings);
      if (!cover) continue;
      updates.push(
        this.covers.row(cover),
        { sql: "UPDATE albums SET cover_art_id = ? WHERE id = ?", args: [cover.id, albumId] },
        { sql: "UPDATE tracks SET cover_art_id = ? WHERE album_id = ?", args: [cover.id, albumId] },
      );
    }
    if (updates.length) {
      await this.database.write(() => this.database.client.batch(updates, "write"));
      await this.database.changed(LIBRARY_FAMILY);
    }
  }

  private async findCover(
    at: { folder: MusicFolder; relDir: string; file: string },
    listings: Map<number, Listing>,
  ): Promise<CoverFile | undefined> {
    const names =
      listings.get(at.folder.id)?.images.get(at.relDir) ??
      (await readdir(dirname(at.file)).catch(() => [] as string[]));
    const picked = pickCover(names);
    const mime = picked ? imageMime(picked) : undefined;
    if (picked && mime) {
      const data = await Bun.file(join(dirname(at.file), picked))
        .bytes()
        .catch(() => undefined);
      const saved = data && (await this.covers.saveFile(data, mime));
      if (saved) return saved;
    }
    const tags = await this.tagPool
      .read(at.file, { includePicture: true, sidecarLyrics: false })
      .catch(() => undefined);
    return tags?.picture ? this.covers.saveFile(tags.picture.data, tags.picture.mime) : undefined;
  }

  /**
   * Lists unreadable files with their reasons: one write for all of them, their tracks (files
   * that were readable before) removed at once, and the job log told in a few lines.
   */
  private async recordProblems(
    bad: { item: Todo; err: unknown }[],
    options: ScanOptions,
  ): Promise<void> {
    const now = Date.now();
    await this.database.write(() =>
      this.database.client.batch(
        bad.map(({ item, err }) => ({
          sql: `INSERT INTO scan_problems (folder_id, path, reason, message, size, mtime, seen_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(folder_id, path) DO UPDATE SET reason = excluded.reason,
                  message = excluded.message, size = excluded.size, mtime = excluded.mtime,
                  seen_at = excluded.seen_at`,
          args: [
            item.folder.id,
            item.relPath,
            err instanceof TagError ? err.reason : "unreadable",
            problemText(err),
            item.size,
            item.mtime,
            now,
          ],
        })),
        "write",
      ),
    );
    const knownIds = bad.flatMap(({ item }) => (item.known ? [item.known.id] : []));
    if (knownIds.length) await this.store.remove(knownIds);
    // Log lines stay under the job log's 2,000-character cap.
    let line = "";
    for (const { item, err } of bad) {
      const entry = `${item.folder.name}/${item.relPath}: ${problemText(err)}`;
      if (line && line.length + entry.length > 1900) {
        await options.log(line, "warn");
        line = "";
      }
      line = line ? `${line}; ${entry}` : entry;
    }
    if (line) await options.log(line, "warn");
  }

  private async clearProblems(files: ScannedFile[]): Promise<void> {
    if (files.length === 0) return;
    await this.database.write(() =>
      this.database.client.batch(
        files.map((f) => ({
          sql: "DELETE FROM scan_problems WHERE folder_id = ? AND path = ?",
          args: [f.folderId, f.relPath],
        })),
        "write",
      ),
    );
  }

  private async forgetVanishedProblems(present: Set<string>): Promise<void> {
    const rows = await this.database.client.execute("SELECT folder_id, path FROM scan_problems");
    const gone = rows.rows.filter(
      (r) => !present.has(fileKey(Number(r.folder_id), String(r.path))),
    );
    if (gone.length === 0) return;
    await this.database.write(() =>
      this.database.client.batch(
        gone.map((r) => ({
          sql: "DELETE FROM scan_problems WHERE folder_id = ? AND path = ?",
          args: [Number(r.folder_id), String(r.path)],
        })),
        "write",
      ),
    );
  }
}

function problemText(err: unknown): string {
  if (err instanceof TagError) return `${err.reason}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
