import { mkdirSync } from "node:fs";
import { link, mkdir, open, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { jobs, tracks } from "../db/schema.ts";
import { ACTIVE_STATES } from "../jobs/types.ts";
import type { MusicFolder } from "./folders.ts";
import { sniffAudio } from "./tags.ts";
import { resolveInside } from "./walk.ts";

export type UploadOutcome =
  | { name: string; status: "accepted"; path: string; contentHash: string }
  | { name: string; status: "duplicate"; trackId?: number; message: string }
  | {
      name: string;
      status: "rejected";
      code: "not_audio" | "too_large" | "empty";
      message: string;
    };

/** `500 MB`, `1.5 MB`, `800 KB`: a size limit for people. */
export function sizeText(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  if (mb >= 1) return `${Number(mb.toFixed(1))} MB`;
  return `${Math.ceil(bytes / 1024)} KB`;
}

/** Why a file over the size limit was refused. */
export function tooLargeMessage(maxBytes: number): string {
  return `the file is larger than the limit of ${sizeText(maxBytes)} per file`;
}

/** A client's file name made safe: no directories, no control characters, bounded. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const cleaned = base
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point.
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, "")
    .replace(/^\.+/, "")
    .trim()
    .slice(0, 120);
  return cleaned || "upload";
}

/**
 * Takes uploaded files: streams each to a temporary file while hashing it,
 * checks by content that it is audio and new, then moves it atomically into
 * the uploads folder. Importing it is the caller's next step (a job).
 */
export class UploadIntake {
  private readonly tmpDir: string;

  constructor(
    private readonly database: Database,
    dataDir: string,
    private readonly folder: MusicFolder,
    private readonly maxBytes: number,
  ) {
    this.tmpDir = join(dataDir, "tmp");
    mkdirSync(this.tmpDir, { recursive: true });
  }

  get folderId(): number {
    return this.folder.id;
  }

  async receive(
    name: string,
    source: AsyncIterable<Uint8Array>,
    owner: string,
  ): Promise<UploadOutcome> {
    const clientName = safeFileName(name);
    const tmp = join(this.tmpDir, `upload-${crypto.randomUUID()}`);
    const hasher = new Bun.CryptoHasher("sha256");
    const head = new Uint8Array(64);
    let size = 0;
    let tooLarge = false;
    const handle = await open(tmp, "w", 0o600);
    try {
      for await (const chunk of source) {
        if (tooLarge) continue; // drain what the client still sends
        if (size + chunk.length > this.maxBytes) {
          tooLarge = true;
          continue;
        }
        if (size < head.length) head.set(chunk.subarray(0, head.length - size), size);
        size += chunk.length;
        hasher.update(chunk);
        await handle.write(chunk);
      }
    } catch (err) {
      // The upload broke off: nothing of it stays.
      await handle.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await handle.close();
    const reject = async (code: "not_audio" | "too_large" | "empty", message: string) => {
      await rm(tmp, { force: true });
      return { name: clientName, status: "rejected" as const, code, message };
    };
    if (tooLarge) return reject("too_large", tooLargeMessage(this.maxBytes));
    if (size === 0) return reject("empty", "the file is empty");
    const kind = sniffAudio(head.subarray(0, Math.min(size, head.length)));
    if (!kind) return reject("not_audio", "the content is not a known audio format");

    const contentHash = hasher.digest("hex");
    const duplicate = await this.findDuplicate(contentHash, size);
    if (duplicate) {
      await rm(tmp, { force: true });
      return { name: clientName, status: "duplicate", ...duplicate };
    }

    const stem = clientName.replace(/\.[^.]*$/, "") || "upload";
    const dir = safeFileName(owner);
    await mkdir(join(this.folder.path, dir), { recursive: true });
    // link() fails if the name is taken, so two uploads never overwrite each other.
    for (let i = 0; ; i++) {
      const relPath = `${dir}/${stem}${i ? ` (${i})` : ""}.${kind.suffix}`;
      const dest = resolveInside(this.folder.path, relPath);
      if (!dest) return reject("not_audio", "unusable file name");
      try {
        await link(tmp, dest);
        await rm(tmp, { force: true });
        return { name: clientName, status: "accepted", path: relPath, contentHash };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST" && i < 1000) continue;
        if ((err as NodeJS.ErrnoException).code === "EXDEV") {
          await rename(tmp, dest);
          return { name: clientName, status: "accepted", path: relPath, contentHash };
        }
        throw err;
      }
    }
  }

  /** Takes back a file `receive` accepted (its upload as a whole failed): nothing half-done stays. */
  async remove(relPath: string): Promise<void> {
    const abs = resolveInside(this.folder.path, relPath);
    if (abs) await rm(abs, { force: true });
  }

  /** The same bytes already in the library, or on their way in through an import job. */
  private async findDuplicate(
    contentHash: string,
    size: number,
  ): Promise<{ trackId?: number; message: string } | undefined> {
    const db = this.database.db;
    const byHash = await db.query.tracks.findFirst({ where: eq(tracks.contentHash, contentHash) });
    if (byHash) return { trackId: byHash.id, message: "already in the library" };
    const importing = await db.query.jobs.findFirst({
      where: and(
        eq(jobs.dedupId, `import:${contentHash}`),
        inArray(jobs.state, [...ACTIVE_STATES]),
      ),
    });
    if (importing) return { message: "already being imported" };
    // Files found by a scan carry no hash: compare the few of the same size.
    const sameSize = await db
      .select({ id: tracks.id, path: tracks.path, folderId: tracks.folderId })
      .from(tracks)
      .where(eq(tracks.size, size))
      .limit(50);
    for (const candidate of sameSize) {
      const folder = await db.query.musicFolders.findFirst({
        where: (f, { eq }) => eq(f.id, candidate.folderId),
      });
      const abs = folder && resolveInside(folder.path, candidate.path);
      if (!abs) continue;
      const file = Bun.file(abs);
      if (!(await file.exists())) continue;
      const hasher = new Bun.CryptoHasher("sha256");
      for await (const chunk of file.stream()) hasher.update(chunk);
      if (hasher.digest("hex") === contentHash) {
        return { trackId: candidate.id, message: "already in the library" };
      }
    }
    return undefined;
  }
}
