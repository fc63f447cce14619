import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../config.ts";
import type { LocalDispatcher } from "../jobs/local-dispatcher.ts";
import { SCAN_LOCK } from "../library/folders.ts";
import { maskUrl, settingRows } from "../routes/web/admin.tsx";
import {
  scanLibrary,
  startTestApp,
  type TestApp,
  tempDir,
  type WebSession,
  webSession,
} from "./helpers/app.ts";
import { makeTone } from "./helpers/audio-files.ts";
import type { Json } from "./helpers/subsonic.ts";

const SECRET = "a-very-secret-passphrase-42";
const ADMIN_PASSWORD = "env-admin-password-77";

let t: TestApp;
let root: WebSession;
let alice: WebSession;

beforeAll(async () => {
  t = await startTestApp({
    BANDSTAND_SECRET: SECRET,
    BANDSTAND_ADMIN_USER: "root",
    BANDSTAND_ADMIN_PASSWORD: ADMIN_PASSWORD,
    BANDSTAND_AUTO_ANALYZE: "false",
  });
  const music = join(t.dataDir, "music");
  for (const n of [1, 2, 3]) {
    await makeTone(join(music, "Band", "Album", `${n}.mp3`), {
      frequency: 220 + n * 110,
      seconds: 1,
      tags: { title: `Song ${n}`, artist: "Band", album: "Album", track: String(n) },
    });
  }
  // Unreadable files, one with a hostile name: the problems list must show it as text.
  writeFileSync(join(music, "Band", "Album", "<img src=x onerror=alert(1)>.mp3"), "not audio");
  writeFileSync(join(music, "Band", "broken.flac"), "fLaC but nothing else");
  await scanLibrary(t);
  root = await webSession(t, "root", "admin");
  alice = await webSession(t, "alice", "user");
});
afterAll(() => t.close());

const text = async (res: Response) => res.text();
/** The page's markup outside attribute values (where `<` is harmless text). */
const markup = (html: string) => html.replace(/"[^"]*"/g, '""');
function must<T>(value: T | undefined | null, what = "value"): T {
  if (value === undefined || value === null) throw new Error(`${what} missing`);
  return value;
}
const newKeyOf = (html: string) => html.match(/id="new-key"[^>]*value="([^"]+)"/)?.[1] ?? "";

async function ping(query: string) {
  const res = await t.request(`/rest/ping?f=json&v=1.16.1&c=test&${query}`);
  const body = (await res.json()) as {
    "subsonic-response": { status: string; error?: { code: number } };
  };
  return body["subsonic-response"];
}

/** A POST with the session cookie but no CSRF token at all. */
function withoutCsrf(s: WebSession, path: string, fields: Record<string, string>) {
  return t.request(path, {
    method: "POST",
    headers: { cookie: s.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
}

async function snapshot() {
  const users = (await t.ctx.users.list()).map((u) => ({
    name: u.username,
    role: u.role,
    hash: u.passwordHash,
  }));
  const keys = await t.ctx.database.client.execute("SELECT id FROM api_keys ORDER BY id");
  const jobs = await t.ctx.jobs.list({});
  const folders = await t.ctx.database.client.execute(
    "SELECT id, name, path FROM music_folders ORDER BY id",
  );
  const tracks = await t.ctx.database.client.execute("SELECT count(*) AS n FROM tracks");
  return {
    users,
    keys: keys.rows.length,
    jobs: jobs.total,
    folders: folders.rows.map((r) => `${r.id}:${r.name}:${r.path}`),
    tracks: Number(tracks.rows[0]?.n),
  };
}

describe("access", () => {
  test("signed out: the admin pages send to the login page", async () => {
    const res = await t.request("/admin/library");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?next=%2Fadmin%2Flibrary");
  });

  test("a user gets 403 on every admin route, GET and POST, and nothing changes", async () => {
    const victim = await t.ctx.users.create({ username: "victim", password: "victim-pw" });
    const { id: keyId } = await t.ctx.apiKeys.create(victim.id, "victim key");
    const before = await snapshot();
    const base = `/admin/users/${victim.id}`;
    const gets = [
      "/admin",
      "/admin/library",
      "/admin/library/status",
      "/admin/settings",
      base,
      `${base}/delete`,
      "/admin/library/folders/1",
      "/admin/library/folders/1/remove",
    ];
    for (const path of gets) {
      const res = await alice.request(path);
      expect(res.status, path).toBe(403);
      expect(await text(res)).not.toContain("victim");
    }
    const posts: [string, Record<string, string>][] = [
      ["/admin/users", { username: "intruder", password: "intruder-pw", role: "admin" }],
      [`${base}/role`, { role: "admin" }],
      [`/admin/users/${alice.userId}/role`, { role: "admin" }],
      [`${base}/password`, { password: "hacked-pw", password2: "hacked-pw" }],
      [`${base}/keys`, { name: "stolen" }],
      [`${base}/keys/${keyId}/revoke`, {}],
      [`${base}/delete`, {}],
      ["/admin/library/scan", { full: "1" }],
      ["/admin/library/scan", {}],
      ["/admin/library/folders", { path: "/tmp" }],
      ["/admin/library/folders/1/name", { name: "Mine" }],
      ["/admin/library/folders/1/remove", {}],
    ];
    for (const [path, fields] of posts) {
      const res = await alice.form(path, fields);
      expect(res.status, path).toBe(403);
    }
    expect(await snapshot()).toEqual(before);
    expect((await t.ctx.users.byName("alice"))?.role).toBe("user");
    // The admin link is not in a user's navigation.
    const home = await text(await alice.request("/profile"));
    expect(home).not.toContain('href="/admin"');
    expect(await text(await root.request("/profile"))).toContain('href="/admin"');
    await t.ctx.users.delete("victim");
  });

  test("an admin POST without (or with a wrong) CSRF token is 403 and changes nothing", async () => {
    const before = await snapshot();
    const base = `/admin/users/${alice.userId}`;
    const posts: [string, Record<string, string>][] = [
      ["/admin/users", { username: "nocsrf", password: "nocsrf-pw", role: "user" }],
      [`${base}/role`, { role: "admin" }],
      [`${base}/password`, { password: "changed-pw", password2: "changed-pw" }],
      [`${base}/keys`, { name: "k" }],
      [`${base}/delete`, {}],
      ["/admin/library/scan", {}],
      ["/admin/library/folders", { path: "/tmp" }],
      ["/admin/library/folders/1/name", { name: "Forged" }],
      ["/admin/library/folders/1/remove", {}],
    ];
    for (const [path, fields] of posts) {
      expect((await withoutCsrf(root, path, fields)).status, path).toBe(403);
      expect((await withoutCsrf(root, path, { ...fields, _csrf: "forged" })).status, path).toBe(
        403,
      );
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe("users", () => {
  test("the users page lists every user and links to each", async () => {
    const res = await root.request("/admin");
    expect(res.status).toBe(200);
    const html = await text(res);
    expect(html).toContain('aria-label="Manage alice"');
    expect(html).toContain(`href="/admin/users/${alice.userId}"`);
    expect(html).toContain('name="_csrf"');
    expect(html).toContain('aria-current="page"');
  });

  test("create a user; bad input is a message with its status and writes nothing", async () => {
    const count = await t.ctx.users.count();
    const cases: [Record<string, string>, number, string][] = [
      [{ username: "alice", password: "long-enough", role: "user" }, 409, "already exists"],
      [{ username: "bob", password: "", role: "user" }, 400, "password must be"],
      [{ username: "bob", password: "abc", role: "user" }, 400, "password must be"],
      [{ username: "has space", password: "long-enough", role: "user" }, 400, "username must"],
      [{ username: "", password: "long-enough", role: "user" }, 400, "username must"],
      [{ username: "bob", password: "long-enough", role: "root" }, 400, "role must"],
    ];
    for (const [fields, status, message] of cases) {
      const res = await root.form("/admin/users", fields);
      expect(res.status, JSON.stringify(fields)).toBe(status);
      const html = await text(res);
      expect(html).toContain(message);
      expect(html).toContain('role="alert"');
      expect(html).toContain("<main"); // the whole page again, with the form
      expect(res.headers.get("hx-push-url")).toBe("/admin");
    }
    expect(await t.ctx.users.count()).toBe(count);

    const ok = await root.form("/admin/users", {
      username: "bob",
      password: "bob-password",
      role: "user",
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/admin?done=created&name=bob");
    const bob = await t.ctx.users.byName("bob");
    expect(bob?.role).toBe("user");
    expect(await t.ctx.users.verifyPassword(must(bob), "bob-password")).toBe(true);
    for (const done of ["constructor", "toString", "hasOwnProperty"]) {
      for (const path of [`/admin?done=${done}&name=x`, `/admin/library?done=${done}&name=x`]) {
        const res = await root.request(path);
        const notice = (await text(res)).includes('class="notice ok"');
        expect({ path, status: res.status, notice }).toEqual({ path, status: 200, notice: false });
      }
    }
    const page = await text(await root.request("/admin?done=created&name=bob"));
    expect(page).toContain("Created user bob.");
    // Not echoed: an unknown done code shows nothing.
    const odd = await text(await root.request("/admin?done=%3Cscript%3E&name=%3Cscript%3E"));
    expect(odd).not.toContain("<script>");
  });

  test("change a role; one's own role and bad roles are refused", async () => {
    const bob = must(await t.ctx.users.byName("bob"));
    const res = await root.form(`/admin/users/${bob.id}/role`, { role: "admin" });
    expect(res.status).toBe(303);
    expect((await t.ctx.users.byId(bob.id))?.role).toBe("admin");
    expect((await root.form(`/admin/users/${bob.id}/role`, { role: "user" })).status).toBe(303);
    expect((await t.ctx.users.byId(bob.id))?.role).toBe("user");

    const bad = await root.form(`/admin/users/${bob.id}/role`, { role: "superuser" });
    expect(bad.status).toBe(400);
    expect((await t.ctx.users.byId(bob.id))?.role).toBe("user");

    const self = await root.form(`/admin/users/${root.userId}/role`, { role: "user" });
    expect(self.status).toBe(403);
    expect(await text(self)).toContain("your own admin role");
    expect((await t.ctx.users.byId(root.userId))?.role).toBe("admin");
  });

  test("reset a password: both must match and be valid; the user's sessions end", async () => {
    const bob = await webSession(t, "bob");
    const path = `/admin/users/${bob.userId}/password`;
    const mismatch = await root.form(path, { password: "new-bob-pw", password2: "other" });
    expect(mismatch.status).toBe(400);
    expect(await text(mismatch)).toContain("differ");
    const weak = await root.form(path, { password: "ab", password2: "ab" });
    expect(weak.status).toBe(400);
    let user = must(await t.ctx.users.byId(bob.userId));
    expect(await t.ctx.users.verifyPassword(user, "bob-password")).toBe(true);
    expect((await bob.request("/profile")).status).toBe(200);

    const ok = await root.form(path, { password: "new-bob-pw", password2: "new-bob-pw" });
    expect(ok.status).toBe(303);
    user = must(await t.ctx.users.byId(bob.userId));
    expect(await t.ctx.users.verifyPassword(user, "new-bob-pw")).toBe(true);
    expect(await t.ctx.users.subsonicPassword(user)).toBe("new-bob-pw");
    // Bob's session is gone; the admin's stays.
    expect((await bob.request("/profile")).status).toBe(303);
    expect((await root.request("/admin")).status).toBe(200);
  });

  test("an API key made on the page authenticates Subsonic calls until revoked", async () => {
    const bob = must(await t.ctx.users.byName("bob"));
    const empty = await root.form(`/admin/users/${bob.id}/keys`, { name: "  " });
    expect(empty.status).toBe(400);
    expect(await t.ctx.apiKeys.list(bob.id)).toHaveLength(0);

    const res = await root.form(`/admin/users/${bob.id}/keys`, {
      name: "<script>alert(1)</script>",
    });
    expect(res.status).toBe(200);
    const html = await text(res);
    expect(markup(html)).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>");
    const key = newKeyOf(html);
    expect(key).toStartWith("bs_");
    expect((await ping(`apiKey=${key}`)).status).toBe("ok");

    // Shown once: the user page afterwards does not have it.
    const later = await text(await root.request(`/admin/users/${bob.id}`));
    expect(later).not.toContain(key);
    expect(markup(later)).not.toContain("<script>");
    expect(later).toContain('aria-label="Revoke key <script>alert(1)</script>"');

    const [row] = await t.ctx.apiKeys.list(bob.id);
    // Another user's key id under bob's address is not found.
    const aliceKey = await t.ctx.apiKeys.create(alice.userId, "alice key");
    const cross = await root.form(`/admin/users/${bob.id}/keys/${aliceKey.id}/revoke`);
    expect(cross.status).toBe(404);
    expect((await ping(`apiKey=${aliceKey.key}`)).status).toBe("ok");

    const revoked = await root.form(`/admin/users/${bob.id}/keys/${must(row).id}/revoke`);
    expect(revoked.status).toBe(303);
    const after = await ping(`apiKey=${key}`);
    expect(after.status).toBe("failed");
    expect(after.error?.code).toBe(44);
  });

  test("bad ids are 404", async () => {
    for (const path of ["/admin/users/999999", "/admin/users/abc", "/admin/users/1e3/delete"]) {
      expect((await root.request(path)).status, path).toBe(404);
    }
    expect((await root.form("/admin/users/999999/delete")).status).toBe(404);
    expect((await root.form("/admin/users/999999/role", { role: "user" })).status).toBe(404);
  });

  test("delete asks first, then deletes; never oneself", async () => {
    const bob = must(await t.ctx.users.byName("bob"));
    const confirm = await root.request(`/admin/users/${bob.id}/delete`);
    expect(confirm.status).toBe(200);
    const html = await text(confirm);
    expect(html).toContain("Delete bob?");
    expect(html).toContain(`action="/admin/users/${bob.id}/delete"`);

    const res = await root.form(`/admin/users/${bob.id}/delete`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin?done=deleted&name=bob");
    expect(await t.ctx.users.byName("bob")).toBeUndefined();

    const self = await root.form(`/admin/users/${root.userId}/delete`);
    expect(self.status).toBe(403);
    expect(await text(self)).toContain("your own account");
    expect(await t.ctx.users.byName("root")).toBeDefined();
    // The confirmation page for oneself is not offered.
    expect((await root.request(`/admin/users/${root.userId}/delete`)).status).toBe(303);
  });

  // The rule lives in auth/users.ts, so the Subsonic deleteUser/updateUser and the CLI get it too.
  test("the last admin can be neither deleted nor demoted", async () => {
    expect(
      (await t.ctx.users.list()).filter((u) => u.role === "admin").map((u) => u.username),
    ).toEqual(["root"]);
    await expect(t.ctx.users.delete("root")).rejects.toThrow("last admin");
    await expect(t.ctx.users.setRole("root", "user")).rejects.toThrow("last admin");
    await expect(t.ctx.users.updateAccount("root", { role: "user" })).rejects.toThrow("last admin");
    expect((await t.ctx.users.byName("root"))?.role).toBe("admin");

    // With a second admin, one of them may go — but not both.
    await t.ctx.users.create({ username: "carol", password: "carol-pw", role: "admin" });
    const carol = await webSession(t, "carol");
    const results = await Promise.allSettled([
      t.ctx.users.delete("root"),
      t.ctx.users.setRole("carol", "user"),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(
      (await t.ctx.users.list()).filter((u) => u.role === "admin").map((u) => u.username),
    ).toHaveLength(1);
    // Put things back: root admin again (made by carol if root is gone, else as is).
    if (!(await t.ctx.users.byName("root"))) {
      const res = await carol.form("/admin/users", {
        username: "root",
        password: "root-password",
        role: "admin",
      });
      expect(res.status).toBe(303);
      root = await webSession(t, "root");
    }
  });
});

describe("music folders", () => {
  test("lists folders with track and problem counts, and the problems as text", async () => {
    const res = await root.request("/admin/library");
    expect(res.status).toBe(200);
    const html = await text(res);
    expect(html).toContain(join(t.dataDir, "music"));
    expect(html).toContain("Uploads");
    // The library folder: 3 tracks, 2 problems; the uploads folder: none of either.
    expect(html).toMatch(
      /<td class="num">3<\/td><td class="num"><a href="#problems-heading">2<\/a>/,
    );
    expect(html).toMatch(/Uploads<\/a>.*?<td class="num">0<\/td><td class="num">0<\/td>/);
    expect(html).toContain("broken.flac");
    expect(markup(html)).not.toContain("<img src=x");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;.mp3");
    expect(html).toContain('href="/jobs"');
    expect(html).toContain("2 files");
  });

  test("Scan now and Full rescan enqueue the scan jobs", async () => {
    const scan = await root.form("/admin/library/scan", {});
    expect(scan.status).toBe(303);
    expect(scan.headers.get("location")).toBe("/admin/library?done=scan");
    const full = await root.form("/admin/library/scan", { full: "1" });
    expect(full.headers.get("location")).toBe("/admin/library?done=rescan");
    const scans = await t.ctx.jobs.list({ name: "scan", limit: 1 });
    const rescans = await t.ctx.jobs.list({ name: "refresh-metadata", limit: 1 });
    expect(scans.items[0]?.state).toBe("queued");
    expect(rescans.items[0]?.state).toBe("queued");
    expect(JSON.parse(must(rescans.items[0]).payload)).toEqual({ full: true });
    // Pressing again while one waits does not pile up jobs.
    await root.form("/admin/library/scan", {});
    expect((await t.ctx.jobs.list({ name: "scan" })).total).toBe(scans.total);

    const page = await text(await root.request("/admin/library?done=scan"));
    expect(page).toContain("Scan queued");
    const status = await root.request("/admin/library/status");
    expect(status.status).toBe(200);
    // While a scan waits or runs the status also polls, so a lost SSE event cannot freeze it.
    const active = await text(status);
    expect(active).toContain("queued");
    expect(active).toContain('hx-trigger="job from:body throttle:500ms, every 2s"');
    // The full rescan waits (deferred) while the scan holds the library: drain until both end.
    for (let i = 0; i < 40; i++) {
      await (t.ctx.queue as LocalDispatcher).drain(60_000);
      const latest = await Promise.all(
        ["scan", "refresh-metadata"].map(
          async (name) => (await t.ctx.jobs.list({ name, limit: 1 })).items[0]?.state,
        ),
      );
      if (latest.every((state) => state === "finished")) break;
      await Bun.sleep(250);
    }
    const ended = await text(await root.request("/admin/library/status"));
    expect(ended).not.toMatch(/queued|started|deferred/);
    expect(ended).toContain('hx-trigger="job from:body throttle:500ms"');
  });
});

describe("managing music folders", () => {
  let apiKey = "";
  const rest = async (method: string, query = "") => {
    apiKey ||= (await t.ctx.apiKeys.create(root.userId, "folders test")).key;
    const res = await t.request(`/rest/${method}?f=json&v=1.16.1&c=test&apiKey=${apiKey}&${query}`);
    return ((await res.json()) as Json)["subsonic-response"] as Json;
  };
  const folderNames = async () =>
    ((await rest("getMusicFolders")).musicFolders.musicFolder as { name: string }[]).map(
      (f) => f.name,
    );
  const drain = () => (t.ctx.queue as LocalDispatcher).drain(60_000);
  // In a parent of its own, so that the parent overlaps nothing but it.
  const second = join(tempDir("bandstand-outer-"), "second");
  mkdirSync(second);
  let secondId = 0;

  test("an admin adds a folder by its path: a scan reads it, Subsonic apps see it", async () => {
    for (const n of [1, 2]) {
      await makeTone(join(second, "Other", `${n}.mp3`), {
        frequency: 300 + n * 50,
        seconds: 1,
        tags: { title: `Other ${n}`, artist: "Other Band", album: "Other Album", track: String(n) },
      });
    }
    const res = await root.form("/admin/library/folders", { path: second, name: "Second" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/library?done=added&name=Second");
    await drain();
    const folder = must((await t.ctx.library.folders()).find((f) => f.name === "Second"));
    secondId = folder.id;
    const tracks = await t.ctx.database.client.execute({
      sql: "SELECT title FROM tracks WHERE folder_id = ? ORDER BY title",
      args: [folder.id],
    });
    expect(tracks.rows.map((r) => r.title)).toEqual(["Other 1", "Other 2"]);
    expect(await folderNames()).toContain("Second");
    const page = await text(await root.request("/admin/library?done=added&name=Second"));
    expect(page).toContain("Added Second: a scan is reading it.");
    expect(page).toContain(`aria-label="Manage folder Second"`);
  });

  test("a path that is not a new readable folder is refused with its reason; nothing is added", async () => {
    const file = join(second, "Other", "1.mp3");
    const link = join(tempDir("bandstand-link-"), "to-second");
    symlinkSync(second, link);
    const cases: [string, string, number, string][] = [
      ["", "", 400, "give the path of the folder"],
      ["music/relative", "", 400, "give an absolute path"],
      ["/no/such/folder/anywhere", "", 400, "no such folder: /no/such/folder/anywhere"],
      [file, "", 400, "not a folder"],
      [t.dataDir, "", 400, "data folder"],
      [join(t.dataDir, "elsewhere-inside"), "", 400, "no such folder"],
      [second, "", 409, "already a music folder: Second"],
      [link, "", 409, "already a music folder: Second"],
      [join(second, "Other"), "", 409, "overlaps the music folder Second"],
      [join(second, ".."), "", 409, "overlaps the music folder Second"],
      [tempDir("bandstand-named-"), "x".repeat(101), 400, "at most 100 characters"],
      [tempDir("bandstand-named-"), "bad\u0007name", 400, "control characters"],
    ];
    const before = await snapshot();
    for (const [path, name, status, message] of cases) {
      const res = await root.form("/admin/library/folders", { path, name });
      const html = await text(res);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(html, path).toContain(message);
    }
    // The form keeps what was typed, inside its attribute.
    const again = await text(await root.form("/admin/library/folders", { path: 'rel/"><b>' }));
    expect(again).toContain('value="rel/&#34;><b>"');
    expect(await snapshot()).toEqual(before);
  });

  test("rename: Subsonic apps show the new name; a bad name or id changes nothing", async () => {
    const base = `/admin/library/folders/${secondId}`;
    const page = await text(await root.request(base));
    expect(page).toContain(second);
    expect(page).toContain(`href="${base}/remove"`);
    const res = await root.form(`${base}/name`, { name: "  Second <Shelf>  " });
    expect(res.headers.get("location")).toBe(`${base}?done=renamed`);
    expect(await folderNames()).toContain("Second <Shelf>");
    expect(await text(await root.request(`${base}?done=renamed`))).toContain(
      "Folder Second &lt;Shelf&gt;",
    );
    const before = await snapshot();
    expect((await root.form(`${base}/name`, { name: "   " })).status).toBe(400);
    expect((await root.form(`${base}/name`, { name: "y".repeat(101) })).status).toBe(400);
    expect((await root.form("/admin/library/folders/9999/name", { name: "Z" })).status).toBe(404);
    expect((await root.form("/admin/library/folders/abc/name", { name: "Z" })).status).toBe(404);
    expect((await root.request("/admin/library/folders/9999")).status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  test("the uploads folder and a folder from BANDSTAND_MUSIC_DIR cannot be removed here", async () => {
    const folders = await t.ctx.library.folders();
    const before = await snapshot();
    for (const f of folders.filter((f) => f.id !== secondId)) {
      const base = `/admin/library/folders/${f.id}`;
      const page = await text(await root.request(base));
      expect(page, f.name).not.toContain(`href="${base}/remove"`);
      expect(page, f.name).toMatch(
        /uploads folder is part of Bandstand|set by BANDSTAND_MUSIC_DIR/,
      );
      expect((await root.request(`${base}/remove`)).headers.get("location")).toBe(base);
      const res = await root.form(`${base}/remove`, {});
      expect(res.status, f.name).toBe(409);
    }
    expect(await snapshot()).toEqual(before);
  });

  test("remove: refused while a scan runs; then its tracks, albums, stars and playlist places go", async () => {
    const base = `/admin/library/folders/${secondId}`;
    const ids = (
      await t.ctx.database.client.execute({
        sql: "SELECT id FROM tracks WHERE folder_id = ? ORDER BY id",
        args: [secondId],
      })
    ).rows.map((r) => Number(r.id));
    const keep = Number(
      (await t.ctx.database.client.execute("SELECT id FROM tracks WHERE folder_id = 1 LIMIT 1"))
        .rows[0]?.id,
    );
    await rest("star", `id=tr-${ids[0]}`);
    const created = await rest(
      "createPlaylist",
      `name=Mixed&songId=tr-${ids[0]}&songId=tr-${keep}&songId=tr-${ids[1]}`,
    );
    const playlistId = created.playlist.id as string;
    const confirm = await text(await root.request(`${base}/remove`));
    expect(confirm).toContain("Its 2 tracks leave the library");

    // A scan holds the library: nothing is removed, the admin is told why.
    const token = must(await t.ctx.edge.lock.acquire(SCAN_LOCK, 60_000));
    const busy = await root.form(`${base}/remove`, {});
    expect(busy.status).toBe(409);
    expect(await text(busy)).toContain("A scan is running");
    expect(await folderNames()).toContain("Second <Shelf>");
    await t.ctx.edge.lock.release(SCAN_LOCK, token);

    const res = await root.form(`${base}/remove`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(
      `/admin/library?done=removed&name=${encodeURIComponent("Second <Shelf>")}`,
    );
    expect(await folderNames()).not.toContain("Second <Shelf>");
    const left = await t.ctx.database.client.execute({
      sql: `SELECT (SELECT count(*) FROM tracks WHERE folder_id = ?) AS tracks,
                   (SELECT count(*) FROM albums WHERE name = 'Other Album') AS albums,
                   (SELECT count(*) FROM artists WHERE name = 'Other Band') AS artists`,
      args: [secondId],
    });
    expect(left.rows[0]).toMatchObject({ tracks: 0, albums: 0, artists: 0 });
    const playlist = (await rest("getPlaylist", `id=${playlistId}`)).playlist;
    expect((playlist.entry as { id: string }[]).map((e) => e.id)).toEqual([`tr-${keep}`]);
    expect((await rest("getStarred2")).starred2.song ?? []).toEqual([]);
    // The files stay on disk.
    expect(await Bun.file(join(second, "Other", "1.mp3")).exists()).toBe(true);
    expect((await root.request(base)).status).toBe(404);
  });
});

describe("settings", () => {
  test("shows the effective configuration, never a secret", async () => {
    const res = await root.request("/admin/settings");
    expect(res.status).toBe(200);
    const html = await text(res);
    expect(html).toContain("BANDSTAND_SECRET");
    expect(html).toContain("set (hidden)");
    expect(html).toContain("restart");
    expect(html).toContain(join(t.dataDir, "music"));
    expect(html).not.toContain(SECRET);
    expect(html).not.toContain(ADMIN_PASSWORD);
  });

  test("masks tokens and passwords in every secret setting and URL", () => {
    const secrets = [
      "redis-pass-1",
      "turso-token-2",
      "url-token-3",
      "upstash-token-4",
      "qstash-token-5",
      "sig-current-6",
      "sig-next-7",
      "sync-token-8",
    ];
    const config = loadConfig({
      BANDSTAND_DATA_DIR: tempDir(),
      REDIS_URL: `redis://user:${secrets[0]}@cache.example:6379`,
      DATABASE_URL: `libsql://db.example.turso.io?authToken=${secrets[2]}`,
      DATABASE_AUTH_TOKEN: secrets[1],
      DATABASE_SYNC_URL: `https://sync.example?token=${secrets[7]}`,
      UPSTASH_REDIS_REST_URL: "https://up.example",
      UPSTASH_REDIS_REST_TOKEN: secrets[3],
      QSTASH_TOKEN: secrets[4],
      QSTASH_CURRENT_SIGNING_KEY: secrets[5],
      QSTASH_NEXT_SIGNING_KEY: secrets[6],
      BANDSTAND_SECRET: SECRET,
    });
    const shown = JSON.stringify(settingRows(config));
    for (const s of [...secrets, SECRET]) expect(shown).not.toContain(s);
    expect(shown).toContain("cache.example:6379");
    expect(shown).toContain("db.example.turso.io");
    expect(maskUrl("https://plain.example/x")).toBe("https://plain.example/x");
    expect(maskUrl(undefined)).toBe("not set");
  });
});
