import type { AppContext } from "../../context.ts";
import { annotations, type ItemRef, missingItems } from "../../library/annotations.ts";
import {
  ALBUM_LIST_TYPES,
  type AlbumListType,
  albumArtists,
  albumIdsOfArtist,
  albumList,
  genreCounts,
  groupByIndex,
  IGNORED_ARTICLES,
  lastModified,
  listDirectory,
  randomTrackIds,
  trackIdsByGenre,
  trackIdsOfAlbum,
} from "../../library/browse.ts";
import { albumsByIds, artistsByIds, tracksByIds } from "../../library/queries.ts";
import type { Node } from "./render.ts";
import { albumNode, artistNode, ids, parseDirId, parseId, songNode, withMarks } from "./shapes.ts";
import { type SubsonicCall, SubsonicFailure, type SubsonicMethod } from "./types.ts";

// ── parameters ──────────────────────────────────────────────────────────────

export function required(call: Pick<SubsonicCall, "params">, name: string): string {
  const v = call.params.get(name);
  if (v === null || v === "")
    throw new SubsonicFailure(10, `Required parameter is missing: ${name}`);
  return v;
}

/** An optional integer; out-of-range values are clamped to `max`, garbage is an error. */
export function intParam(
  call: SubsonicCall,
  name: string,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = call.params.get(name);
  if (raw === null || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new SubsonicFailure(0, `${name} must be an integer ≥ 0`);
  return Math.min(n, max);
}

function optionalInt(call: SubsonicCall, name: string): number | undefined {
  const raw = call.params.get(name);
  if (raw === null || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new SubsonicFailure(0, `${name} must be an integer`);
  return n;
}

const notFound = (what: string) => new SubsonicFailure(70, `${what} not found`);

/** A strictly prefixed id of one kind; anything else is "not found". */
export function idOf(value: string, prefix: "ar" | "al" | "tr"): number {
  const id = parseId(value, prefix);
  if (id === undefined) throw notFound(`Item ${value}`);
  return id;
}

const TYPES = { ar: "artist", al: "album", tr: "track" } as const;

/** A track, album or artist id (`tr-`, `al-`, `ar-`), or undefined. */
export function itemRef(value: string): ItemRef | undefined {
  const prefix = value.slice(0, 2) as keyof typeof TYPES;
  const type = TYPES[prefix];
  const id = type ? parseId(value, prefix) : undefined;
  return type && id !== undefined ? { type, id } : undefined;
}

/** Throws 70 when any of the refs does not exist. */
export async function mustExist(ctx: AppContext, refs: ItemRef[]): Promise<void> {
  for (const type of ["artist", "album", "track"] as const) {
    const missing = await missingItems(
      ctx.database,
      type,
      refs.filter((r) => r.type === type).map((r) => r.id),
    );
    if (missing.length) throw notFound(`${type} ${missing[0]}`);
  }
}

async function folderParam(ctx: AppContext, call: SubsonicCall): Promise<number | undefined> {
  const raw = call.params.get("musicFolderId");
  if (raw === null || raw === "") return undefined;
  const id = /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
  if (id === undefined || !(await ctx.library.folder(id))) throw notFound(`Music folder ${raw}`);
  return id;
}

// ── hydration with the caller's marks ───────────────────────────────────────

export async function songs(ctx: AppContext, userId: number, trackIds: number[]): Promise<Node[]> {
  const [rows, m] = await Promise.all([
    tracksByIds(ctx.database, trackIds),
    annotations(ctx.database, userId, "track", trackIds),
  ]);
  return rows.map((t) => withMarks(songNode(t), m.get(t.id)));
}

export async function albums(ctx: AppContext, userId: number, albumIds: number[]): Promise<Node[]> {
  const [rows, m] = await Promise.all([
    albumsByIds(ctx.database, albumIds),
    annotations(ctx.database, userId, "album", albumIds),
  ]);
  return rows.map((a) => withMarks(albumNode(a), m.get(a.id)));
}

/** Albums as folder-tree children (getAlbumList, getStarred): `al-` ids getMusicDirectory opens. */
export async function albumChildren(
  ctx: AppContext,
  userId: number,
  albumIds: number[],
): Promise<Node[]> {
  return (await albums(ctx, userId, albumIds)).map((a) => ({
    id: a.id,
    parent: a.artistId,
    isDir: true,
    title: a.name,
    album: a.name,
    artist: a.artist,
    year: a.year,
    genre: a.genre,
    coverArt: a.coverArt,
    duration: a.duration,
    created: a.created,
    artistId: a.artistId,
    userRating: a.userRating,
    playCount: a.playCount,
    starred: a.starred,
  }));
}

export async function artists(
  ctx: AppContext,
  userId: number,
  artistIds: number[],
): Promise<Node[]> {
  const [rows, m] = await Promise.all([
    artistsByIds(ctx.database, artistIds),
    annotations(ctx.database, userId, "artist", artistIds),
  ]);
  return rows.map((a) => withMarks(artistNode(a), m.get(a.id)));
}

// ── methods ─────────────────────────────────────────────────────────────────

/** Browsing: folder tree (getIndexes, getMusicDirectory) and ID3 (getArtists, getAlbum …). */
export function browseMethods(ctx: AppContext): Record<string, SubsonicMethod> {
  const db = ctx.database;

  const getIndexes: SubsonicMethod = async (call) => {
    const folderId = await folderParam(ctx, call);
    const folders = (await ctx.library.folders()).filter(
      (f) => folderId === undefined || f.id === folderId,
    );
    const modified = await lastModified(db);
    const since = optionalInt(call, "ifModifiedSince");
    const body = { lastModified: modified, ignoredArticles: IGNORED_ARTICLES };
    if (since !== undefined && modified <= since) return { indexes: { ...body, index: [] } };
    const dirs: { id: string; name: string }[] = [];
    const files: number[] = [];
    for (const f of folders) {
      const listing = await listDirectory(db, f.id, "");
      for (const d of listing?.subdirs ?? [])
        dirs.push({ id: ids.dir(f.id, d.name), name: d.name });
      files.push(...(listing?.trackIds ?? []));
    }
    return {
      indexes: {
        ...body,
        index: groupByIndex(dirs, (d) => d.name).map(([name, artist]) => ({ name, artist })),
        child: await songs(ctx, call.user.id, files),
      },
    };
  };

  const getArtists: SubsonicMethod = async (call) => {
    const folderId = await folderParam(ctx, call);
    const list = await albumArtists(db, folderId);
    const m = await annotations(
      db,
      call.user.id,
      "artist",
      list.map((a) => a.id),
    );
    return {
      artists: {
        ignoredArticles: IGNORED_ARTICLES,
        index: groupByIndex(list, (a) => a.name).map(([name, items]) => ({
          name,
          artist: items.map((a) => withMarks(artistNode(a), m.get(a.id))),
        })),
      },
    };
  };

  /** A folder-tree directory; `ar-` and `al-` ids open as directories too (albumList children). */
  const getMusicDirectory: SubsonicMethod = async (call) => {
    const raw = required(call, "id");
    const me = call.user.id;
    const artistId = parseId(raw, "ar");
    if (artistId !== undefined) {
      const [artist] = await artists(ctx, me, [artistId]);
      if (!artist) throw notFound("Directory");
      const children = await albumChildren(ctx, me, await albumIdsOfArtist(db, artistId));
      return {
        directory: {
          id: artist.id,
          name: artist.name,
          starred: artist.starred,
          userRating: artist.userRating,
          child: children,
        },
      };
    }
    const albumId = parseId(raw, "al");
    if (albumId !== undefined) {
      const [album] = await albums(ctx, me, [albumId]);
      if (!album) throw notFound("Directory");
      return {
        directory: {
          id: album.id,
          parent: album.artistId,
          name: album.name,
          starred: album.starred,
          userRating: album.userRating,
          playCount: album.playCount,
          child: await songs(ctx, me, await trackIdsOfAlbum(db, albumId)),
        },
      };
    }
    const dir = parseDirId(raw);
    const folder = dir && (await ctx.library.folder(dir.folderId));
    if (!dir || !folder) throw notFound("Directory");
    const listing = await listDirectory(db, dir.folderId, dir.path);
    if (!listing) throw notFound("Directory");
    const id = ids.dir(dir.folderId, dir.path);
    const cut = dir.path.lastIndexOf("/");
    const files = await songs(ctx, me, listing.trackIds);
    files.sort(
      (a, b) =>
        Number(a.discNumber ?? 0) - Number(b.discNumber ?? 0) ||
        Number(a.track ?? 0) - Number(b.track ?? 0) ||
        String(a.path).localeCompare(String(b.path)),
    );
    return {
      directory: {
        id,
        parent: dir.path ? ids.dir(dir.folderId, cut < 0 ? "" : dir.path.slice(0, cut)) : undefined,
        name: dir.path ? dir.path.slice(cut + 1) : folder.name,
        child: [
          ...listing.subdirs.map((d) => ({
            id: ids.dir(dir.folderId, dir.path ? `${dir.path}/${d.name}` : d.name),
            parent: id,
            isDir: true,
            title: d.name,
            coverArt: d.coverArtId ? ids.cover(d.coverArtId) : undefined,
          })),
          ...files.map((s) => ({ ...s, parent: id })),
        ],
      },
    };
  };

  const getGenres: SubsonicMethod = async () => ({
    genres: {
      genre: (await genreCounts(db)).map((g) => ({
        songCount: g.songCount,
        albumCount: g.albumCount,
        value: g.name,
      })),
    },
  });

  const getArtist: SubsonicMethod = async (call) => {
    const id = idOf(required(call, "id"), "ar");
    const [artist] = await artists(ctx, call.user.id, [id]);
    if (!artist) throw notFound("Artist");
    return {
      artist: { ...artist, album: await albums(ctx, call.user.id, await albumIdsOfArtist(db, id)) },
    };
  };

  const getAlbum: SubsonicMethod = async (call) => {
    const id = idOf(required(call, "id"), "al");
    const [album] = await albums(ctx, call.user.id, [id]);
    if (!album) throw notFound("Album");
    return {
      album: { ...album, song: await songs(ctx, call.user.id, await trackIdsOfAlbum(db, id)) },
    };
  };

  const getSong: SubsonicMethod = async (call) => {
    const id = idOf(required(call, "id"), "tr");
    const [song] = await songs(ctx, call.user.id, [id]);
    if (!song) throw notFound("Song");
    return { song };
  };

  const listIds = async (call: SubsonicCall) => {
    const type = required(call, "type") as AlbumListType;
    if (!ALBUM_LIST_TYPES.includes(type))
      throw new SubsonicFailure(0, `Unknown list type: ${type}`);
    let fromYear: number | undefined;
    let toYear: number | undefined;
    let genre: string | undefined;
    if (type === "byYear") {
      required(call, "fromYear");
      required(call, "toYear");
      fromYear = optionalInt(call, "fromYear");
      toYear = optionalInt(call, "toYear");
    }
    if (type === "byGenre") genre = required(call, "genre");
    return albumList(db, {
      type,
      userId: call.user.id,
      size: intParam(call, "size", 10, 500),
      offset: intParam(call, "offset", 0),
      folderId: await folderParam(ctx, call),
      fromYear,
      toYear,
      genre,
    });
  };

  const trackFilter = async (call: SubsonicCall) => ({
    folderId: await folderParam(ctx, call),
    genre: call.params.get("genre") || undefined,
    fromYear: optionalInt(call, "fromYear"),
    toYear: optionalInt(call, "toYear"),
  });

  return {
    getIndexes,
    getArtists,
    getMusicDirectory,
    getGenres,
    getArtist,
    getAlbum,
    getSong,
    getAlbumList: async (call) => ({
      albumList: { album: await albumChildren(ctx, call.user.id, await listIds(call)) },
    }),
    getAlbumList2: async (call) => ({
      albumList2: { album: await albums(ctx, call.user.id, await listIds(call)) },
    }),
    getRandomSongs: async (call) => {
      const size = intParam(call, "size", 10, 500);
      const trackIds = await randomTrackIds(db, await trackFilter(call), size);
      return { randomSongs: { song: await songs(ctx, call.user.id, trackIds) } };
    },
    getSongsByGenre: async (call) => {
      const genre = required(call, "genre");
      const trackIds = await trackIdsByGenre(db, genre, {
        count: intParam(call, "count", 10, 500),
        offset: intParam(call, "offset", 0),
        folderId: await folderParam(ctx, call),
      });
      return { songsByGenre: { song: await songs(ctx, call.user.id, trackIds) } };
    },
  };
}
