import type { Database } from "../db/client.ts";

export interface SearchPage {
  query: string;
  artistCount: number;
  artistOffset: number;
  albumCount: number;
  albumOffset: number;
  songCount: number;
  songOffset: number;
  musicFolderId?: number;
}

/** Turns user text into an FTS5 prefix query: every word must match, as a prefix. */
export function ftsQuery(text: string): string | undefined {
  const words = text
    .normalize("NFKC")
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 12);
  if (words.length === 0) return undefined;
  return words.map((w) => `"${w.replace(/"/g, "")}"*`).join(" ");
}

export interface SearchResult {
  artistIds: number[];
  albumIds: number[];
  trackIds: number[];
}

/**
 * search2/search3: full-text over names and titles; an empty query pages the
 * whole library in id order (offline-sync clients), which stays fast at any depth.
 */
export async function search(database: Database, page: SearchPage): Promise<SearchResult> {
  const q = page.query.replace(/^"+|"+$/g, "").trim();
  const match = ftsQuery(q);
  const folder = page.musicFolderId;
  // Three reads on kept statements (Database.all), one per kind.
  const read = (statements: { sql: string; args: (string | number)[] }[]) =>
    Promise.all(statements.map((st) => database.all(st.sql, st.args)));
  if (!match) {
    const [ar, al, tr] = await read([
      {
        sql: "SELECT id FROM artists ORDER BY sort_name, id LIMIT ? OFFSET ?",
        args: [page.artistCount, page.artistOffset],
      },
      {
        sql: `SELECT id FROM albums ${folder ? "WHERE folder_id = ?" : ""} ORDER BY id LIMIT ? OFFSET ?`,
        args: folder
          ? [folder, page.albumCount, page.albumOffset]
          : [page.albumCount, page.albumOffset],
      },
      {
        sql: `SELECT id FROM tracks ${folder ? "WHERE folder_id = ?" : ""} ORDER BY id LIMIT ? OFFSET ?`,
        args: folder
          ? [folder, page.songCount, page.songOffset]
          : [page.songCount, page.songOffset],
      },
    ]);
    return {
      artistIds: ar?.map((r) => Number(r.id)) ?? [],
      albumIds: al?.map((r) => Number(r.id)) ?? [],
      trackIds: tr?.map((r) => Number(r.id)) ?? [],
    };
  }
  const [ar, al, tr] = await read([
    {
      sql: "SELECT rowid AS id FROM artists_fts WHERE artists_fts MATCH ? ORDER BY rank LIMIT ? OFFSET ?",
      args: [match, page.artistCount, page.artistOffset],
    },
    {
      sql: `SELECT f.rowid AS id FROM albums_fts f ${folder ? "JOIN albums a ON a.id = f.rowid AND a.folder_id = ?" : ""}
              WHERE albums_fts MATCH ? ORDER BY rank LIMIT ? OFFSET ?`,
      args: folder
        ? [folder, match, page.albumCount, page.albumOffset]
        : [match, page.albumCount, page.albumOffset],
    },
    {
      sql: `SELECT f.rowid AS id FROM tracks_fts f ${folder ? "JOIN tracks t ON t.id = f.rowid AND t.folder_id = ?" : ""}
              WHERE tracks_fts MATCH ? ORDER BY rank LIMIT ? OFFSET ?`,
      args: folder
        ? [folder, match, page.songCount, page.songOffset]
        : [match, page.songCount, page.songOffset],
    },
  ]);
  return {
    artistIds: ar?.map((r) => Number(r.id)) ?? [],
    albumIds: al?.map((r) => Number(r.id)) ?? [],
    trackIds: tr?.map((r) => Number(r.id)) ?? [],
  };
}
