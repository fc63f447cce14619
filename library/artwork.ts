/**
 * Cover art for clients: which stored cover an album, artist or track shows, resized copies
 * cached on disk per (cover, size), and generated placeholders. No HTTP here.
 */
import { mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import type { Database } from "../db/client.ts";

/** sharp (libvips) loads on first use: a server that never resizes a cover does not pay its memory. */
let sharpModule: Promise<typeof import("sharp")> | undefined;
async function loadSharp() {
  sharpModule ??= import("sharp");
  return (await sharpModule).default;
}

export interface CoverSource {
  /** Content hash (SHA-256 hex). */
  id: string;
  mime: string;
  /** Absolute path in the covers dir (from our own table, never from a request). */
  path: string;
}

export interface ImageFile {
  path: string;
  mime: string;
}

export type ItemKind = "album" | "artist" | "track";

/** Which cover an item shows: its own, else the one its album or its first album with art has. */
const COVER_OF: Record<ItemKind, string> = {
  track: `SELECT coalesce(t.cover_art_id, a.cover_art_id) AS cover FROM tracks t
            LEFT JOIN albums a ON a.id = t.album_id WHERE t.id = ?`,
  album: `SELECT coalesce(a.cover_art_id,
              (SELECT cover_art_id FROM tracks WHERE album_id = a.id AND cover_art_id IS NOT NULL LIMIT 1)
            ) AS cover FROM albums a WHERE a.id = ?`,
  artist: `SELECT coalesce(ar.cover_art_id,
              (SELECT al.cover_art_id FROM album_artists aa JOIN albums al ON al.id = aa.album_id
                WHERE aa.artist_id = ar.id AND al.cover_art_id IS NOT NULL
                ORDER BY al.year, al.id LIMIT 1)
            ) AS cover FROM artists ar WHERE ar.id = ?`,
};

const OUTPUT: Record<string, { mime: string; ext: "jpg" | "png" | "webp" }> = {
  "image/jpeg": { mime: "image/jpeg", ext: "jpg" },
  "image/png": { mime: "image/png", ext: "png" },
  "image/webp": { mime: "image/webp", ext: "webp" },
};
// GIF (maybe animated) and anything else: a still PNG keeps transparency and sharp writes it.
const FALLBACK_OUTPUT = { mime: "image/png", ext: "png" as const };

export const MAX_COVER_SIZE = 2048;

export class Artwork {
  /** Resized covers and placeholders: derived data, safe to delete at any time. */
  readonly dir: string;

  constructor(
    private readonly database: Database,
    dataDir: string,
  ) {
    this.dir = join(dataDir, "cover-cache");
  }

  async cover(id: string): Promise<CoverSource | undefined> {
    const rs = await this.database.client.execute({
      sql: "SELECT id, mime, path FROM cover_art WHERE id = ?",
      args: [id],
    });
    const r = rs.rows[0];
    return r ? { id: String(r.id), mime: String(r.mime), path: String(r.path) } : undefined;
  }

  /** undefined when the item does not exist; `cover` undefined when it exists without art. */
  async coverOf(kind: ItemKind, id: number): Promise<{ cover?: CoverSource } | undefined> {
    const rs = await this.database.client.execute({ sql: COVER_OF[kind], args: [id] });
    const row = rs.rows[0];
    if (!row) return undefined;
    return { cover: row.cover ? await this.cover(String(row.cover)) : undefined };
  }

  /** The cover scaled to fit `size`×`size` (never enlarged), in the source's format where sharp writes it. */
  async resized(cover: CoverSource, size: number): Promise<ImageFile> {
    const out = OUTPUT[cover.mime] ?? FALLBACK_OUTPUT;
    const path = join(this.dir, cover.id.slice(0, 2), `${cover.id}-${size}.${out.ext}`);
    if (await Bun.file(path).exists()) return { path, mime: out.mime };
    const sharp = await loadSharp();
    const image = sharp(cover.path, { failOn: "error" })
      .rotate()
      .resize(size, size, { fit: "inside", withoutEnlargement: true });
    const encoded =
      out.ext === "jpg"
        ? image.jpeg({ quality: 85 })
        : out.ext === "webp"
          ? image.webp({ quality: 85 })
          : image.png();
    await writeAtomically(path, await encoded.toBuffer());
    return { path, mime: out.mime };
  }

  /** A neutral square PNG for items without art. */
  async placeholder(size: number, shade = 0x60): Promise<ImageFile> {
    const path = join(this.dir, "placeholder", `${shade}-${size}.png`);
    if (!(await Bun.file(path).exists())) {
      const sharp = await loadSharp();
      const png = await sharp({
        create: {
          width: size,
          height: size,
          channels: 3,
          background: { r: shade, g: shade, b: shade },
        },
      })
        .png()
        .toBuffer();
      await writeAtomically(path, png);
    }
    return { path, mime: "image/png" };
  }
}

/** Temp name then rename: a concurrent reader never sees half an image. */
async function writeAtomically(path: string, data: Uint8Array): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  const tmp = `${path}.${process.pid}.${crypto.randomUUID()}.tmp`;
  await Bun.write(tmp, data);
  await rename(tmp, path);
}
