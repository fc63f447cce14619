import type { TrackTags } from "./tags.ts";

/**
 * Untagged files still get a title, album and artist: from the file name and
 * the folders above it ("Artist/2001 - Album/03 Title.mp3").
 */
export function withFallback(tags: TrackTags, relPath: string): TrackTags {
  if (tags.title && tags.album && tags.artists.length && tags.trackNumber !== undefined)
    return tags;
  const parts = relPath.split("/");
  const file = parts[parts.length - 1] ?? relPath;
  const stem = file.replace(/\.[^.]+$/, "");
  const numbered = stem.match(/^(?:(\d{1,2})-)?(\d{1,3})[\s._-]+(.+)$/);
  const dir = parts.length >= 2 ? parts[parts.length - 2] : undefined;
  const grand = parts.length >= 3 ? parts[parts.length - 3] : undefined;
  const out: TrackTags = { ...tags };
  if (!out.title?.trim()) out.title = numbered?.[3]?.trim() || stem;
  if (out.trackNumber === undefined && numbered?.[2]) out.trackNumber = Number(numbered[2]);
  if (out.discNumber === undefined && numbered?.[1]) out.discNumber = Number(numbered[1]);
  if (!out.album?.trim() && dir) {
    const m = dir.match(/^(\d{4})\s*-\s*(.+)$/);
    out.album = m?.[2] ?? dir;
    if (out.year === undefined && m?.[1]) out.year = Number(m[1]);
  }
  if (out.artists.length === 0 && grand) out.artists = [grand];
  return out;
}
