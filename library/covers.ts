import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Database } from "../db/client.ts";

const EXT: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
  "image/gif": "gif",
};

export function imageMime(fileName: string): string | undefined {
  const ext = fileName.split(".").pop()?.toLowerCase();
  if (ext === "jpg" || ext === "jpeg") return "image/jpeg";
  if (ext === "png") return "image/png";
  if (ext === "webp") return "image/webp";
  return undefined;
}

/** Cover images stored once by content hash under <data dir>/covers. */
export class CoverStore {
  readonly dir: string;

  constructor(
    private readonly database: Database,
    dataDir: string,
  ) {
    this.dir = join(dataDir, "covers");
  }

  /** Stores the image if new; returns its id (SHA-256 hex), or undefined for a non-image. */
  async save(data: Uint8Array, mime: string): Promise<string | undefined> {
    const ext = EXT[mime.toLowerCase()];
    if (!ext || data.length === 0) return undefined;
    const id = new Bun.CryptoHasher("sha256").update(data).digest("hex");
    const sub = join(this.dir, id.slice(0, 2));
    const path = join(sub, `${id}.${ext}`);
    if (!(await Bun.file(path).exists())) {
      await mkdir(sub, { recursive: true });
      // Write to a temp name, then rename: a reader never sees half an image.
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, data);
      await rename(tmp, path);
    }
    await this.database.write(() =>
      this.database.client.execute({
        sql: "INSERT OR IGNORE INTO cover_art (id, mime, size, path) VALUES (?, ?, ?, ?)",
        args: [id, mime.toLowerCase(), data.length, path],
      }),
    );
    return id;
  }
}
