import type { Annotation } from "../../library/annotations.ts";
import type { AlbumView, ArtistView, TrackView } from "../../library/queries.ts";
import { type Node, shared } from "./render.ts";

/** Prefixed string ids: purely numeric ids get mangled by some clients. */
export const ids = {
  artist: (id: number) => `ar-${id}`,
  album: (id: number) => `al-${id}`,
  track: (id: number) => `tr-${id}`,
  cover: (id: string) => `co-${id}`,
  /** A folder-tree directory: folder id + base64url of its path relative to the folder. */
  dir: (folderId: number, path: string) =>
    `dir-${folderId}-${Buffer.from(path, "utf8").toString("base64url")}`,
};

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Strict inverse of `ids.dir`: only the canonical encoding of a clean relative
 * path ("" = the folder root; no empty, "." or ".." segments, no backslash or NUL).
 * The path is only ever compared with stored track paths, never opened.
 */
export function parseDirId(value: string | null): { folderId: number; path: string } | undefined {
  const m = value?.match(/^dir-(\d{1,15})-([A-Za-z0-9_-]{0,4096})$/);
  if (!m?.[1] || m[2] === undefined) return undefined;
  const bytes = Buffer.from(m[2], "base64url");
  if (bytes.toString("base64url") !== m[2]) return undefined;
  let path: string;
  try {
    path = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  if (path.includes("\\") || path.includes("\0")) return undefined;
  if (path !== "" && path.split("/").some((seg) => seg === "" || seg === "." || seg === "..")) {
    return undefined;
  }
  return { folderId: Number(m[1]), path };
}

export function parseId(
  value: string | null,
  prefix: "ar" | "al" | "tr" | "pl",
): number | undefined {
  const m = value?.match(/^([a-z]{2})-(\d{1,15})$/);
  if (!m || m[1] !== prefix) return undefined;
  return Number(m[2]);
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The caller's marks as attributes of a song, album or artist node (spread after
 * it); absent ones stay undefined so they are not rendered.
 */
/** A shared node with the caller's marks: the node itself when there are none. */
export function withMarks(node: Node, a: Annotation | undefined): Node {
  return a ? { ...node, ...marks(a) } : node;
}

export function marks(a: Annotation | undefined): Node {
  return {
    starred: a?.starredAt !== undefined ? iso(a.starredAt) : undefined,
    userRating: a?.rating || undefined,
    playCount: a?.playCount ?? undefined,
  };
}

/**
 * Nodes of views, built once per view: the views are themselves kept per library version
 * (library/queries.ts), so a page of songs mostly reuses nodes, and their rendered text
 * (render.ts `shared`). Frozen, as they are shared: spread one to add to it (`withMarks`).
 */
function once<V extends object>(build: (v: V) => Node): (v: V) => Node {
  const built = new WeakMap<V, Node>();
  return (v) => {
    let node = built.get(v);
    if (!node) {
      node = shared(build(v));
      built.set(v, node);
    }
    return node;
  };
}

export const songNode = once(buildSongNode);
export const albumNode = once(buildAlbumNode);
export const artistNode = once(buildArtistNode);

function buildSongNode(t: TrackView): Node {
  return {
    id: ids.track(t.id),
    parent: t.albumId ? ids.album(t.albumId) : undefined,
    isDir: false,
    title: t.title,
    album: t.album ?? undefined,
    artist: t.artist,
    track: t.trackNumber ?? undefined,
    year: t.year ?? undefined,
    genre: t.genres[0],
    coverArt: t.coverArtId ? ids.cover(t.coverArtId) : undefined,
    size: t.size,
    contentType: t.contentType,
    suffix: t.suffix,
    duration: Math.round(t.durationMs / 1000),
    bitRate: t.bitRate ?? undefined,
    path: t.path,
    discNumber: t.discNumber ?? undefined,
    created: iso(t.createdAt),
    albumId: t.albumId ? ids.album(t.albumId) : undefined,
    artistId: t.artistId ? ids.artist(t.artistId) : undefined,
    type: "music",
  };
}

function buildAlbumNode(a: AlbumView): Node {
  return {
    id: ids.album(a.id),
    name: a.name,
    artist: a.artist,
    artistId: a.artistId ? ids.artist(a.artistId) : undefined,
    coverArt: a.coverArtId ? ids.cover(a.coverArtId) : undefined,
    songCount: a.songCount,
    duration: Math.round(a.durationMs / 1000),
    created: iso(a.createdAt),
    year: a.year ?? undefined,
    genre: a.genres[0],
  };
}

/** An album as a folder-tree directory entry (Child with isDir), where the older API expects one. */
export function albumDirNode(a: AlbumView): Node {
  const n = albumNode(a);
  return {
    id: n.id,
    parent: n.artistId,
    isDir: true,
    title: a.name,
    album: a.name,
    artist: n.artist,
    year: n.year,
    genre: n.genre,
    coverArt: n.coverArt,
    duration: n.duration,
    created: n.created,
    artistId: n.artistId,
  };
}

function buildArtistNode(a: ArtistView): Node {
  return {
    id: ids.artist(a.id),
    name: a.name,
    coverArt: a.coverArtId ? ids.cover(a.coverArtId) : undefined,
    albumCount: a.albumCount,
  };
}
