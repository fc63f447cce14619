import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadPlayQueue } from "../library/playqueue.ts";
import {
  PUBLIC_URL,
  scanLibrary,
  startTestApp,
  type TestApp,
  type WebSession,
  webSession,
} from "./helpers/app.ts";
import { makeTone } from "./helpers/audio-files.ts";

let t: TestApp;
let alice: WebSession;
let bob: WebSession;
let trackIds: number[];

beforeAll(async () => {
  t = await startTestApp();
  const music = join(t.dataDir, "music");
  for (const [i, title] of ["One", "Two", "Three"].entries()) {
    await makeTone(join(music, "Band", "Album", `${i + 1}.mp3`), {
      frequency: 300 + i * 100,
      seconds: 2,
      tags: { title, artist: "Band", album: "Album", track: String(i + 1) },
    });
  }
  await scanLibrary(t);
  const rows = await t.ctx.database.client.execute("SELECT id FROM tracks ORDER BY track_number");
  trackIds = rows.rows.map((r) => Number(r.id));
  alice = await webSession(t, "alice");
  bob = await webSession(t, "bob");
});
afterAll(() => t.close());

const json = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("play queue", () => {
  test("saves and loads the queue the Subsonic apps sync", async () => {
    const ids = [trackIds[2], trackIds[0]];
    const saved = await alice.request("/web/queue", json({ ids, index: 1, positionMs: 1500 }));
    expect(saved.status).toBe(204);
    const q = (await (await alice.request("/web/queue")).json()) as {
      tracks: { id: number; title: string; cover: string }[];
      index: number;
      positionMs: number;
    };
    expect(q.tracks.map((x) => x.title)).toEqual(["Three", "One"]);
    expect(q.index).toBe(1);
    expect(q.positionMs).toBe(1500);
    expect(q.tracks[0]?.cover).toStartWith("/web/cover/");
    const stored = await loadPlayQueue(t.ctx.database, alice.userId);
    expect(stored?.trackIds).toEqual(ids as number[]);
    // Another user's queue is theirs alone.
    const other = (await (await bob.request("/web/queue")).json()) as { tracks: unknown[] };
    expect(other.tracks).toEqual([]);
  });

  test("rejects bad input without touching the saved queue", async () => {
    const before = await loadPlayQueue(t.ctx.database, alice.userId);
    const cases: [unknown, number][] = [
      [{ ids: "1,2", index: 0 }, 400],
      [{ ids: [trackIds[0]], index: 5 }, 400],
      [{ ids: [trackIds[0]], index: 0, positionMs: -1 }, 400],
      [{ ids: [-3], index: 0 }, 400],
      [{ ids: [999_999], index: 0 }, 404],
    ];
    for (const [body, status] of cases) {
      expect((await alice.request("/web/queue", json(body))).status).toBe(status);
    }
    expect(await loadPlayQueue(t.ctx.database, alice.userId)).toEqual(before);
  });

  test("a beacon from a closing page carries the token in its body", async () => {
    const res = await t.request("/web/queue", {
      method: "POST",
      headers: { "content-type": "application/json", cookie: alice.cookie },
      body: JSON.stringify({
        ids: [trackIds[0], trackIds[2]],
        index: 1,
        positionMs: 10,
        _csrf: alice.csrf,
      }),
    });
    expect(res.status).toBe(204);
    expect((await loadPlayQueue(t.ctx.database, alice.userId))?.currentIndex).toBe(1);
  });

  test("needs the CSRF token and a session", async () => {
    const noCsrf = await t.request("/web/queue", {
      ...json({ ids: [], index: 0 }),
      headers: { "content-type": "application/json", cookie: alice.cookie },
    });
    expect(noCsrf.status).toBe(403);
    expect((await loadPlayQueue(t.ctx.database, alice.userId))?.trackIds.length).toBe(2);
    const anonymous = await t.request("/web/queue");
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toBe("/login?next=%2Fweb%2Fqueue");
    const htmx = await t.request("/web/queue", { headers: { "hx-request": "true" } });
    expect(htmx.headers.get("hx-redirect")).toStartWith("/login");
  });
});

describe("scrobbles, stars and ratings", () => {
  test("a submission counts a play; a now-playing report does not", async () => {
    const id = trackIds[0];
    const plays = async () =>
      Number(
        (
          await t.ctx.database.client.execute({
            sql: "SELECT count(*) AS n FROM plays WHERE user_id = ? AND track_id = ?",
            args: [alice.userId, id ?? 0],
          })
        ).rows[0]?.n,
      );
    expect((await alice.form(`/web/scrobble/${id}`, { submission: "false" })).status).toBe(204);
    expect(await plays()).toBe(0);
    const np = await t.ctx.database.client.execute("SELECT track_id FROM now_playing");
    expect(np.rows.map((r) => Number(r.track_id))).toContain(id as number);
    expect((await alice.form(`/web/scrobble/${id}`, { submission: "true" })).status).toBe(204);
    expect(await plays()).toBe(1);
    expect((await alice.form("/web/scrobble/999999", { submission: "true" })).status).toBe(404);
    expect((await alice.form("/web/scrobble/abc", { submission: "true" })).status).toBe(404);
  });

  /** The star or rating form posted by htmx (it answers a fragment, not a redirect). */
  const hxForm = (path: string, fields: Record<string, string>) =>
    alice.request(path, {
      method: "POST",
      headers: { "hx-request": "true", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });

  test("the star button toggles and answers its new self", async () => {
    const id = trackIds[1];
    const res = await hxForm(`/web/star/track/${id}`, { starred: "1", name: 'Two "><b>' });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('aria-pressed="true"');
    // The name cannot break out of its attribute.
    expect(html).toContain('aria-label="Unstar Two &#34;><b>"');
    const starred = await t.ctx.database.client.execute({
      sql: "SELECT item_id FROM stars WHERE user_id = ? AND item_type = 'track'",
      args: [alice.userId],
    });
    expect(starred.rows.map((r) => Number(r.item_id))).toEqual([id as number]);
    const off = await (await hxForm(`/web/star/track/${id}`, { starred: "0" })).text();
    expect(off).toContain('aria-pressed="false"');
    // The answer is the next form: it posts the opposite state with the session's CSRF token.
    expect(off).toContain('name="starred" value="1"');
    expect(off).toContain(`name="_csrf" value="${alice.csrf}"`);
    expect((await alice.form("/web/star/playlist/1", { starred: "1" })).status).toBe(404);
    expect((await alice.form("/web/star/album/424242", { starred: "1" })).status).toBe(404);
  });

  test("ratings are 0–5 on an existing item", async () => {
    const id = trackIds[2];
    expect((await hxForm(`/web/rate/track/${id}`, { rating: "4" })).status).toBe(204);
    const r = await t.ctx.database.client.execute({
      sql: "SELECT rating FROM ratings WHERE user_id = ? AND item_id = ?",
      args: [alice.userId, id ?? 0],
    });
    expect(Number(r.rows[0]?.rating)).toBe(4);
    expect((await alice.form(`/web/rate/track/${id}`, { rating: "9" })).status).toBe(400);
    expect((await alice.form(`/web/rate/track/${id}`, { rating: "" })).status).toBe(400);
    expect((await alice.form("/web/rate/track/31337", { rating: "3" })).status).toBe(404);
    const missingCsrf = await t.request(`/web/rate/track/${id}`, {
      method: "POST",
      headers: { cookie: alice.cookie, "content-type": "application/x-www-form-urlencoded" },
      body: "rating=1",
    });
    expect(missingCsrf.status).toBe(403);
  });
});

describe("star and rate without JavaScript", () => {
  const plainForm = (path: string, fields: Record<string, string>, referer?: string) =>
    t.request(path, {
      method: "POST",
      headers: {
        cookie: alice.cookie,
        "content-type": "application/x-www-form-urlencoded",
        ...(referer ? { referer } : {}),
      },
      body: new URLSearchParams({ _csrf: alice.csrf, ...fields }).toString(),
    });
  const marksOf = async (id: number) => {
    const star = await t.ctx.database.client.execute({
      sql: "SELECT count(*) AS n FROM stars WHERE user_id = ? AND item_type = 'track' AND item_id = ?",
      args: [alice.userId, id],
    });
    const rating = await t.ctx.database.client.execute({
      sql: "SELECT rating FROM ratings WHERE user_id = ? AND item_type = 'track' AND item_id = ?",
      args: [alice.userId, id],
    });
    return { starred: Number(star.rows[0]?.n) === 1, rating: Number(rating.rows[0]?.rating ?? 0) };
  };

  test("the album page's forms post, then return to the page they came from", async () => {
    const id = trackIds[0] as number;
    const albumId = Number(
      (
        await t.ctx.database.client.execute({
          sql: "SELECT album_id FROM tracks WHERE id = ?",
          args: [id],
        })
      ).rows[0]?.album_id,
    );
    // The page carries plain forms for both, each with the CSRF token.
    const page = await (await alice.request(`/albums/${albumId}`)).text();
    expect(page).toContain(`<form class="mark-form" method="post" action="/web/star/track/${id}"`);
    expect(page).toContain(`<form class="mark-form" method="post" action="/web/rate/track/${id}"`);
    expect(page).toMatch(/<noscript><button type="submit"[^>]*aria-label="Save rating of [^"]+"/);

    const here = `${PUBLIC_URL}/albums/${albumId}?sort=1`;
    const star = await plainForm(`/web/star/track/${id}`, { starred: "1" }, here);
    expect(star.status).toBe(303);
    expect(star.headers.get("location")).toBe(`/albums/${albumId}?sort=1`);
    const rate = await plainForm(`/web/rate/track/${id}`, { rating: "3" }, here);
    expect(rate.status).toBe(303);
    expect(rate.headers.get("location")).toBe(`/albums/${albumId}?sort=1`);
    expect(await marksOf(id)).toEqual({ starred: true, rating: 3 });

    // Behind a proxy the request reaches the app at another address: the public URL counts too.
    const proxied = await t.app.handle(
      new Request(`http://10.0.0.5:3000/web/star/track/${id}`, {
        method: "POST",
        headers: {
          cookie: alice.cookie,
          "content-type": "application/x-www-form-urlencoded",
          referer: here,
        },
        body: new URLSearchParams({ _csrf: alice.csrf, starred: "1" }).toString(),
      }),
    );
    expect(proxied.headers.get("location")).toBe(`/albums/${albumId}?sort=1`);

    // A Referer from another site, or none, leads home, never away.
    for (const referer of ["https://evil.example/albums/1", "//evil.example/x", undefined]) {
      const res = await plainForm(`/web/star/track/${id}`, { starred: "0" }, referer);
      expect({ referer, location: res.headers.get("location") }).toEqual({
        referer,
        location: "/",
      });
    }
    expect((await marksOf(id)).starred).toBe(false);

    // Without the CSRF field nothing changes.
    const forged = await t.request(`/web/rate/track/${id}`, {
      method: "POST",
      headers: { cookie: alice.cookie, "content-type": "application/x-www-form-urlencoded" },
      body: "rating=5",
    });
    expect(forged.status).toBe(403);
    expect((await marksOf(id)).rating).toBe(3);
  });
});

describe("media for the browser", () => {
  test("streams the original with Range, or mp3 when asked", async () => {
    const id = trackIds[0];
    const full = await alice.request(`/web/stream/${id}`);
    expect(full.status).toBe(200);
    expect(full.headers.get("content-type")).toBe("audio/mpeg");
    const size = (await full.arrayBuffer()).byteLength;
    const part = await alice.request(`/web/stream/${id}`, { headers: { range: "bytes=0-99" } });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    expect(size).toBeGreaterThan(100);
    expect((await alice.request("/web/stream/987654")).status).toBe(404);
    expect((await t.request(`/web/stream/${id}`)).status).toBe(303);
  });

  test("cover art by item answers an image, unknown ids a 404", async () => {
    const res = await alice.request(`/web/cover/tr-${trackIds[0]}?size=64`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("image/");
    expect((await alice.request("/web/cover/al-999999")).status).toBe(404);
    expect((await alice.request(`/web/cover/tr-${trackIds[0]}?size=abc`)).status).toBe(400);
  });
});

describe("events", () => {
  test("a job transition reaches an open event stream as a named event", async () => {
    const res = await alice.request("/events");
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const first = await reader.read();
    text += decoder.decode(first.value);
    expect(text).toContain(": connected");
    await t.ctx.jobs.enqueue("clean-cache", {});
    const until = Date.now() + 5000;
    while (!text.includes("event: job") && Date.now() < until) {
      const next = await reader.read();
      if (next.done) break;
      text += decoder.decode(next.value);
    }
    await reader.cancel();
    expect(text).toMatch(/event: job\ndata: \{.*"name":"clean-cache"/);
  });
});
