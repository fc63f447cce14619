/**
 * Bad input gets a clear error and loses nothing, over the whole Subsonic API.
 *
 * Every method of `subsonicMethods` is sent hostile parameters (empty, negative, huge,
 * malformed ids, path traversal, NUL bytes, markup, SQL, repeated parameters, unicode, long
 * strings …), over GET and form POST, as XML, JSON and JSONP. Every answer must be a well-formed
 * envelope with a Subsonic error code (or, for the binary methods, media), never a 5xx nor an
 * uncaught exception; and the database must show no write that the caller may not make, nor
 * any write at all by a call that failed. All violations are collected, so one run shows each.
 * Each method starts from valid calls (BASES) that the cases break one parameter at a time,
 * so the hostile values reach past the first check. Unknown method names get the same checks.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { createLogger } from "../log.ts";
import { subsonicMethods } from "../routes/subsonic/index.ts";
import { generateLibrary } from "../scripts/generate-library.ts";
import { scanLibrary, startTestApp, type TestApp, tempDir, userWithKey } from "./helpers/app.ts";
import { type Json, subsonicCaller } from "./helpers/subsonic.ts";

let t: TestApp;
let adminKey = "";
let bobKey = "";
let malloryKey = "";
let malloryId = 0;
const root = tempDir("bandstand-hostile-");
const music = join(root, "music");
/** Errors the app logged: each one during a call is a violation of that call. */
const logged: string[] = [];

// ── what is sent ────────────────────────────────────────────────────────────

/** Parameters the methods read (and a few they do not). */
const PARAMS = [
  "id",
  "albumId",
  "artistId",
  "songId",
  "playlistId",
  "songIdToAdd",
  "songIndexToRemove",
  "count",
  "size",
  "offset",
  "songCount",
  "albumCount",
  "artistCount",
  "albumOffset",
  "artistOffset",
  "songOffset",
  "fromYear",
  "toYear",
  "type",
  "genre",
  "musicFolderId",
  "maxBitRate",
  "bitRate",
  "format",
  "timeOffset",
  "duration",
  "time",
  "submission",
  "rating",
  "position",
  "positionMs",
  "index",
  "current",
  "currentIndex",
  "action",
  "gain",
  "url",
  "name",
  "comment",
  "public",
  "username",
  "password",
  "email",
  "adminRole",
  "description",
  "expires",
  "query",
  "ifModifiedSince",
  "channelId",
  "episodeId",
  "streamUrl",
  "homepageUrl",
  "since",
  "message",
  "estimateContentLength",
  "converted",
  "mediaId",
  "mediaType",
  "state",
  "playbackRate",
  "ignoreScrobble",
  "includeEpisodes",
  "fullScan",
  "artist",
  "title",
  // The player name: stored with now-playing entries and play queues.
  "c",
];

const LONG = "x".repeat(10_000);
/** Values, as strings (sent URL-encoded). */
const HOSTILE_VALUES = [
  "",
  " ",
  "-1",
  "-0",
  "0",
  "1.5",
  "1e309",
  "-1e309",
  "1e3",
  "NaN",
  "Infinity",
  "9999999999999999999999",
  "9".repeat(400),
  "0x10",
  " 1",
  "1 ",
  "+1",
  "tr-",
  "tr-abc",
  "tr--1",
  "tr-0",
  "tr-1.5",
  "tr-9999999999999999",
  "al-99999999",
  "ar-99999999",
  "pl-99999999",
  "pe-99999999",
  "pc-99999999",
  "ir-99999999",
  "TR-1",
  "dir-1-Li4",
  "dir-99-",
  "co-zz",
  `co-${"0".repeat(64)}`,
  "../../etc/passwd",
  "/etc/passwd",
  "..\\..\\windows\\win.ini",
  "\u0000",
  "a\u0000b",
  LONG,
  "<script>alert(1)</script>",
  "]]><x/>&amp;&#0;",
  "'; DROP TABLE tracks;--",
  '" OR 1=1 --',
  "𝄞 ünïcødé ✓ 日本語 \u202Eevil",
  "\uFEFF1",
  "true",
  "TRUE",
  "null",
  "undefined",
  "{}",
  "[]",
  "bogusType",
  "enc:zz",
  "enc:",
  "javascript:alert(1)",
  "file:///etc/passwd",
  "http://",
  "http://[::1",
  "mallory",
  "admin",
  "9999999",
  "9999999.999",
  // Names every plain object answers: a lookup table keyed by input must not find them.
  "constructor",
  "__proto__",
  "toString",
  "hasOwnProperty",
];
/** Already percent-encoded, sent as they are: NUL, broken escapes, invalid UTF-8. */
const RAW_VALUES = ["%00", "%", "%zz", "%ED%A0%80", "%FF%FE", "a%00b", "%2e%2e%2f", "%F0%9D"];

/** Valid-looking values (filled in from the seeded data), for the random mixes. */
let plausible: string[] = [];

/** Ids and names of the seeded data, which valid calls take. */
interface Seeded {
  tr: string[];
  al: string;
  ar: string;
  artistName: string;
  cover: string;
  dir: string;
  folder: string;
  genre: string;
  /** mallory's own: a playlist to change, one to delete, a share to change, one to delete. */
  playlist: string;
  sparePlaylist: string;
  share: string;
  spareShare: string;
  /** A station, channel and episode to change, and a station and channel to delete. */
  station: string;
  spareStation: string;
  channel: string;
  spareChannel: string;
  episode: string;
  /** An hour ago, epoch ms. */
  time: string;
}
let seeded: Seeded;

type Pairs = [string, string][];

/**
 * Valid calls of each method (several where its parameters depend on one another): each case
 * breaks one of them, so hostile values meet the checks behind the first one. Valid for
 * mallory (the non-admin), or for an admin where only admins may. A method missing here is
 * fuzzed all the same, from no parameters, and fails "the runs reached every method".
 */
const NONE = (): Pairs[] => [[]];
const BASES: Record<string, (d: Seeded) => Pairs[]> = {
  ping: NONE,
  getLicense: NONE,
  getMusicFolders: NONE,
  getScanStatus: NONE,
  getGenres: NONE,
  getVideos: NONE,
  getNowPlaying: NONE,
  getPlayQueue: NONE,
  getPlayQueueByIndex: NONE,
  getBookmarks: NONE,
  getShares: NONE,
  getInternetRadioStations: NONE,
  getUsers: NONE,
  refreshPodcasts: NONE,
  getVideoInfo: () => [[["id", "1"]]],
  getCaptions: () => [[["id", "1"]]],
  getIndexes: (d) => [
    [
      ["musicFolderId", d.folder],
      ["ifModifiedSince", "0"],
    ],
  ],
  getArtists: (d) => [[["musicFolderId", d.folder]]],
  getMusicDirectory: (d) => [[["id", d.dir]], [["id", d.al]], [["id", d.ar]]],
  getArtist: (d) => [[["id", d.ar]]],
  getAlbum: (d) => [[["id", d.al]]],
  getSong: (d) => [[["id", d.tr[0] ?? ""]]],
  getAlbumList: (d) => albumLists(d),
  getAlbumList2: (d) => albumLists(d),
  getRandomSongs: (d) => [
    [
      ["size", "5"],
      ["genre", d.genre],
      ["fromYear", "1900"],
      ["toYear", "2100"],
      ["musicFolderId", d.folder],
    ],
  ],
  getSongsByGenre: (d) => [
    [
      ["genre", d.genre],
      ["count", "5"],
      ["offset", "0"],
      ["musicFolderId", d.folder],
    ],
  ],
  search2: (d) => searches(d),
  search3: (d) => searches(d),
  getStarred: (d) => [[["musicFolderId", d.folder]]],
  getStarred2: (d) => [[["musicFolderId", d.folder]]],
  star: (d) => marks(d),
  unstar: (d) => marks(d),
  setRating: (d) => [
    [
      ["id", d.tr[0] ?? ""],
      ["rating", "3"],
    ],
  ],
  scrobble: (d) => [
    [
      ["id", d.tr[0] ?? ""],
      ["time", d.time],
      ["submission", "true"],
    ],
    [
      ["id", d.tr[1] ?? ""],
      ["submission", "false"],
    ],
  ],
  reportPlayback: (d) => [
    [
      ["mediaId", d.tr[0] ?? ""],
      ["mediaType", "song"],
      ["positionMs", "1000"],
      ["state", "playing"],
      ["playbackRate", "1.5"],
      ["ignoreScrobble", "true"],
    ],
  ],
  getTopSongs: (d) => [
    [
      ["id", d.ar],
      ["count", "5"],
    ],
    [["artist", d.artistName]],
  ],
  getSimilarSongs: (d) => [
    [
      ["id", d.tr[0] ?? ""],
      ["count", "5"],
    ],
  ],
  getSimilarSongs2: (d) => [
    [
      ["id", d.ar],
      ["count", "5"],
    ],
  ],
  getArtistInfo: (d) => [[["id", d.ar]], [["id", d.dir]]],
  getArtistInfo2: (d) => [[["id", d.ar]]],
  getAlbumInfo: (d) => [[["id", d.al]]],
  getAlbumInfo2: (d) => [[["id", d.al]]],
  // `raw` keeps the original file whatever else is broken: no transcode per case.
  stream: (d) => [
    [
      ["id", d.tr[0] ?? ""],
      ["format", "raw"],
      ["maxBitRate", "0"],
      ["timeOffset", "0"],
    ],
  ],
  download: (d) => [[["id", d.tr[0] ?? ""]]],
  getCoverArt: (d) => [
    [
      ["id", d.cover],
      ["size", "64"],
    ],
    [["id", d.al]],
  ],
  getAvatar: () => [[["username", "mallory"]]],
  "hls.m3u8": (d) => [
    [
      ["id", d.tr[0] ?? ""],
      ["bitRate", "128"],
    ],
  ],
  getPlaylists: () => [[["username", "mallory"]]],
  getPlaylist: (d) => [[["id", d.playlist]]],
  createPlaylist: (d) => [
    [
      ["name", "fuzz"],
      ["songId", d.tr[0] ?? ""],
      ["songId", d.tr[1] ?? ""],
    ],
    [
      ["playlistId", d.playlist],
      ["songId", d.tr[1] ?? ""],
    ],
  ],
  // Adds one song and removes one: the playlist keeps its length.
  updatePlaylist: (d) => [
    [
      ["playlistId", d.playlist],
      ["name", "renamed"],
      ["comment", "note"],
      ["public", "false"],
      ["songIdToAdd", d.tr[2] ?? ""],
      ["songIndexToRemove", "0"],
    ],
  ],
  deletePlaylist: (d) => [[["id", d.sparePlaylist]]],
  savePlayQueue: (d) => [
    [
      ["id", d.tr[0] ?? ""],
      ["id", d.tr[1] ?? ""],
      ["current", d.tr[1] ?? ""],
      ["position", "1000"],
    ],
  ],
  savePlayQueueByIndex: (d) => [
    [
      ["id", d.tr[0] ?? ""],
      ["id", d.tr[1] ?? ""],
      ["currentIndex", "1"],
      ["position", "1000"],
    ],
  ],
  createBookmark: (d) => [
    [
      ["id", d.tr[0] ?? ""],
      ["position", "1000"],
      ["comment", "here"],
    ],
  ],
  // The bookmark seeded on the third track; the first call that succeeds removes it.
  deleteBookmark: (d) => [[["id", d.tr[2] ?? ""]]],
  jukeboxControl: (d) => [
    [["action", "get"]],
    [
      ["action", "set"],
      ["id", d.tr[0] ?? ""],
      ["id", d.tr[1] ?? ""],
    ],
    [
      ["action", "add"],
      ["id", d.tr[2] ?? ""],
    ],
    [
      ["action", "skip"],
      ["index", "0"],
      ["offset", "1"],
    ],
    [
      ["action", "remove"],
      ["index", "0"],
    ],
    [
      ["action", "setGain"],
      ["gain", "0.5"],
    ],
  ],
  getPodcasts: (d) => [
    [
      ["id", d.channel],
      ["includeEpisodes", "true"],
    ],
  ],
  getNewestPodcasts: () => [[["count", "5"]]],
  getPodcastEpisode: (d) => [[["id", d.episode]]],
  createPodcastChannel: () => [[["url", "http://127.0.0.1:9/feed"]]],
  deletePodcastChannel: (d) => [[["id", d.spareChannel]]],
  deletePodcastEpisode: (d) => [[["id", d.episode]]],
  downloadPodcastEpisode: (d) => [[["id", d.episode]]],
  createShare: (d) => [
    [
      ["id", d.tr[0] ?? ""],
      ["id", d.al],
      ["id", d.playlist],
      ["description", "shared"],
      ["expires", "0"],
    ],
  ],
  updateShare: (d) => [
    [
      ["id", d.share],
      ["description", "changed"],
      ["expires", "4102444800000"],
    ],
  ],
  deleteShare: (d) => [[["id", d.spareShare]]],
  createInternetRadioStation: () => [stationFields()],
  updateInternetRadioStation: (d) => [[["id", d.station], ...stationFields()]],
  deleteInternetRadioStation: (d) => [[["id", d.spareStation]]],
  getChatMessages: () => [[["since", "0"]]],
  addChatMessage: () => [[["message", "hello"]]],
  getLyrics: (d) => [
    [
      ["artist", d.artistName],
      ["title", "x"],
    ],
  ],
  getLyricsBySongId: (d) => [[["id", d.tr[0] ?? ""]]],
  getUser: () => [[["username", "mallory"]]],
  createUser: () => [
    [
      ["username", "newbie"],
      ["password", "pass-word"],
      ["email", "new@example.test"],
      ["adminRole", "false"],
      ["maxBitRate", "128"],
    ],
  ],
  updateUser: () => [
    [
      ["username", "carol"],
      ["email", "carol@example.test"],
      ["adminRole", "false"],
      ["maxBitRate", "192"],
    ],
  ],
  deleteUser: () => [[["username", "dave"]]],
  changePassword: () => [
    [
      ["username", "mallory"],
      ["password", "pass-word"],
    ],
  ],
  startScan: () => [[["fullScan", "false"]]],
};

/** Methods no call of which can succeed here, with the reason. */
const NEVER_OK: Record<string, string> = {
  getVideoInfo: "Bandstand has no videos: every id is unknown",
  getCaptions: "Bandstand has no videos: every id is unknown",
};

/** Methods left out of the admin pass, with the reason (the user pass gets 50 from them). */
const ADMIN_SKIP: Record<string, string> = {
  startScan: "starts a real library scan: long work, and it rewrites the library",
  refreshPodcasts: "enqueues feed fetches, which write channels in the background",
  createPodcastChannel: "enqueues a feed fetch, which writes the channel in the background",
  downloadPodcastEpisode: "enqueues a download, which writes the episode in the background",
  changePassword: "each accepted call hashes (slow); the user pass runs the same code on its own",
};

/**
 * Methods whose accepted calls hash a password (argon2id, ~0.1 s each): a seeded tenth of the
 * hostile values and added parameters, and no random mixes, keep the run short.
 */
const HEAVY: Record<string, string> = {
  changePassword: "hashes the new password",
  createUser: "hashes the password before it looks for the name",
};

function albumLists(d: Seeded): Pairs[] {
  const paging: Pairs = [
    ["size", "5"],
    ["offset", "0"],
    ["musicFolderId", d.folder],
  ];
  return [
    [["type", "newest"], ...paging],
    [["type", "byYear"], ["fromYear", "1900"], ["toYear", "2100"], ...paging],
    [["type", "byGenre"], ["genre", d.genre], ...paging],
  ];
}

function searches(d: Seeded): Pairs[] {
  return [
    [
      ["query", d.artistName.slice(0, 3)],
      ["artistCount", "5"],
      ["artistOffset", "0"],
      ["albumCount", "5"],
      ["albumOffset", "0"],
      ["songCount", "5"],
      ["songOffset", "0"],
      ["musicFolderId", d.folder],
    ],
  ];
}

function marks(d: Seeded): Pairs[] {
  return [
    [
      ["id", d.tr[0] ?? ""],
      ["albumId", d.al],
      ["artistId", d.ar],
    ],
  ];
}

function stationFields(): Pairs {
  return [
    ["name", "Station"],
    ["streamUrl", "http://127.0.0.1:9/stream"],
    ["homepageUrl", "http://127.0.0.1:9/"],
  ];
}

type Transport = "GET" | "POST" | "POST+query";
type Format = "xml" | "json" | "jsonp";

interface Case {
  method: string;
  /** Parameters, already query-encoded (`name=value` pairs joined by &). */
  query: string;
  transport: Transport;
  format: Format;
  view: boolean;
  /**
   * The player (`c`) when the query names none: one of many, so that per-player throttles
   * (now playing) do not hide a write; now and then a legacy XML client.
   */
  client: string;
  /** The `f` sent: none, or a value asking for the format (XML for anything unknown). */
  f: string | undefined;
  /** JSONP only: the callback name asked for (an unsafe one must be replaced). */
  callback: string;
}

/** A case without parameters, for the calls besides the fuzzing. */
const PLAIN: Case = {
  method: "ping",
  query: "",
  transport: "GET",
  format: "xml",
  view: false,
  client: "test",
  f: undefined,
  callback: "",
};

/** mulberry32: small, seeded, good enough to pick cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const seedOf = (text: string) => Number(Bun.hash.crc32(text));
const enc = (v: string) => encodeURIComponent(v);
const pair = (name: string, encoded: string) => `${enc(name)}=${encoded}`;

const HOSTILE = [...HOSTILE_VALUES.map(enc), ...RAW_VALUES];

/** How many cases of a pass. */
interface Sizes {
  /** Random mixes per valid call. */
  randomCount: number;
  /** One in `sample` of the hostile values and added parameters (1: all). */
  sample: number;
}

/**
 * The cases for one method, all seeded: each valid call as it is; then with each of its
 * parameters missing, set to each hostile value, and repeated; with each other parameter
 * added; random mixes of these; and, from nothing, every parameter and floods of one.
 */
function casesFor(method: string, pass: string, { randomCount, sample }: Sizes): Case[] {
  const rnd = prng(seedOf(`${pass}:${method}`));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const hostile = () => pick(HOSTILE);
  const anyValue = () => (rnd() < 0.3 ? enc(pick(plausible)) : hostile());
  const query = (pairs: Pairs) => pairs.map(([k, v]) => pair(k, v)).join("&");
  // A heavy method takes a tenth of the values, and of the added parameters.
  const share = (HEAVY[method] ? 10 : 1) * sample;
  const offset = Math.floor(rnd() * share);
  const some = <T>(list: readonly T[]) => list.filter((_, i) => (i + offset) % share === 0);
  const queries: string[] = [];
  const bases = BASES[method]?.(seeded) ?? [[]];
  for (const valid of bases) {
    const base: Pairs = valid.map(([k, v]) => [k, enc(v)]);
    const keys = [...new Set(base.map(([k]) => k))];
    queries.push(query(base));
    for (const key of keys) {
      const others = base.filter(([k]) => k !== key);
      queries.push(query(others));
      for (const v of some(HOSTILE)) queries.push(query([...others, [key, v]]));
      queries.push(query([...base, [key, hostile()]]), query([[key, hostile()], ...base]));
    }
    // Each other parameter added; three at a time to a method without parameters.
    const added = some(PARAMS).filter((name) => !keys.includes(name));
    const step = keys.length ? 1 : 3;
    for (let i = 0; i < added.length; i += step) {
      const extra = added.slice(i, i + step).map((name): [string, string] => [name, hostile()]);
      queries.push(query([...base, ...extra]));
    }
    // Random mixes; few for a method without parameters (each one was added above).
    const mixes = HEAVY[method] ? 0 : keys.length ? randomCount : 5;
    for (let i = 0; i < mixes; i++) {
      const pairs = base.map(([k, v]): [string, string] => [k, rnd() < 0.3 ? anyValue() : v]);
      const extra = Math.floor(rnd() * 3);
      for (let j = 0; j < extra; j++) pairs.push([pick(PARAMS), anyValue()]);
      queries.push(query(pairs.filter(() => rnd() > 0.1)));
    }
  }
  // Without the valid ones: every parameter, three at a time (the above did that for a method
  // without parameters), repeated ids, and floods of one parameter.
  if (bases.some((b) => b.length > 0)) {
    for (let i = 0; i < PARAMS.length; i += 3) {
      queries.push(query(PARAMS.slice(i, i + 3).map((name) => [name, hostile()])));
    }
  }
  queries.push("id=1&id=2", "id=&id=&id=");
  for (const name of ["id", pick(PARAMS)]) {
    queries.push(Array.from({ length: 3000 }, () => pair(name, enc(pick(plausible)))).join("&"));
  }
  return queries.map((q): Case => {
    const r = rnd();
    const format = pick(["xml", "xml", "json", "json", "jsonp"] as const);
    return {
      method,
      query: q,
      transport: r < 0.45 ? "GET" : r < 0.8 ? "POST" : "POST+query",
      format,
      // XML by default, by name, or for a value that names no format.
      f: format === "xml" ? pick([undefined, undefined, "xml", "JSON", "<x>"]) : format,
      callback: pick(["cb", "app.on_data", "alert(1)//", "</script><script>", ""]),
      view: rnd() < 0.1,
      client: rnd() < 0.1 ? "DSub" : `fuzz-${Math.floor(rnd() * 300)}`,
    };
  });
}

// ── what is checked ─────────────────────────────────────────────────────────

const CODES = new Set([0, 10, 20, 30, 40, 41, 42, 43, 44, 50, 60, 70]);
/** Methods that may answer media (any type) instead of an envelope. */
const BINARY = new Set(["stream", "download", "getCoverArt", "getAvatar", "hls.m3u8"]);
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" });
const SCRIPT_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

interface Outcome {
  /** The envelope's status, "media" for a binary answer below 400, undefined when unclear. */
  status?: "ok" | "failed" | "media";
  /** The error code of a failed envelope. */
  code?: number;
  problems: string[];
}

/** What is wrong with one answer (nothing, for a clear one). */
async function judge(c: Case, res: Response): Promise<Outcome> {
  const problems: string[] = [];
  const type = res.headers.get("content-type") ?? "";
  const text = await res.text();
  if (res.status >= 500) problems.push(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  const envelope = /xml|json|javascript/.test(type);
  if (!envelope) {
    if (!BINARY.has(c.method)) problems.push(`not an envelope: ${res.status} ${type}`);
    return { status: res.status < 400 ? "media" : undefined, problems };
  }
  if (res.status !== 200) problems.push(`envelope with HTTP ${res.status}`);
  let body: Json | undefined;
  if (c.format === "xml") {
    if (!type.startsWith("application/xml")) problems.push(`XML asked, ${type} answered`);
    const valid = XMLValidator.validate(text);
    if (valid !== true) problems.push(`malformed XML: ${valid.err.msg}`);
    else body = xml.parse(text)["subsonic-response"];
  } else {
    const expected = c.format === "json" ? "application/json" : "application/javascript";
    if (!type.startsWith(expected)) problems.push(`${c.format} asked, ${type} answered`);
    let json = text;
    if (c.format === "jsonp") {
      // A script's name: the one asked for when it is one, never anything else.
      const m = text.match(/^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\(([\s\S]*)\);$/);
      if (!m) problems.push(`malformed JSONP: ${text.slice(0, 80)}`);
      else if (SCRIPT_NAME.test(c.callback) && m[1] !== c.callback) {
        problems.push(`JSONP callback ${m[1]}, ${c.callback} asked`);
      }
      json = m?.[2] ?? "";
    }
    try {
      body = (JSON.parse(json) as Json)["subsonic-response"];
    } catch (err) {
      problems.push(`malformed JSON: ${err}`);
    }
  }
  if (!body) {
    if (problems.length === 0) problems.push("no subsonic-response");
    return { problems };
  }
  const status = body.status;
  if (status !== "ok" && status !== "failed") {
    problems.push(`status ${JSON.stringify(status)}`);
    return { problems };
  }
  if (status === "failed") {
    const code = Number(body.error?.code);
    const message = body.error?.message;
    if (!CODES.has(code)) problems.push(`error code ${JSON.stringify(body.error?.code)}`);
    if (typeof message !== "string" || message === "") problems.push("error without a message");
    // The handler's catch-all: an exception no method turned into a Subsonic error.
    else if (message === "Internal error") problems.push("uncaught exception (Internal error)");
    return { status, code, problems };
  }
  return { status, problems };
}

// ── the database: snapshots, and a log of every row written ─────────────────

/**
 * Tables left out: the job machinery (the in-process dispatcher writes them on its own
 * schedule), migration bookkeeping, and this test's own write log.
 */
const UNWATCHED = new Set([
  "jobs",
  "job_logs",
  "outbox",
  "schedules",
  "__drizzle_migrations",
  "fuzz_writes",
]);

/**
 * Whose a row is: a column holding the user id, or one pointing at a parent row that holds
 * it. Tables not listed belong to no user.
 */
type Owner = { column: string } | { column: string; parent: string; parentOwner: string };
const OWNED: Record<string, Owner> = {
  users: { column: "id" },
  sessions: { column: "user_id" },
  api_keys: { column: "user_id" },
  stars: { column: "user_id" },
  ratings: { column: "user_id" },
  plays: { column: "user_id" },
  now_playing: { column: "user_id" },
  playlists: { column: "owner_id" },
  playlist_entries: { column: "playlist_id", parent: "playlists", parentOwner: "owner_id" },
  play_queues: { column: "user_id" },
  play_queue_entries: { column: "user_id" },
  bookmarks: { column: "user_id" },
  shares: { column: "user_id" },
  share_entries: { column: "share_id", parent: "shares", parentOwner: "user_id" },
  chat_messages: { column: "user_id" },
  jukebox_states: { column: "user_id" },
  jukebox_entries: { column: "user_id" },
  party_rooms: { column: "host_user_id" },
};

/** The library itself: no Subsonic call changes it (startScan is left out of the runs). */
const LIBRARY = [
  "music_folders",
  "cover_art",
  "artists",
  "albums",
  "tracks",
  "track_artists",
  "album_artists",
  "genres",
  "track_genres",
];

/** Per table: "rows:hash" of the rows owned by `owner`, and of all the others. */
interface Snapshot {
  own: Record<string, string>;
  others: Record<string, string>;
}

/** Every table watched (virtual tables and their shadow tables included). */
let tableNames: string[] = [];
/** The real tables among them: those that take triggers. */
let loggedTables: string[] = [];

async function listTables(): Promise<void> {
  const rs = await t.ctx.database.client.execute(
    "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  );
  const rows = rs.rows
    .map((r) => ({ name: String(r.name), sql: String(r.sql) }))
    .filter((r) => !UNWATCHED.has(r.name));
  const virtual = rows.filter((r) => /^CREATE VIRTUAL TABLE/i.test(r.sql)).map((r) => r.name);
  tableNames = rows.map((r) => r.name);
  loggedTables = tableNames.filter((name) => !virtual.some((v) => name.startsWith(v)));
}

const cell = (v: unknown) =>
  v instanceof ArrayBuffer ? Buffer.from(v).toString("hex") : v === undefined ? null : v;

async function digest(sql: string, args: number[]): Promise<string> {
  const rs = await t.ctx.database.client.execute({ sql, args });
  const rows = rs.rows.map((r) => JSON.stringify(rs.columns.map((_, i) => cell(r[i])))).sort();
  return `${rows.length}:${Bun.hash(rows.join("\n")).toString(16)}`;
}

function ownerWhere(o: Owner): string {
  return "parent" in o
    ? `"${o.column}" IN (SELECT id FROM "${o.parent}" WHERE "${o.parentOwner}" = ?)`
    : `"${o.column}" = ?`;
}

async function snapshot(owner: number): Promise<Snapshot> {
  const own: Record<string, string> = {};
  const others: Record<string, string> = {};
  for (const table of tableNames) {
    const o = OWNED[table];
    if (o) {
      own[table] = await digest(`SELECT * FROM "${table}" WHERE ${ownerWhere(o)}`, [owner]);
      others[table] = await digest(`SELECT * FROM "${table}" WHERE NOT (${ownerWhere(o)})`, [
        owner,
      ]);
    } else {
      others[table] = await digest(`SELECT * FROM "${table}"`, []);
    }
  }
  return { own, others };
}

const changedTables = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys({ ...a, ...b }).filter((k) => a[k] !== b[k]);

/**
 * Triggers that log each row inserted, updated or deleted, with its owner: checking every
 * call against a full snapshot would cost more than the calls. Deletions log before the row
 * goes, so that a cascade's child rows still find their parent's owner (logged first).
 */
async function logWrites(): Promise<void> {
  const db = t.ctx.database.client;
  await db.execute("CREATE TABLE fuzz_writes (tbl TEXT NOT NULL, owner INTEGER, parent TEXT)");
  const parents = new Set(Object.values(OWNED).flatMap((o) => ("parent" in o ? [o.parent] : [])));
  for (const table of loggedTables) {
    const o = OWNED[table];
    for (const [when, row] of [
      ["AFTER INSERT", "NEW"],
      ["AFTER UPDATE", "NEW"],
      ["AFTER UPDATE", "OLD"],
      ["BEFORE DELETE", "OLD"],
    ] as const) {
      let owner = "NULL";
      if (o && "parent" in o) {
        owner = `coalesce(
          (SELECT "${o.parentOwner}" FROM "${o.parent}" WHERE id = ${row}."${o.column}"),
          (SELECT owner FROM fuzz_writes WHERE tbl = '${o.parent}' AND parent = ${row}."${o.column}"
            ORDER BY rowid DESC LIMIT 1))`;
      } else if (o) {
        owner = `${row}."${o.column}"`;
      }
      const key = parents.has(table) ? `${row}.id` : "NULL";
      const name = `fuzz_${table}_${when.replace(" ", "_")}_${row}`.toLowerCase();
      await db.execute(
        `CREATE TRIGGER "${name}" ${when} ON "${table}" BEGIN
           INSERT INTO fuzz_writes VALUES ('${table}', ${owner}, ${key});
         END`,
      );
    }
  }
}

/** The rows written since the last look, as table and owner; the log is emptied. */
async function takeWrites(): Promise<{ table: string; owner: number | null }[]> {
  const db = t.ctx.database.client;
  const rs = await db.execute("SELECT tbl, owner FROM fuzz_writes");
  if (rs.rows.length === 0) return [];
  await db.execute("DELETE FROM fuzz_writes");
  return rs.rows.map((r) => ({
    table: String(r.tbl),
    owner: r.owner === null ? null : Number(r.owner),
  }));
}

// ── the run ─────────────────────────────────────────────────────────────────

interface Violation {
  pass: string;
  method: string;
  request: string;
  problem: string;
}

const short = (s: string) => (s.length > 240 ? `${s.slice(0, 240)}…(${s.length} chars)` : s);

async function send(c: Case, key: string): Promise<Response> {
  const credentials = key ? `apiKey=${enc(key)}` : "";
  const format = c.f === undefined ? "" : `&f=${enc(c.f)}`;
  const callback = c.format === "jsonp" ? `&callback=${enc(c.callback)}` : "";
  const auth = `${credentials}${format}${callback}`;
  const client = /(^|&)c=/.test(c.query) ? "" : `&c=${c.client}`;
  const params = `${c.query}${client}`;
  const path = `/rest/${c.method}${c.view ? ".view" : ""}`;
  const form = { "content-type": "application/x-www-form-urlencoded" };
  if (c.transport === "GET") return t.request(`${path}?${auth}&${params}`);
  if (c.transport === "POST")
    return t.request(path, { method: "POST", headers: form, body: `${auth}&${params}` });
  return t.request(`${path}?${auth}`, { method: "POST", headers: form, body: params });
}

interface PassOptions {
  name: string;
  key: () => string;
  /** The caller's user id: others' rows must not change (undefined: an admin, who may). */
  confinedTo?: number;
  /** Methods left out of this pass, each with its reason. */
  skip: Record<string, string>;
  sizes: Sizes;
}

interface PassResult {
  violations: Violation[];
  calls: number;
  /** Methods that answered ok (or media) at least once. */
  succeeded: Set<string>;
  /** Tables the accepted calls wrote (the write log at work). */
  written: Set<string>;
}

/** Runs every method's cases, and checks each answer and each call's writes. */
async function fuzz(opts: PassOptions): Promise<PassResult> {
  const violations: Violation[] = [];
  const succeeded = new Set<string>();
  const written = new Set<string>();
  let calls = 0;
  await takeWrites();
  // Deletions last: what they remove (users, channels …) is there for the other methods.
  const all = Object.keys(subsonicMethods(t.ctx)).sort();
  const deletions = all.filter((name) => name.startsWith("delete"));
  const names = [...all.filter((name) => !deletions.includes(name)), ...deletions];
  for (const method of names) {
    if (opts.skip[method]) continue;
    for (const c of casesFor(method, opts.name, opts.sizes)) {
      const request = `${c.transport} ${c.method}${c.view ? ".view" : ""} f=${c.format} ${short(c.query)}`;
      const report = (problem: string) =>
        violations.push({ pass: opts.name, method, request, problem });
      const logs = logged.length;
      calls++;
      let outcome: Outcome;
      try {
        outcome = await judge(c, await send(c, opts.key()));
      } catch (err) {
        outcome = { problems: [`request threw: ${err}`] };
      }
      for (const p of outcome.problems) report(p);
      // The credentials are good: an authentication error means the request got garbled.
      if (outcome.code !== undefined && outcome.code >= 40 && outcome.code <= 44) {
        report(`authentication failed (${outcome.code})`);
      }
      for (const line of logged.slice(logs)) report(`logged: ${short(line)}`);
      const ok = outcome.status === "ok" || outcome.status === "media";
      if (ok) succeeded.add(method);
      // What was written, whose, and was the caller allowed to?
      const writes = await takeWrites();
      const tables = (list: typeof writes) => [...new Set(list.map((w) => w.table))].join(", ");
      const foreign = writes.filter((w) => w.owner !== opts.confinedTo);
      if (opts.confinedTo !== undefined && foreign.length) {
        report(`wrote rows that are not the caller's: ${tables(foreign)}`);
      }
      const library = writes.filter((w) => LIBRARY.includes(w.table));
      if (library.length) report(`wrote the library: ${tables(library)}`);
      if (!ok && writes.length) report(`failed, yet wrote: ${tables(writes)}`);
      for (const w of writes) written.add(w.table);
    }
    // The server still answers.
    const ping: Case = { ...PLAIN, format: "json", f: "json" };
    const pong = (await judge(ping, await send(ping, opts.key()))).status;
    if (pong !== "ok") {
      violations.push({ pass: opts.name, method, request: "ping", problem: `ping ${pong}` });
    }
  }
  return { violations, calls, succeeded, written };
}

function show(violations: Violation[]): string[] {
  return violations.map((v) => `[${v.pass}] ${v.method}: ${v.problem}\n    ${v.request}`);
}

// ── setup: a library, three users, and data of each to lose ─────────────────

beforeAll(async () => {
  await generateLibrary(music, { tracks: 12, seed: 31, brokenEvery: 0, coverEvery: 2 });
  t = await startTestApp(
    { BANDSTAND_MUSIC_DIR: music, BANDSTAND_AUTO_ANALYZE: "false" },
    { log: createLogger("error", (line) => logged.push(line)) },
  );
  adminKey = await userWithKey(t, "admin", "admin");
  bobKey = await userWithKey(t, "bob");
  malloryKey = await userWithKey(t, "mallory");
  malloryId = (await t.ctx.users.byName("mallory"))?.id ?? 0;
  await scanLibrary(t);
  const db = t.ctx.database.client;
  const ids = async (sql: string) => (await db.execute(sql)).rows.map((r) => String(r.id));
  const tracks = (await ids("SELECT id FROM tracks ORDER BY id")).map((id) => `tr-${id}`);
  const albums = (await ids("SELECT id FROM albums ORDER BY id")).map((id) => `al-${id}`);
  const artists = (await ids("SELECT id FROM artists ORDER BY id")).map((id) => `ar-${id}`);
  const covers = (await ids("SELECT id FROM cover_art ORDER BY id")).map((id) => `co-${id}`);
  const [tr0 = "", tr1 = "", tr2 = "", tr3 = ""] = tracks;
  expect(tracks.length).toBe(12);

  // Plain calls that must succeed (the jukebox answer's `gain` fails the OpenSubsonic schema,
  // which says `volume`: no schema check here, that is for the method's own tests).
  const as = (key: string) => {
    const { call } = subsonicCaller(
      () => t,
      () => key,
      "seed",
    );
    return async (method: string, query = "") => {
      const r = await call(method, query);
      if (r.status !== "ok") throw new Error(`${method}: ${JSON.stringify(r.error)}`);
      return r;
    };
  };
  const admin = as(adminKey);
  const bob = as(bobKey);
  const mallory = as(malloryKey);
  // Everyone's marks, playlists, queue, bookmarks, shares, chat, jukebox and now playing.
  const playlists: Record<string, string> = {};
  const shares: Record<string, string> = {};
  for (const [who, call] of [
    ["admin", admin],
    ["bob", bob],
    ["mallory", mallory],
  ] as const) {
    for (const kind of ["public", "private", "spare"]) {
      const p = (await call("createPlaylist", `name=${who}-${kind}&songId=${tr0}&songId=${tr1}`))
        .playlist.id as string;
      await call("updatePlaylist", `playlistId=${p}&public=${kind === "public"}&comment=${who}`);
      playlists[`${who}-${kind}`] = p;
    }
    await call("star", `id=${tr0}&albumId=${albums[0]}&artistId=${artists[0]}`);
    await call("setRating", `id=${tr1}&rating=4`);
    await call("scrobble", `id=${tr2}&submission=true`);
    await call("scrobble", `id=${tr3}&submission=false`);
    await call("savePlayQueue", `id=${tr0}&id=${tr1}&current=${tr1}&position=1000`);
    await call("createBookmark", `id=${tr2}&position=5000&comment=${who}`);
    for (const kind of ["kept", "spare"]) {
      const share = await call("createShare", `id=${tr0}&id=${albums[0]}&description=${who}`);
      shares[`${who}-${kind}`] = share.shares.share[0].id as string;
    }
    await call("addChatMessage", `message=hello+from+${who}`);
    await call("jukeboxControl", `action=set&id=${tr0}&id=${tr1}`);
  }
  // Accounts only the admin pass changes and deletes.
  await t.ctx.users.create({ username: "carol", password: "pass-word" });
  await t.ctx.users.create({ username: "dave", password: "pass-word" });
  const radio =
    "streamUrl=http%3A%2F%2F127.0.0.1%3A9%2Fstream&homepageUrl=http%3A%2F%2F127.0.0.1%3A9";
  await admin("createInternetRadioStation", `name=Radio&${radio}`);
  await admin("createInternetRadioStation", `name=Spare&${radio}`);
  const stations = (await ids("SELECT id FROM radio_stations ORDER BY id")).map((id) => `ir-${id}`);
  // Podcast channels with a downloaded-looking episode, inserted directly: no feed is fetched.
  const channels: { channel: string; episode: string }[] = [];
  for (const title of ["Cast", "Spare"]) {
    const ch = await db.execute({
      sql: "INSERT INTO podcast_channels (url, title) VALUES (?, ?) RETURNING id",
      args: [`http://127.0.0.1:9/${title}`, title],
    });
    const ep = await db.execute({
      sql: `INSERT INTO podcast_episodes
              (channel_id, guid, title, duration_seconds, status, enclosure_url)
            VALUES (?, 'g-1', 'Episode', 600, 'completed', 'http://127.0.0.1:9/e.mp3')
            RETURNING id`,
      args: [Number(ch.rows[0]?.id)],
    });
    channels.push({ channel: `pc-${ch.rows[0]?.id}`, episode: `pe-${ep.rows[0]?.id}` });
  }
  const folders = await t.ctx.library.folders();
  const artist = (await db.execute("SELECT id, name FROM artists ORDER BY id LIMIT 1")).rows[0];
  seeded = {
    tr: tracks,
    al: albums[0] ?? "",
    ar: `ar-${artist?.id}`,
    artistName: String(artist?.name),
    cover: covers[0] ?? "",
    dir: (await admin("getIndexes")).indexes.index[0]?.artist[0]?.id as string,
    folder: String(folders[0]?.id),
    genre: (await admin("getGenres")).genres.genre[0]?.value as string,
    playlist: playlists["mallory-private"] ?? "",
    sparePlaylist: playlists["mallory-spare"] ?? "",
    share: shares["mallory-kept"] ?? "",
    spareShare: shares["mallory-spare"] ?? "",
    station: stations[0] ?? "",
    spareStation: stations[1] ?? "",
    channel: channels[0]?.channel ?? "",
    spareChannel: channels[1]?.channel ?? "",
    episode: channels[0]?.episode ?? "",
    time: String(Date.now() - 3_600_000),
  };
  plausible = [
    ...tracks.slice(0, 3),
    "tr-999999",
    seeded.al,
    seeded.ar,
    seeded.cover,
    ...Object.values(playlists),
    ...Object.values(shares),
    ...stations,
    ...channels.flatMap((c) => [c.channel, c.episode]),
    seeded.dir,
    `dir-${seeded.folder}-`,
    seeded.genre,
    seeded.folder,
    "1",
    "5",
    "0",
    "2000",
    "true",
    "false",
    "newest",
    "random",
    "byYear",
    "byGenre",
    "alphabeticalByName",
    "get",
    "status",
    "add",
    "remove",
    "skip",
    "setGain",
    "shuffle",
    "0.5",
    "song",
    "podcast",
    "playing",
    "stopped",
    "mp3",
    "raw",
    "bob",
    "mallory",
    "admin",
    "carol",
    "pass-word",
    "enc:70617373",
    "http://127.0.0.1:9/feed",
  ];
  await listTables();
  await logWrites();
}, 120_000);

afterAll(async () => {
  await t?.close();
  rmSync(root, { recursive: true, force: true });
});

// ── the tests ───────────────────────────────────────────────────────────────

describe("hostile input over the whole Subsonic API", () => {
  test("every table with rows of a user is known as owned", async () => {
    // A new per-user table must join OWNED: else a user's writes to their own rows would count
    // as changes to others' data, or, once left out, hide changes to others' rows.
    const perUser: string[] = [];
    for (const table of tableNames) {
      const rs = await t.ctx.database.client.execute({
        sql: "SELECT name FROM pragma_table_info(?)",
        args: [table],
      });
      if (rs.rows.some((r) => /^(user_id|owner_id|host_user_id)$/.test(String(r.name)))) {
        perUser.push(table);
      }
    }
    expect(perUser.length).toBeGreaterThan(10);
    expect(perUser.filter((table) => !OWNED[table])).toEqual([]);
    for (const table of [...Object.keys(OWNED), ...LIBRARY]) expect(tableNames).toContain(table);
  });

  test("unknown method names, also those every object has, are unknown", async () => {
    const names = [
      "constructor",
      "__proto__",
      "toString",
      "valueOf",
      "hasOwnProperty",
      "isPrototypeOf",
      "toLocaleString",
      "__defineGetter__",
      "constructor.view",
      ".view",
      "PING",
      "getUsers%00",
      "ping%2F..%2FgetUsers",
      "%E2%9C%93",
      "x".repeat(5000),
    ];
    const problems: string[] = [];
    for (const name of names) {
      for (const key of [malloryKey, ""]) {
        for (const format of ["xml", "json"] as const) {
          for (const transport of ["GET", "POST"] as const) {
            const c: Case = { ...PLAIN, method: name, transport, format, f: format };
            const res = await send(c, key);
            const { status, problems: found } = await judge(c, res);
            const where = `${transport} ${short(name)} f=${format}${key ? "" : " (no credentials)"}`;
            for (const p of found) problems.push(`${where}: ${p}`);
            if (status !== "failed") problems.push(`${where}: answered ${status}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  const results: Record<string, PassResult> = {};

  test("a non-admin: clear errors, nothing of others changed, no write by a failed call", async () => {
    const before = await snapshot(malloryId);
    const result = await fuzz({
      name: "user",
      key: () => malloryKey,
      confinedTo: malloryId,
      skip: {},
      sizes: { randomCount: 20, sample: 1 },
    });
    results.user = result;
    const after = await snapshot(malloryId);
    if (result.violations.length) console.log(show(result.violations).join("\n"));
    expect(show(result.violations)).toEqual([]);
    // Others' rows and the library, before and after the whole run: counts and contents.
    expect({ changed: changedTables(before.others, after.others) }).toEqual({ changed: [] });
    expect(Object.keys(before.others).length).toBeGreaterThan(30);
    expect(result.calls).toBeGreaterThan(10_000);
    // The write log saw the caller's own writes: the checks above had something to check.
    expect([...result.written].sort()).toEqual(
      expect.arrayContaining(["bookmarks", "playlist_entries", "playlists", "share_entries"]),
    );
  }, 120_000);

  test("an admin: clear errors, the library unchanged, no write by a failed call", async () => {
    const before = await snapshot(-1);
    const result = await fuzz({
      name: "admin",
      key: () => adminKey,
      skip: ADMIN_SKIP,
      // Most methods run the same checks for both roles: half the values will do here.
      sizes: { randomCount: 6, sample: 2 },
    });
    results.admin = result;
    const after = await snapshot(-1);
    const library = changedTables(before.others, after.others).filter((x) => LIBRARY.includes(x));
    expect({ library }).toEqual({ library: [] });
    if (result.violations.length) console.log(show(result.violations).join("\n"));
    expect(show(result.violations)).toEqual([]);
    expect(result.calls).toBeGreaterThan(5_000);
  }, 120_000);

  test("the runs reached every method: each one's valid call answered", () => {
    // Else the hostile values only ever met a missing-parameter check (a stale BASES entry).
    const answered = new Set([
      ...(results.user?.succeeded ?? []),
      ...(results.admin?.succeeded ?? []),
    ]);
    const never = Object.keys(subsonicMethods(t.ctx))
      .filter((m) => !answered.has(m) && !NEVER_OK[m] && !ADMIN_SKIP[m])
      .sort();
    expect(never).toEqual([]);
    // A new method needs its valid calls in BASES (NONE when it takes no parameters).
    expect(Object.keys(subsonicMethods(t.ctx)).filter((m) => !BASES[m])).toEqual([]);
  });
});
