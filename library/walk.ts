import type { Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { extname, join, relative, sep } from "node:path";

export interface FoundFile {
  /** Relative to the folder root, with "/" separators. */
  relPath: string;
  size: number;
  mtime: number;
}

export interface Listing {
  files: FoundFile[];
  /** Image file names per directory (relative, "" for the root): cover candidates. */
  images: Map<string, string[]>;
  /** Relative paths of `.lrc` / `.LRC` files (sidecar lyrics), so readers need not probe for them. */
  lyrics: Set<string>;
}

const IMAGE_EXTENSIONS = new Set([".jpg", ".jpeg", ".png", ".webp"]);

/**
 * Lists the audio files under `root`. Symbolic links are followed only while
 * they resolve inside the root, and each real directory is visited once, so a
 * link loop or a link to `/` cannot take the walk anywhere else.
 */
export async function walkFolder(root: string, audioExtensions: Set<string>): Promise<Listing> {
  const realRoot = await realpath(root);
  const files: FoundFile[] = [];
  const images = new Map<string, string[]>();
  const lyrics = new Set<string>();
  const seenDirs = new Set<string>();
  const inside = (p: string) => p === realRoot || p.startsWith(realRoot + sep);

  const visit = async (dir: string, rel: string): Promise<void> => {
    const real = await realpath(dir).catch(() => undefined);
    if (!real || !inside(real) || seenDirs.has(real)) return;
    seenDirs.add(real);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // unreadable directory: nothing to list
    }
    const subdirs: Promise<void>[] = [];
    const stats: Promise<void>[] = [];
    for (const entry of entries) {
      const abs = join(dir, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await realpath(abs).catch(() => undefined);
        if (!target || !inside(target)) continue;
        const s = await stat(target).catch(() => undefined);
        isDir = !!s?.isDirectory();
        isFile = !!s?.isFile();
      }
      if (isDir) {
        if (!entry.name.startsWith(".")) subdirs.push(visit(abs, childRel));
        continue;
      }
      if (!isFile) continue;
      const ext = extname(entry.name).toLowerCase();
      if (IMAGE_EXTENSIONS.has(ext)) {
        const list = images.get(rel) ?? [];
        list.push(entry.name);
        images.set(rel, list);
      } else if (ext === ".lrc") {
        lyrics.add(childRel);
      } else if (audioExtensions.has(ext.slice(1))) {
        stats.push(
          stat(abs)
            .then((s) => {
              files.push({ relPath: childRel, size: s.size, mtime: Math.floor(s.mtimeMs) });
            })
            .catch(() => undefined),
        );
      }
    }
    await Promise.all(stats);
    await Promise.all(subdirs);
  };

  await visit(root, "");
  files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  return { files, images, lyrics };
}

/** Resolves a stored relative path under its folder, refusing anything that escapes it. */
export function resolveInside(root: string, relPath: string): string | undefined {
  if (!relPath || relPath.startsWith("/") || relPath.includes("\0")) return undefined;
  // Cheap test first (this runs per file in a scan); normalise only when needed.
  if (relPath.includes("..")) {
    const abs = join(root, relPath);
    const rel = relative(root, abs);
    return rel && !rel.startsWith("..") && !rel.startsWith(sep) ? abs : undefined;
  }
  return `${root}${sep}${relPath}`;
}
