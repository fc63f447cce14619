import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  createPlaylist,
  playlistById,
  playlistTrackIds,
  updatePlaylist,
} from "../library/playlists.ts";
import { loadPlayQueue, savePlayQueue } from "../library/playqueue.ts";
import { ListActions } from "../views/tracks.tsx";
import {
  scanLibrary,
  startTestApp,
  type TestApp,
  userWithKey,
  type WebSession,
  webSession,
} from "./helpers/app.ts";
import { makeTone } from "./helpers/audio-files.ts";

const HOSTILE = "<script>alert(1)</script>";

let t: TestApp;
let alice: WebSession;
let bob: WebSession;
let aliceKey: string;
/** Track ids by title. */
const tr: Record<string, number> = {};
let albumId = 0;

beforeAll(async () => {
  t = await startTestApp({ BANDSTAND_AUTO_ANALYZE: "false" });
  const music = join(t.dataDir, "music");
  const titles = ["Alpha", "Bravo", "Charlie", "Delta"];
  for (const [i, title] of titles.entries()) {
    await makeTone(join(music, "Band", "Record", `${i + 1} ${title}.mp3`), {
      seconds: 1,
      frequency: 300 + i * 50,
      tags: { title, artist: "Band", album: "Record", track: String(i + 1) },
    });
  }
  await makeTone(join(music, "Evil", "evil.mp3"), {
    seconds: 1,
    tags: { title: HOSTILE, artist: "Evil", album: "Evil" },
  });
  await scanLibrary(t);
  const rs = await t.ctx.database.client.execute("SELECT id, title, album_id FROM tracks");
  for (const r of rs.rows) tr[String(r.title)] = Number(r.id);
  albumId = Number(rs.rows.find((r) => r.title === "Alpha")?.album_id);
  alice = await webSession(t, "alice");
  bob = await webSession(t, "bob");
  aliceKey = await t.ctx.apiKeys.create(alice.userId, "t").then((k) => k.key);
  await userWithKey(t, "root", "admin");
}, 60_000);
afterAll(() => t.close());

const id = (title: string) => tr[title] ?? 0;
/** The page with every attribute value blanked: what is left is markup and text. */
const outsideAttributes = (html: string) => html.replace(/="[^"]*"/g, '=""');
const titlesOf = (ids: number[]) =>
  ids.map((i) => Object.keys(tr).find((k) => tr[k] === i) ?? String(i));
const orderOf = async (playlist: number) =>
  titlesOf(await playlistTrackIds(t.ctx.database, playlist));

/** An htmx request of one of the page's own elements (not boosted): answers a fragment. */
const hx = (s: WebSession, path: string, fields: Record<string, string>, csrf = true) =>
  s.request(path, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "hx-request": "true",
      ...(csrf ? {} : { "x-csrf-token": "wrong" }),
    },
    body: new URLSearchParams(fields).toString(),
  });

async function newPlaylist(name: string, titles: string[], owner = alice): Promise<number> {
  return createPlaylist(t.ctx.database, owner.userId, name, titles.map(id));
}

describe("playlists pages", () => {
  test("create from the Playlists page: 303 to the new playlist, listed with counts", async () => {
    const res = await alice.form("/playlists", { name: "Road Trip" });
    expect(res.status).toBe(303);
    const location = res.headers.get("location") ?? "";
    expect(location).toMatch(/^\/playlists\/\d+$/);
    const pid = Number(location.split("/").pop());
    const p = await playlistById(t.ctx.database, pid);
    expect(p?.name).toBe("Road Trip");
    expect(p?.ownerId).toBe(alice.userId);

    await updatePlaylist(t.ctx.database, pid, { add: [id("Alpha"), id("Bravo")] });
    const list = await (await alice.request("/playlists")).text();
    expect(list).toContain(`href="/playlists/${pid}"`);
    expect(list).toContain("Road Trip");
    expect(list).toContain("2 tracks · 0:02");
    expect(list).toContain('aria-current="page"');

    const page = await alice.request(location);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Road Trip");
    expect(html).toContain('aria-label="Move Bravo up"');
    expect(html).toContain('aria-label="Remove Alpha from playlist"');
    expect(html).toContain('aria-label="Add Alpha to playlist"');
    expect(html).toContain("Play Road Trip");
  });

  test("an empty or too long name is a 400 with the page and nothing is created", async () => {
    const before = await t.ctx.database.client.execute("SELECT count(*) AS n FROM playlists");
    const res = await alice.form("/playlists", { name: "   " });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("A playlist needs a name.");
    expect((await alice.form("/playlists", { name: "x".repeat(201) })).status).toBe(400);
    const after = await t.ctx.database.client.execute("SELECT count(*) AS n FROM playlists");
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });

  test("a playlist named <script> is shown escaped, and so is a hostile track title", async () => {
    const pid = await newPlaylist(HOSTILE, [HOSTILE, "Alpha"]);
    await updatePlaylist(t.ctx.database, pid, { comment: `<img src=x onerror=alert(2)>` });
    for (const path of [`/playlists/${pid}`, "/playlists", `/playlists/${pid}/delete`]) {
      const html = await (await alice.request(path)).text();
      // Inside quoted attribute values "<" is harmless (and escaped quotes keep them closed).
      expect(outsideAttributes(html)).not.toContain("<script>alert");
      expect(outsideAttributes(html)).not.toContain("<img src=x");
      expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
    const picker = await alice.request(`/playlists/picker?track=${id(HOSTILE)}`, {
      headers: { "hx-request": "true" },
    });
    const html = await picker.text();
    expect(outsideAttributes(html)).not.toContain("<script>alert");
    expect(html).toContain("&lt;script&gt;");
  });

  test("rename, comment and make public (owner); the page shows it", async () => {
    const pid = await newPlaylist("Old name", ["Alpha"]);
    const res = await alice.form(`/playlists/${pid}`, {
      name: "New name",
      comment: "for the road",
      public: "1",
    });
    expect(res.status).toBe(303);
    const p = await playlistById(t.ctx.database, pid);
    expect([p?.name, p?.comment, p?.public]).toEqual(["New name", "for the road", true]);
    // An unchecked box makes it private again.
    await alice.form(`/playlists/${pid}`, { name: "New name", comment: "" });
    expect((await playlistById(t.ctx.database, pid))?.public).toBe(false);
    const bad = await alice.form(`/playlists/${pid}`, { name: "" });
    expect(bad.status).toBe(400);
    expect((await playlistById(t.ctx.database, pid))?.name).toBe("New name");
  });

  test("delete asks first, then removes the playlist (its tracks stay)", async () => {
    const pid = await newPlaylist("Doomed", ["Alpha", "Bravo"]);
    const confirm = await alice.request(`/playlists/${pid}/delete`);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain("Delete “Doomed”?");
    expect(await playlistById(t.ctx.database, pid)).toBeDefined();
    const res = await alice.form(`/playlists/${pid}/delete`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/playlists");
    expect(await playlistById(t.ctx.database, pid)).toBeUndefined();
    expect((await alice.request(`/playlists/${pid}`)).status).toBe(404);
    const tracks = await t.ctx.database.client.execute("SELECT count(*) AS n FROM tracks");
    expect(Number(tracks.rows[0]?.n)).toBe(5);
  });

  test("add tracks and albums: plain forms redirect, the dialog answers its own body", async () => {
    const pid = await newPlaylist("Mix", ["Alpha"]);
    const plain = await alice.form(`/playlists/${pid}/tracks`, { tracks: String(id("Delta")) });
    expect(plain.status).toBe(303);
    expect(plain.headers.get("location")).toBe(`/playlists/${pid}`);
    expect(await orderOf(pid)).toEqual(["Alpha", "Delta"]);

    const dialog = await hx(alice, `/playlists/${pid}/tracks`, {
      album: String(albumId),
      picker: "1",
    });
    expect(dialog.status).toBe(200);
    const html = await dialog.text();
    expect(html).toContain('id="picker-body"');
    expect(html).toContain("Added 4 tracks to “Mix”.");
    expect(await orderOf(pid)).toEqual(["Alpha", "Delta", "Alpha", "Bravo", "Charlie", "Delta"]);

    // "New playlist…" in the dialog creates it with the track.
    const created = await hx(alice, "/playlists", {
      name: "Fresh",
      tracks: String(id("Charlie")),
      picker: "1",
    });
    expect(created.status).toBe(200);
    expect(await created.text()).toContain("Created “Fresh” with “Charlie”.");
    const fresh = await t.ctx.database.client.execute(
      "SELECT id FROM playlists WHERE name = 'Fresh'",
    );
    expect(await orderOf(Number(fresh.rows[0]?.id))).toEqual(["Charlie"]);
  });

  test("the picker: a dialog for htmx, a page without JavaScript", async () => {
    await newPlaylist("Picked", []);
    const dialog = await alice.request(`/playlists/picker?track=${id("Bravo")}`, {
      headers: { "hx-request": "true" },
    });
    expect(dialog.status).toBe(200);
    const html = await dialog.text();
    expect(html).toContain("<dialog");
    expect(html).toContain("Add “Bravo” to a playlist");
    expect(html).toContain('aria-label="Add to Picked"');
    expect(html).not.toContain("<html");
    // Only one's own playlists are offered.
    const bobs = await hx(bob, "/playlists", { name: "Bob only" });
    expect(bobs.status).toBe(303);
    expect(html).not.toContain("Bob only");

    const page = await alice.request(`/playlists/add?track=${id("Bravo")}`);
    expect(page.status).toBe(200);
    const full = await page.text();
    expect(full).toContain("<!doctype html>");
    expect(full).toContain(`action="/playlists/`);
    expect(full).toContain('name="_csrf"');
    // Without htmx the dialog URL leads to the page.
    const plain = await alice.request(`/playlists/picker?album=${albumId}`);
    expect(plain.status).toBe(303);
    expect(plain.headers.get("location")).toBe(`/playlists/add?album=${albumId}`);
  });

  test("ListActions offers 'Add NAME to playlist' for an album when asked", async () => {
    const html = await ListActions({ list: "album-tracks", name: "album", playlist: { album: 7 } });
    expect(html).toContain('aria-label="Add album to playlist"');
    expect(html).toContain('hx-get="/playlists/picker?album=7"');
    expect(html).toContain('action="/playlists/add"');
    const plain = await ListActions({ list: "album-tracks", name: "album" });
    expect(plain).not.toContain("to playlist");
  });

  test("move up/down and drag-and-drop order, as fragments for htmx", async () => {
    const pid = await newPlaylist("Order", ["Alpha", "Bravo", "Charlie"]);
    const up = await hx(alice, `/playlists/${pid}/move`, {
      index: "2",
      track: String(id("Charlie")),
      dir: "up",
    });
    expect(up.status).toBe(200);
    const html = await up.text();
    expect(html).toContain('id="playlist-tracks"');
    expect(html).toContain("Moved “Charlie” up.");
    expect(html).not.toContain("<html");
    expect(await orderOf(pid)).toEqual(["Alpha", "Charlie", "Bravo"]);

    const down = await alice.form(`/playlists/${pid}/move`, {
      index: "0",
      track: String(id("Alpha")),
      dir: "down",
    });
    expect(down.status).toBe(303);
    expect(await orderOf(pid)).toEqual(["Charlie", "Alpha", "Bravo"]);

    const ids = [id("Charlie"), id("Alpha"), id("Bravo")].join(",");
    const drop = await hx(alice, `/playlists/${pid}/order`, { order: "2,0,1", ids });
    expect(drop.status).toBe(200);
    expect(await orderOf(pid)).toEqual(["Bravo", "Charlie", "Alpha"]);

    // A stale page (the ids it showed are not the list any more) changes nothing.
    const stale = await hx(alice, `/playlists/${pid}/order`, { order: "1,0,2", ids });
    expect(stale.status).toBe(409);
    // Not a permutation; past the end.
    const now = [id("Bravo"), id("Charlie"), id("Alpha")].join(",");
    expect((await hx(alice, `/playlists/${pid}/order`, { order: "0,0,1", ids: now })).status).toBe(
      400,
    );
    expect(
      (
        await hx(alice, `/playlists/${pid}/move`, {
          index: "0",
          track: String(id("Bravo")),
          dir: "up",
        })
      ).status,
    ).toBe(400);
    expect(await orderOf(pid)).toEqual(["Bravo", "Charlie", "Alpha"]);
  });

  test("remove one entry of repeated tracks: the one named by its place", async () => {
    const pid = await newPlaylist("Repeats", ["Alpha", "Bravo", "Alpha"]);
    const res = await hx(alice, `/playlists/${pid}/remove`, {
      index: "2",
      track: String(id("Alpha")),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Removed “Alpha”.");
    expect(await orderOf(pid)).toEqual(["Alpha", "Bravo"]);
  });

  test("CSRF missing or wrong → 403 and nothing changed", async () => {
    const pid = await newPlaylist("Guarded", ["Alpha", "Bravo"]);
    const bare = (path: string, fields: Record<string, string>) =>
      t.request(path, {
        method: "POST",
        headers: { cookie: alice.cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields).toString(),
      });
    const track = String(id("Alpha"));
    for (const [path, fields] of [
      ["/playlists", { name: "Sneaky" }],
      [`/playlists/${pid}`, { name: "Renamed" }],
      [`/playlists/${pid}/delete`, {}],
      [`/playlists/${pid}/tracks`, { tracks: track }],
      [`/playlists/${pid}/move`, { index: "0", track, dir: "down" }],
      [`/playlists/${pid}/remove`, { index: "0", track }],
      [`/queue/clear`, {}],
    ] as const) {
      expect((await bare(path, fields)).status).toBe(403);
      expect((await bare(path, { ...fields, _csrf: "not-the-token" })).status).toBe(403);
      expect((await hx(alice, path, fields, false)).status).toBe(403);
    }
    expect((await playlistById(t.ctx.database, pid))?.name).toBe("Guarded");
    expect(await orderOf(pid)).toEqual(["Alpha", "Bravo"]);
    const sneaky = await t.ctx.database.client.execute(
      "SELECT count(*) AS n FROM playlists WHERE name = 'Sneaky'",
    );
    expect(Number(sneaky.rows[0]?.n)).toBe(0);
  });

  test("another user: sees a public playlist read-only, 403 on every change; private is 404", async () => {
    const pub = await newPlaylist("Alice public", ["Alpha", "Bravo"]);
    await updatePlaylist(t.ctx.database, pub, { public: true });
    const priv = await newPlaylist("Alice private", ["Alpha"]);

    const page = await bob.request(`/playlists/${pub}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Alice public");
    expect(html).not.toContain("Remove Alpha from playlist");
    expect(html).not.toContain("Save changes");
    expect(await (await bob.request("/playlists")).text()).toContain("Alice public");
    expect(await (await bob.request("/playlists")).text()).not.toContain("Alice private");

    const track = String(id("Alpha"));
    for (const [path, fields] of [
      [`/playlists/${pub}`, { name: "Hijacked" }],
      [`/playlists/${pub}/delete`, {}],
      [`/playlists/${pub}/tracks`, { tracks: track }],
      [`/playlists/${pub}/move`, { index: "0", track, dir: "down" }],
      [`/playlists/${pub}/remove`, { index: "0", track }],
      [`/playlists/${pub}/order`, { order: "1,0", ids: [id("Alpha"), id("Bravo")].join(",") }],
    ] as const) {
      expect((await bob.form(path, fields)).status).toBe(403);
      expect((await hx(bob, path, fields)).status).toBe(403);
    }
    expect((await bob.request(`/playlists/${pub}/delete`)).status).toBe(403);
    expect((await playlistById(t.ctx.database, pub))?.name).toBe("Alice public");
    expect(await orderOf(pub)).toEqual(["Alpha", "Bravo"]);

    expect((await bob.request(`/playlists/${priv}`)).status).toBe(404);
    expect((await bob.form(`/playlists/${priv}/delete`)).status).toBe(404);
    expect(await playlistById(t.ctx.database, priv)).toBeDefined();
  });

  test("unknown playlist, track or album ids → 404 and nothing changed", async () => {
    const pid = await newPlaylist("Solid", ["Alpha", "Bravo"]);
    for (const path of ["/playlists/999999", "/playlists/abc", "/playlists/999999/delete"]) {
      expect((await alice.request(path)).status).toBe(404);
    }
    expect((await alice.form("/playlists/999999/delete")).status).toBe(404);
    expect((await alice.form("/playlists/999999/tracks", { tracks: "1" })).status).toBe(404);
    expect((await alice.form(`/playlists/${pid}/tracks`, { tracks: "999999" })).status).toBe(404);
    expect(
      (await alice.form(`/playlists/${pid}/tracks`, { tracks: `${id("Charlie")},999999` })).status,
    ).toBe(404);
    expect((await alice.form(`/playlists/${pid}/tracks`, { album: "999999" })).status).toBe(404);
    expect((await alice.form("/playlists", { name: "Ghost", tracks: "999999" })).status).toBe(404);
    // A track that is not at that place.
    expect(
      (await hx(alice, `/playlists/${pid}/remove`, { index: "0", track: String(id("Bravo")) }))
        .status,
    ).toBe(404);
    expect((await hx(alice, `/playlists/${pid}/remove`, { index: "9", track: "1" })).status).toBe(
      404,
    );
    expect(
      (await hx(alice, `/playlists/${pid}/move`, { index: "x", track: "y", dir: "up" })).status,
    ).toBe(404);
    expect((await alice.request("/playlists/add?track=999999")).status).toBe(404);
    expect(
      (await alice.request("/playlists/picker?track=999999", { headers: { "hx-request": "true" } }))
        .status,
    ).toBe(404);
    expect(await orderOf(pid)).toEqual(["Alpha", "Bravo"]);
    const ghost = await t.ctx.database.client.execute(
      "SELECT count(*) AS n FROM playlists WHERE name = 'Ghost'",
    );
    expect(Number(ghost.rows[0]?.n)).toBe(0);
  });

  test("an admin may change another user's playlist, as in Subsonic", async () => {
    const root = await webSession(t, "root", "admin");
    const pid = await newPlaylist("Moderated", ["Alpha"]);
    expect((await root.form(`/playlists/${pid}`, { name: "Moderated!" })).status).toBe(303);
    expect((await playlistById(t.ctx.database, pid))?.name).toBe("Moderated!");
  });

  test("signed out: pages redirect to login, changes too", async () => {
    expect((await t.request("/playlists")).headers.get("location")).toBe(
      "/login?next=%2Fplaylists",
    );
    expect((await t.request("/queue")).status).toBe(303);
    const res = await t.request("/playlists", { method: "POST" });
    expect(res.status).toBe(303);
  });
});

describe("queue page", () => {
  const subsonicQueue = async () => {
    const res = await t.request(`/rest/getPlayQueue?f=json&c=test&apiKey=${aliceKey}`);
    const body = (await res.json()) as {
      "subsonic-response": { playQueue: { current?: string; entry?: { id: string }[] } };
    };
    const q = body["subsonic-response"].playQueue;
    return { current: q.current, ids: (q.entry ?? []).map((e) => e.id) };
  };
  const save = (titles: string[], currentIndex: number) =>
    savePlayQueue(t.ctx.database, alice.userId, {
      trackIds: titles.map(id),
      currentIndex,
      positionMs: 12_000,
      changedBy: "test",
    });
  const queue = async () => {
    const q = await loadPlayQueue(t.ctx.database, alice.userId);
    return { titles: titlesOf(q?.trackIds ?? []), index: q?.currentIndex, position: q?.positionMs };
  };

  test("the page lists the saved queue with the current track marked", async () => {
    await save(["Alpha", "Bravo", "Charlie"], 1);
    const res = await alice.request("/queue");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('hx-trigger="queue-changed from:body"');
    expect(html).toMatch(/<li[^>]*class="current"[^>]*aria-current="true"[^>]*>/);
    const current = html.slice(html.indexOf('aria-current="true"'));
    expect(current.indexOf("Bravo")).toBeLessThan(current.indexOf("Charlie"));
    expect(html).toContain('aria-label="Move Charlie up"');
    expect(html).toContain('aria-label="Remove Alpha from queue"');
    expect(html).toContain("Clear queue");
    // htmx's own refresh gets the section alone.
    const part = await alice.request("/queue", { headers: { "hx-request": "true" } });
    const fragment = await part.text();
    expect(fragment.startsWith("<section")).toBe(true);
    // htmx's history restore (the back button) wants the whole page.
    const restore = await alice.request("/queue", {
      headers: { "hx-request": "true", "hx-history-restore-request": "true" },
    });
    expect(await restore.text()).toStartWith("<!doctype html>");
  });

  test("move keeps the current track current; Subsonic getPlayQueue sees it", async () => {
    await save(["Alpha", "Bravo", "Charlie"], 1);
    const res = await hx(alice, "/queue/move", {
      index: "1",
      track: String(id("Bravo")),
      dir: "up",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("hx-trigger")).toBe("queue-updated");
    expect(await res.text()).toContain("Moved “Bravo” up.");
    expect(await queue()).toEqual({
      titles: ["Bravo", "Alpha", "Charlie"],
      index: 0,
      position: 12_000,
    });
    expect(await subsonicQueue()).toEqual({
      current: `tr-${id("Bravo")}`,
      ids: ["Bravo", "Alpha", "Charlie"].map((x) => `tr-${id(x)}`),
    });
    // Moving another track past the current one shifts the index with it.
    await hx(alice, "/queue/move", { index: "2", track: String(id("Charlie")), dir: "up" });
    await hx(alice, "/queue/move", { index: "1", track: String(id("Charlie")), dir: "up" });
    expect(await queue()).toEqual({
      titles: ["Charlie", "Bravo", "Alpha"],
      index: 1,
      position: 12_000,
    });
  });

  test("drag-and-drop order and removal keep the current track; clear empties", async () => {
    await save(["Alpha", "Bravo", "Charlie", "Delta"], 2);
    const ids = ["Alpha", "Bravo", "Charlie", "Delta"].map(id).join(",");
    const res = await hx(alice, "/queue/order", { order: "2,3,0,1", ids });
    expect(res.status).toBe(200);
    expect(res.headers.get("hx-trigger")).toBe("queue-updated");
    expect(await queue()).toEqual({
      titles: ["Charlie", "Delta", "Alpha", "Bravo"],
      index: 0,
      position: 12_000,
    });
    expect((await hx(alice, "/queue/order", { order: "0,1,2,3", ids })).status).toBe(409);

    // Removing an earlier entry: the current moves up with it.
    await save(["Alpha", "Bravo", "Charlie", "Delta"], 2);
    await hx(alice, "/queue/remove", { index: "0", track: String(id("Alpha")) });
    expect(await queue()).toEqual({
      titles: ["Bravo", "Charlie", "Delta"],
      index: 1,
      position: 12_000,
    });
    // Removing the current one: the next becomes current, from its start.
    await hx(alice, "/queue/remove", { index: "1", track: String(id("Charlie")) });
    expect(await queue()).toEqual({ titles: ["Bravo", "Delta"], index: 1, position: 0 });
    expect((await subsonicQueue()).current).toBe(`tr-${id("Delta")}`);

    // Plain forms (no JavaScript) redirect back to the page.
    const plain = await alice.form("/queue/clear");
    expect(plain.status).toBe(303);
    expect(plain.headers.get("location")).toBe("/queue");
    expect(await loadPlayQueue(t.ctx.database, alice.userId)).toBeUndefined();
    expect((await subsonicQueue()).ids).toEqual([]);
    expect(await (await alice.request("/queue")).text()).toContain("The queue is empty.");
  });

  test("queue edits: CSRF, stale or unknown entries → refused and nothing changed", async () => {
    await save(["Alpha", "Bravo"], 0);
    const track = String(id("Alpha"));
    expect((await hx(alice, "/queue/remove", { index: "0", track }, false)).status).toBe(403);
    expect((await hx(alice, "/queue/remove", { index: "1", track })).status).toBe(404);
    expect((await hx(alice, "/queue/remove", { index: "0", track: "999999" })).status).toBe(404);
    expect((await hx(alice, "/queue/move", { index: "0", track, dir: "up" })).status).toBe(400);
    expect((await hx(alice, "/queue/move", { index: "0", track, dir: "sideways" })).status).toBe(
      400,
    );
    expect(await queue()).toEqual({ titles: ["Alpha", "Bravo"], index: 0, position: 12_000 });
    // Another user's edits touch only their own queue.
    expect((await hx(bob, "/queue/clear", {})).status).toBe(200);
    expect((await queue()).titles).toEqual(["Alpha", "Bravo"]);
  });
});
