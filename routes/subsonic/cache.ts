/**
 * Rendered answers of the read-only browsing methods, per user and parameters. An answer is
 * built from the library and the caller's own marks only, so its key carries the versions of
 * both cache families (`library`, `annotations:<user>`, bumped by every write that changes
 * them, on any instance through the edge cache) and the database's commit version (any commit
 * at all, for a local file): a star, a rating, a scrobble or a scan is seen by the very next
 * request. The texts stay in this process, bounded in bytes, oldest out first.
 */
import { annotationsOf, type Database, LIBRARY_FAMILY } from "../../db/client.ts";
import type { Rendered } from "./render.ts";

/**
 * Methods whose answers depend on nothing but the library, the caller's marks and the
 * parameters. Random lists are not cached (each call must differ), nor errors.
 */
const CACHEABLE: Record<string, (params: URLSearchParams) => boolean> = {
  getArtists: () => true,
  getIndexes: () => true,
  getArtist: () => true,
  getAlbum: () => true,
  getSong: () => true,
  getMusicDirectory: () => true,
  getGenres: () => true,
  getSongsByGenre: () => true,
  getStarred: () => true,
  getStarred2: () => true,
  getAlbumList: (p) => p.get("type") !== "random",
  getAlbumList2: (p) => p.get("type") !== "random",
  search2: () => true,
  search3: () => true,
};

/** Parameters that do not change an answer's content (credentials; format is keyed apart). */
const IGNORED = new Set(["u", "p", "t", "s", "apiKey", "c", "v", "f", "callback"]);

const encoder = new TextEncoder();

/** Entries outlive no version change, but not this long either (a bound on any miss). */
const TTL_MS = 10 * 60_000;

interface Entry {
  token: string;
  rendered: Rendered;
  bytes: number;
  until: number;
}

export class AnswerCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly database: Database,
    private readonly maxBytes: number,
  ) {}

  /**
   * The key of a cacheable call (undefined for the others): method, user, the rendering
   * (format, legacy shape, JSONP callback) and the other parameters, sorted.
   */
  key(
    method: string,
    userId: number,
    params: URLSearchParams,
    rendering: string,
  ): string | undefined {
    if (this.maxBytes <= 0 || !CACHEABLE[method]?.(params)) return undefined;
    const pairs: [string, string][] = [];
    for (const [k, v] of params) if (!IGNORED.has(k)) pairs.push([k, v]);
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1));
    return JSON.stringify([method, userId, rendering, pairs]);
  }

  /** The token an answer is valid under: family versions and the commit version. */
  token(userId: number): Promise<string> {
    return this.database.freshness(LIBRARY_FAMILY, annotationsOf(userId));
  }

  get(key: string, token: string): Rendered | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.token !== token || entry.until <= Date.now()) {
      this.drop(key, entry);
      return undefined;
    }
    // Most recently used last: eviction takes from the front.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.rendered;
  }

  /** Keeps an answer rendered under `token` (taken before its queries ran). */
  set(key: string, token: string, rendered: Rendered): void {
    // As UTF-8 bytes: a Response sends them without encoding the text again on every hit.
    // A copy of an ArrayBuffer: the Response made from the original may take it over.
    const text = rendered.text;
    const body =
      typeof text === "string"
        ? encoder.encode(text)
        : text instanceof ArrayBuffer
          ? new Uint8Array(text.slice(0))
          : text;
    const bytes = body.byteLength + key.length * 2;
    if (bytes > this.maxBytes / 8) return;
    const old = this.entries.get(key);
    if (old) this.drop(key, old);
    this.entries.set(key, {
      token,
      rendered: { text: body, type: rendered.type },
      bytes,
      until: Date.now() + TTL_MS,
    });
    this.bytes += bytes;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(k, e);
    }
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
