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

  /** Writes the image file if new; the row is the caller's to insert (see `row`). */
  async saveFile(data: Uint8Array, mime: string): Promise<CoverFile | undefined> {
    const type = mime.toLowerCase();
    const ext = EXT[type];
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
    return { id, mime: type, size: data.length, path };
  }

  /** The statement that records a saved file (idempotent). */
  row(file: CoverFile): { sql: string; args: (string | number)[] } {
    return {
      sql: "INSERT OR IGNORE INTO cover_art (id, mime, size, path) VALUES (?, ?, ?, ?)",
      args: [file.id, file.mime, file.size, file.path],
    };
  }

  /** Stores the image if new; returns its id (SHA-256 hex), or undefined for a non-image. */
  async save(data: Uint8Array, mime: string): Promise<string | undefined> {
    const file = await this.saveFile(data, mime);
    if (!file) return undefined;
    await this.database.write(() => this.database.client.execute(this.row(file)));
    return file.id;
  }
}

export interface CoverFile {
  id: string;
  mime: string;
  size: number;
  path: string;
}
