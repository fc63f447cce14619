/**
 * Bad input to the web app and the JSON API gets a clear 4xx or a page, never a 500: every
 * route with hostile path parameters, query values and form fields, as an admin (who may reach
 * every route) and as a user. Names every object has (`constructor`, `__proto__` …) are among
 * the values: lookups in plain objects keyed by request input have answered 500 before.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  scanLibrary,
  startTestApp,
  type TestApp,
  type WebSession,
  webSession,
} from "./helpers/app.ts";
import { makeTone } from "./helpers/audio-files.ts";

let t: TestApp;
let admin: WebSession;
let user: WebSession;
let apiKey = "";

const VALUES = [
  "constructor",
  "__proto__",
  "toString",
  "hasOwnProperty",
  "",
  "0",
  "-1",
  "1.5",
  " 1",
  "1e309",
  "NaN",
  "99999999999999999999",
  "../../etc/passwd",
  "%00",
  "\u0000",
  "<script>alert(1)</script>",
  "'; DROP TABLE tracks;--",
  "x".repeat(5000),
];

/** GET routes; `:name` parts are replaced by each value. */
const GETS = [
  "/",
  "/albums",
  "/albums/:id",
  "/artists",
  "/artists/:id",
  "/genres",
  "/genres/:name",
  "/favorites",
  "/history",
  "/search",
  "/playlists",
  "/playlists/:id",
  "/playlists/:id/delete",
  "/playlists/add",
  "/playlists/picker",
  "/queue",
  "/upload",
  "/upload/imports/:id",
  "/jobs",
  "/jobs/:id",
  "/profile",
  "/admin",
  "/admin/library",
  "/admin/library/status",
  "/admin/library/folders/:id",
  "/admin/library/folders/:id/remove",
  "/admin/settings",
  "/admin/users/:id",
  "/admin/users/:id/:action",
  "/web/queue",
  "/web/home/:shelf",
  "/web/cover/:id",
  "/web/stream/:id",
  "/web/waveform/:id",
  "/share/:id",
  "/share/:id/stream/:trackId",
  "/img/:id",
  "/api/v1/jobs",
  "/api/v1/jobs/:id",
  "/api/v1/library/problems",
];

/** Query parameters the pages read. */
const QUERY = [
  "page",
  "sort",
  "state",
  "name",
  "q",
  "done",
  "batch",
  "next",
  "size",
  "format",
  "track",
  "album",
  "sig",
];

/** POST routes that change things (logout, setup and login are left out: they end the session). */
const POSTS = [
  "/admin/library/folders",
  "/admin/library/folders/:id/name",
  "/admin/library/folders/:id/remove",
  "/admin/library/scan",
  "/admin/users",
  "/admin/users/:id/delete",
  "/admin/users/:id/keys",
  "/admin/users/:id/keys/:key/revoke",
  "/admin/users/:id/password",
  "/admin/users/:id/role",
  "/jobs/:id/cancel",
  "/jobs/:id/retry",
  "/jobs/actions/scan",
  "/playlists",
  "/playlists/:id",
  "/playlists/:id/delete",
  "/playlists/:id/move",
  "/playlists/:id/order",
  "/playlists/:id/remove",
  "/playlists/:id/tracks",
  "/profile/keys",
  "/profile/keys/:key/revoke",
  "/profile/password",
  "/profile/subsonic-auth",
  "/profile/subsonic-password",
  "/profile/theme",
  "/queue/clear",
  "/queue/move",
  "/queue/order",
  "/queue/remove",
  "/web/queue",
  "/web/rate/:type/:id",
  "/web/scrobble/:id",
  "/web/star/:type/:id",
  "/api/v1/jobs/:id/cancel",
  "/api/v1/jobs/:id/retry",
];

/** Form fields the handlers read. */
const FIELDS = [
  "name",
  "path",
  "username",
  "password",
  "password2",
  "current",
  "role",
  "full",
  "ids",
  "track",
  "album",
  "index",
  "position",
  "direction",
  "starred",
  "rating",
  "submission",
  "theme",
  "enabled",
  "back",
  "state",
  "description",
];

const fill = (route: string, value: string) =>
  route.replace(/:\w+/g, () => encodeURIComponent(value));

beforeAll(async () => {
  t = await startTestApp({ BANDSTAND_AUTO_ANALYZE: "false" });
  const music = join(t.dataDir, "music");
  for (const n of [1, 2]) {
    await makeTone(join(music, "Band", "Album", `${n}.mp3`), {
      frequency: 330 + n * 110,
      seconds: 1,
      tags: { title: `Song ${n}`, artist: "Band", album: "Album", track: String(n) },
    });
  }
  await scanLibrary(t);
  admin = await webSession(t, "root", "admin");
  user = await webSession(t, "guest", "user");
  apiKey = (await t.ctx.apiKeys.create(admin.userId, "hostile")).key;
});
afterAll(() => t.close());

type Violation = { who: string; method: string; path: string; status: number };

async function sweep(who: string, s: WebSession): Promise<Violation[]> {
  const out: Violation[] = [];
  const check = (method: string, path: string, res: Response) => {
    if (res.status >= 500) out.push({ who, method, path: path.slice(0, 160), status: res.status });
  };
  const api = (path: string): Record<string, string> =>
    path.startsWith("/api/") ? { authorization: `Bearer ${apiKey}` } : {};
  for (const route of GETS) {
    for (const value of VALUES) {
      const path = fill(route, value);
      const res = await s.request(path, { headers: api(path) });
      await res.arrayBuffer();
      check("GET", path, res);
      // The same values in the query, all at once and one parameter at a time as htmx asks.
      const query = QUERY.map((q) => `${q}=${encodeURIComponent(value)}`).join("&");
      const withQuery = `${route.includes(":") ? path : route}?${query}`;
      for (const headers of [api(path), { ...api(path), "hx-request": "true" }]) {
        const q = await s.request(withQuery, { headers });
        await q.arrayBuffer();
        check("GET", withQuery, q);
      }
    }
  }
  for (const route of POSTS) {
    for (const value of VALUES) {
      const path = fill(route, value);
      const fields = Object.fromEntries(FIELDS.map((f) => [f, value]));
      for (const hx of [false, true]) {
        const res = await s.request(path, {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            ...(hx ? { "hx-request": "true" } : {}),
            ...api(path),
          } as Record<string, string>,
          body: new URLSearchParams({ _csrf: s.csrf, ...fields }).toString(),
        });
        await res.arrayBuffer();
        check("POST", path, res);
      }
    }
  }
  return out;
}

describe("hostile input to the web app and the JSON API", () => {
  test("as a user: every answer is a 4xx or a page, never a 5xx", async () => {
    expect(await sweep("user", user)).toEqual([]);
  }, 120_000);

  test("as an admin: every answer is a 4xx or a page, never a 5xx", async () => {
    expect(await sweep("admin", admin)).toEqual([]);
    // The server still answers, and the library is whole.
    expect((await admin.request("/albums")).status).toBe(200);
    const tracks = await t.ctx.database.client.execute("SELECT count(*) AS n FROM tracks");
    expect(Number(tracks.rows[0]?.n)).toBe(2);
  }, 120_000);
});
