import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { recordPlays } from "../library/annotations.ts";
import {
  scanLibrary,
  startTestApp,
  type TestApp,
  type WebSession,
  webSession,
} from "./helpers/app.ts";
import { makeTone } from "./helpers/audio-files.ts";

const SCRIPT_TITLE = "<script>alert(1)</script>";
const IMG_ALBUM = "<img src=x onerror=alert(1)>";
const AMP_ARTIST = 'Tom & "Jerry" <Band>';

let t: TestApp;
let alice: WebSession;
let bob: WebSession;
const ids = {
  northern: 0,
  hostileAlbum: 0,
  doubleAlbum: 0,
  aurora: 0,
  hostileArtist: 0,
  polar: 0,
  veil: 0,
  scriptTrack: 0,
};

async function tone(path: string, tags: Record<string, string>, frequency = 440) {
  await makeTone(path, { frequency, seconds: 1, tags, args: ["-ac", "1", "-ar", "22050"] });
}

async function id(sql: string, arg: string): Promise<number> {
  const rs = await t.ctx.database.client.execute({ sql, args: [arg] });
  const v = rs.rows[0]?.id;
  if (v === undefined) throw new Error(`no row for ${arg}`);
  return Number(v);
}

beforeAll(async () => {
  // Analysis runs by hand in the waveform test: it starts out "not analysed".
  t = await startTestApp({ BANDSTAND_AUTO_ANALYZE: "false" });
  const music = join(t.dataDir, "music");
  const aurora = { artist: "Aurora Lane", album_artist: "Aurora Lane", date: "2021" };
  await tone(join(music, "Aurora", "Northern", "1.mp3"), {
    ...aurora,
    album: "Northern Lights",
    title: "Polar Night",
    track: "1",
    genre: "Ambient",
  });
  await tone(join(music, "Aurora", "Northern", "2.mp3"), {
    ...aurora,
    album: "Northern Lights",
    title: "Green Veil",
    track: "2",
    genre: "Ambient",
  });
  // Two discs with subtitles (Vorbis comments carry DISCSUBTITLE as is).
  for (const [disc, sub, title] of [
    ["1", "The Opening", "Overture"],
    ["2", "The Encore", "Finale"],
  ] as const) {
    await tone(
      join(music, "Aurora", "Double", `${disc}.ogg`),
      {
        ...aurora,
        album: "Double Feature",
        title,
        track: "1",
        disc,
        discsubtitle: sub,
        genre: "Rock/Pop",
      },
      500,
    );
  }
  const hostile = { artist: AMP_ARTIST, album_artist: AMP_ARTIST, album: IMG_ALBUM, date: "2001" };
  await tone(join(music, "Hostile", "1.mp3"), {
    ...hostile,
    title: SCRIPT_TITLE,
    track: "1",
    genre: "<i>Noise</i>",
  });
  await tone(join(music, "Hostile", "2.mp3"), {
    ...hostile,
    title: "Calm & Quiet",
    track: "2",
    genre: "<i>Noise</i>",
  });
  await scanLibrary(t);
  ids.northern = await id("SELECT id FROM albums WHERE name = ?", "Northern Lights");
  ids.doubleAlbum = await id("SELECT id FROM albums WHERE name = ?", "Double Feature");
  ids.hostileAlbum = await id("SELECT id FROM albums WHERE name = ?", IMG_ALBUM);
  ids.aurora = await id("SELECT id FROM artists WHERE name = ?", "Aurora Lane");
  ids.hostileArtist = await id("SELECT id FROM artists WHERE name = ?", AMP_ARTIST);
  ids.polar = await id("SELECT id FROM tracks WHERE title = ?", "Polar Night");
  ids.veil = await id("SELECT id FROM tracks WHERE title = ?", "Green Veil");
  ids.scriptTrack = await id("SELECT id FROM tracks WHERE title = ?", SCRIPT_TITLE);
  alice = await webSession(t, "alice");
  bob = await webSession(t, "bob");
});
afterAll(() => t.close());

async function page(path: string, who = alice, status = 200): Promise<string> {
  const res = await who.request(path);
  const body = await res.text();
  if (res.status !== status) throw new Error(`${path}: ${res.status} ${body.slice(0, 300)}`);
  expect(res.headers.get("content-type")).toContain("text/html");
  return body;
}

/** The text of `#main` (what a boosted navigation swaps in). */
const main = (html: string) => html.slice(html.indexOf('<main id="main"'), html.indexOf("</main>"));

/**
 * No hostile tag value became markup: the page parsed as HTML holds no inline script, no event
 * handler attribute, no <img src=x>, no <band> or <i> element. (Inside a quoted attribute a raw
 * `<` is text, so the check is on the parsed elements, not on the source.)
 */
async function injected(html: string): Promise<string[]> {
  const found: string[] = [];
  await new HTMLRewriter()
    .on("*", {
      element(el) {
        const tag = el.tagName;
        if (tag === "script" && !el.getAttribute("src")) found.push("inline script");
        if (tag === "band" || tag === "i") found.push(`<${tag}>`);
        if (tag === "img" && el.getAttribute("src") === "x") found.push("<img src=x>");
        for (const [name] of el.attributes) if (name.startsWith("on")) found.push(`${tag} ${name}`);
      },
    })
    .transform(new Response(html))
    .text();
  return found;
}

async function expectEscaped(html: string) {
  expect(await injected(html)).toEqual([]);
}

describe("login required", () => {
  const paths = [
    "/artists",
    "/artists/1",
    "/albums",
    "/albums/1",
    "/genres",
    "/genres/Ambient",
    "/search?q=polar",
    "/favorites",
    "/history",
    "/web/home/recent",
    "/web/waveform/1",
  ];
  test("every browsing page sends a visitor to the login page, and back after", async () => {
    for (const path of paths) {
      const res = await t.request(path);
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
    expect((await t.request("/")).headers.get("location")).toBe("/login");
  });

  test("an htmx request is told to redirect instead", async () => {
    const res = await t.request("/albums", { headers: { "hx-request": "true" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("hx-redirect")).toBe("/login?next=%2Falbums");
  });

  test("a forged or expired session cookie is no session", async () => {
    const res = await t.request("/albums", { headers: { cookie: "bandstand_session=forged" } });
    expect(res.status).toBe(303);
  });
});

describe("home", () => {
  test("shelves of recently added, played, most played and random albums", async () => {
    const html = await page("/");
    expect(html).toContain("Welcome, alice");
    for (const h of ["Recently added", "Recently played", "Most played", "Random albums"]) {
      expect(html).toContain(`>${h}</h2>`);
    }
    expect(main(html)).toContain("Northern Lights");
    expect(html).toContain('aria-current="page"');
    expect(html).toContain("Nothing played yet.");
    // The recently added shelf refreshes itself on the SSE `library` event.
    expect(html).toMatch(/hx-get="\/web\/home\/recent"[^>]*hx-trigger="library from:body/);
    await expectEscaped(html);
  });

  test("played albums show on the home page of the one who played them", async () => {
    await recordPlays(t.ctx.database, bob.userId, [{ trackId: ids.polar, at: Date.now() }], "t");
    const html = await page("/", bob);
    const played = html.slice(html.indexOf("Recently played"), html.indexOf("Most played"));
    expect(played).toContain(`href="/albums/${ids.northern}"`);
    const alices = await page("/");
    const none = alices.slice(alices.indexOf("Recently played"), alices.indexOf("Most played"));
    expect(none).not.toContain(`href="/albums/${ids.northern}"`);
  });

  test("a finished import shows in the refreshed shelf", async () => {
    const before = await page("/web/home/recent");
    expect(before).toStartWith('<section class="shelf" id="shelf-recent"');
    expect(before).not.toContain("Late Arrival");
    // The artist index and the genre list are kept between requests: a scan must turn them.
    expect(await page("/artists")).not.toContain("Latecomer");
    expect(await page("/genres")).not.toContain("Latin");
    await tone(join(t.dataDir, "music", "Late", "1.mp3"), {
      artist: "Latecomer",
      album: "Late Arrival",
      title: "Tardy",
      genre: "Latin 100%",
    });
    await scanLibrary(t);
    const after = await page("/web/home/recent");
    expect(after).toContain("Late Arrival");
    expect(await page("/artists")).toContain("Latecomer");
    expect(await page("/genres")).toContain('<a href="/genres/Latin%20100%25">Latin 100%</a>');
    expect(await page("/genres/Latin%20100%25")).toContain("<h1>Latin 100%</h1>");
    // Newest first.
    expect(after.indexOf("Late Arrival")).toBeLessThan(after.indexOf("Northern Lights"));
  });
});

describe("artists", () => {
  test("an A–Z index of album artists with letter jump links", async () => {
    const html = await page("/artists");
    expect(html).toContain('aria-label="Artists by letter"');
    expect(html).toContain('href="#letter-A"');
    expect(html).toContain('<h2 id="letter-A">A</h2>');
    expect(html).toContain('<h2 id="letter-T">T</h2>');
    expect(html).toContain(`href="/artists/${ids.aurora}"`);
    expect(html).toContain("Tom &amp; &quot;Jerry&quot; &lt;Band&gt;");
    expect(html.indexOf("letter-A")).toBeLessThan(html.indexOf("letter-T"));
    await expectEscaped(html);
  });

  test("an artist's page: albums, top tracks, star", async () => {
    const html = await page(`/artists/${ids.aurora}`);
    expect(html).toContain("<h1>Aurora Lane</h1>");
    expect(html).toContain(`href="/albums/${ids.northern}"`);
    expect(html).toContain(`href="/albums/${ids.doubleAlbum}"`);
    expect(html).toContain('aria-label="Top tracks of Aurora Lane"');
    expect(html).toContain('aria-label="Play Polar Night"');
    expect(html).toContain('aria-label="Star Aurora Lane"');
    expect(html).toContain(`hx-post="/web/star/artist/${ids.aurora}"`);
    await expectEscaped(html);
  });

  test("a hostile artist's page shows the name as text", async () => {
    const html = await page(`/artists/${ids.hostileArtist}`);
    expect(html).toContain("<h1>Tom &amp; &quot;Jerry&quot; &lt;Band&gt;</h1>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    await expectEscaped(html);
  });
});

describe("albums", () => {
  test("a sorted list; unknown sorts and pages are 400", async () => {
    const byName = main(await page("/albums?sort=name"));
    expect(byName).toContain('<option value="name" selected>');
    const order = ["Double Feature", "Late Arrival", "Northern Lights"].map((n) =>
      byName.indexOf(n),
    );
    expect(order.every((x) => x > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(byName).not.toContain("Next page");
    for (const sort of ["newest", "artist", "year", "random", "recent", "frequent", "starred"]) {
      await page(`/albums?sort=${sort}`);
    }
    const bad = await page("/albums?sort=%3Cscript%3E", alice, 400);
    expect(bad).toContain("Unknown sort order: &lt;script&gt;");
    expect(bad).toContain("<title>Bad request · Bandstand</title>");
    await page("/albums?page=0", alice, 400);
    await page("/albums?page=x", alice, 400);
    // Past the end: an empty page, still a page.
    expect(await page("/albums?page=50")).toContain("No albums yet.");
  });

  test("an album page: cover, artist, year, genres, marks, actions, tracks", async () => {
    const html = await page(`/albums/${ids.northern}`);
    expect(html).toContain("<title>Northern Lights · Bandstand</title>");
    expect(html).toContain("<h1>Northern Lights</h1>");
    expect(html).toContain(`<a href="/artists/${ids.aurora}">Aurora Lane</a>`);
    expect(html).toContain("2021 · 2 tracks");
    expect(html).toContain('<a href="/genres/Ambient">Ambient</a>');
    expect(html).toContain('alt="Cover of Northern Lights"');
    expect(html).toContain('aria-label="Star Northern Lights"');
    expect(html).toContain('aria-label="Rate Northern Lights"');
    expect(html).toContain(">Play album</button>");
    expect(html).toContain('aria-label="Add album to playlist"');
    expect(html).toContain(">Add album to queue</button>");
    for (const title of ["Polar Night", "Green Veil"]) {
      expect(html).toContain(`aria-label="Play ${title}"`);
      expect(html).toContain(`aria-label="Add ${title} to queue"`);
      expect(html).toContain(`aria-label="Star ${title}"`);
      expect(html).toContain(`aria-label="Rate ${title}"`);
    }
    expect(html.indexOf("Polar Night")).toBeLessThan(html.indexOf("Green Veil"));
    expect(html).toContain(`data-waveform-album="${ids.northern}"`);
    // One disc: no disc headings.
    expect(html).not.toContain('class="disc"');
  });

  test("tracks are grouped by disc, with the disc subtitles", async () => {
    const html = await page(`/albums/${ids.doubleAlbum}`);
    const one = html.indexOf("<h3>Disc 1: The Opening</h3>");
    const two = html.indexOf("<h3>Disc 2: The Encore</h3>");
    expect(one).toBeGreaterThan(0);
    expect(two).toBeGreaterThan(one);
    expect(html.indexOf("Overture")).toBeGreaterThan(one);
    expect(html.indexOf("Overture")).toBeLessThan(two);
    expect(html.indexOf("Finale")).toBeGreaterThan(two);
    // One list for the whole album, so "Play" on a row queues every disc.
    expect(html.match(/data-tracklist/g)?.length).toBe(1);
    expect(html).toContain('<a href="/genres/Rock%2FPop">Rock/Pop</a>');
  });

  test("the hostile album's page shows its tags as text", async () => {
    const html = await page(`/albums/${ids.hostileAlbum}`);
    expect(html).toContain("<title>&lt;img src=x onerror=alert(1)&gt; · Bandstand</title>");
    expect(html).toContain("<h1>&lt;img src=x onerror=alert(1)&gt;</h1>");
    expect(html).toContain('aria-label="Play <script>alert(1)</script>"');
    expect(html).toContain("Calm &amp; Quiet");
    await expectEscaped(html);
  });

  test("unknown or malformed album and artist ids are a 404 page", async () => {
    for (const path of [
      "/albums/999999",
      "/albums/abc",
      "/albums/1.5",
      "/albums/-1",
      "/artists/999999",
      "/artists/x",
      "/genres/No%20such%20genre",
      "/genres/%E0%A4%A",
    ]) {
      const html = await page(path, alice, 404);
      expect(html).toContain("<h1>Not found</h1>");
      expect(html).toContain('<main id="main"');
    }
  });
});

describe("waveform", () => {
  test("not analysed yet, then the analysis' peaks; unknown tracks are 404", async () => {
    const before = await alice.request(`/web/waveform/${ids.polar}`);
    expect(before.status).toBe(200);
    expect(await before.json()).toEqual({
      trackId: ids.polar,
      analysed: false,
      error: null,
      peaks: null,
    });
    expect(await t.ctx.library.analyzer.analyzeTrack(ids.polar)).toBe(true);
    const after = (await (await alice.request(`/web/waveform/${ids.polar}`)).json()) as {
      analysed: boolean;
      peaks: number[];
    };
    expect(after.analysed).toBe(true);
    // (min, max) pairs of a full-scale-ish sine: about 1000 pairs, min ≤ max, in Int8 range.
    expect(after.peaks.length % 2).toBe(0);
    expect(after.peaks.length).toBeGreaterThan(100);
    for (let i = 0; i < after.peaks.length; i += 2) {
      expect(after.peaks[i] as number).toBeLessThanOrEqual(after.peaks[i + 1] as number);
      expect(after.peaks[i] as number).toBeGreaterThanOrEqual(-128);
    }
    expect(Math.max(...after.peaks)).toBeGreaterThan(10);
    expect((await alice.request("/web/waveform/999999")).status).toBe(404);
    expect((await alice.request("/web/waveform/nope")).status).toBe(404);
  });

  test("the album page loads the waveform script", async () => {
    const html = await page(`/albums/${ids.northern}`);
    expect(html).toContain('<script src="/public/waveform.js" defer></script>');
    const js = await t.request("/public/waveform.js");
    expect(js.status).toBe(200);
    expect(await js.text()).toContain("bandstand:track");
  });
});

describe("genres", () => {
  test("genres with counts, and a genre's albums and tracks", async () => {
    const list = await page("/genres");
    expect(list).toContain('<a href="/genres/Ambient">Ambient</a>');
    expect(list).toContain("1 album · 2 tracks");
    expect(list).toContain('<a href="/genres/%3Ci%3ENoise%3C%2Fi%3E">&lt;i&gt;Noise&lt;/i&gt;</a>');
    const ambient = await page("/genres/Ambient");
    expect(ambient).toContain("<h1>Ambient</h1>");
    expect(ambient).toContain(`href="/albums/${ids.northern}"`);
    expect(ambient).toContain('aria-label="Play Polar Night"');
    expect(ambient).not.toContain("Overture");
    const slash = await page("/genres/Rock%2FPop");
    expect(slash).toContain("<h1>Rock/Pop</h1>");
    expect(slash).toContain("Overture");
    const noise = await page("/genres/%3Ci%3ENoise%3C%2Fi%3E");
    expect(noise).toContain("<h1>&lt;i&gt;Noise&lt;/i&gt;</h1>");
    await expectEscaped(noise);
    await expectEscaped(list);
  });
});

describe("search", () => {
  test("artists, albums and tracks, as a full page and for the live search swap", async () => {
    const html = await page("/search?q=aurora");
    expect(html).toContain('value="aurora"');
    expect(main(html)).toContain(`href="/artists/${ids.aurora}"`);
    const tracks = main(await page("/search?q=pol"));
    expect(tracks).toContain('aria-label="Play Polar Night"');
    expect(tracks).not.toContain("Green Veil");
    const albums = main(await page("/search?q=northern"));
    expect(albums).toContain(`href="/albums/${ids.northern}"`);
    // The live search box asks with HX-Request: the same page, #main inside.
    const res = await alice.request("/search?q=veil", { headers: { "hx-request": "true" } });
    expect(res.status).toBe(200);
    const live = await res.text();
    expect(main(live)).toContain('aria-label="Play Green Veil"');
    expect(main(await page("/search?q=zzzzqqq"))).toContain("Nothing found.");
    expect(main(await page("/search"))).toContain("Type in the search box");
    expect(main(await page('/search?q="%20%22*'))).toContain("Nothing found.");
  });

  test("hostile names are found and shown as text; the query is escaped too", async () => {
    const html = await page("/search?q=alert");
    expect(main(html)).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(main(html)).toContain("&lt;img src=x onerror=alert(1)&gt;");
    await expectEscaped(html);
    const q = await page(`/search?q=${encodeURIComponent('"><script>alert(2)</script>')}`);
    expect(await injected(q)).toEqual([]);
    expect(q).toContain('value="&#34;><script>alert(2)</script>"');
    expect(q).toContain("&lt;script&gt;alert(2)&lt;/script&gt;");
  });
});

describe("favorites and history", () => {
  test("starred artists, albums and tracks of the user only", async () => {
    expect(main(await page("/favorites"))).toContain("No starred tracks.");
    for (const [type, id] of [
      ["artist", ids.hostileArtist],
      ["album", ids.hostileAlbum],
      ["track", ids.scriptTrack],
    ] as const) {
      const r = await alice.request(`/web/star/${type}/${id}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "starred=1",
      });
      // A plain form post (no htmx): back to the page it came from, here none, so home.
      expect(r.status).toBe(303);
    }
    const html = await page("/favorites");
    const m = main(html);
    expect(m).toContain(`href="/artists/${ids.hostileArtist}"`);
    expect(m).toContain(`href="/albums/${ids.hostileAlbum}"`);
    expect(m).toContain('aria-label="Unstar <script>alert(1)</script>"');
    expect(m).toContain(">Play starred tracks</button>");
    await expectEscaped(html);
    expect(main(await page("/favorites", bob))).toContain("No starred tracks.");
  });

  test("the user's plays, newest first, paged", async () => {
    const now = Date.now();
    const plays = Array.from({ length: 55 }, (_, i) => ({
      trackId: i === 54 ? ids.scriptTrack : i % 2 ? ids.polar : ids.veil,
      at: now - (60 - i) * 60_000,
    }));
    await recordPlays(t.ctx.database, alice.userId, plays, "test");
    const first = main(await page("/history"));
    // The newest play (the hostile track, 6 minutes ago) comes first.
    const rows = first.match(/data-track-id="(\d+)"/g) ?? [];
    expect(rows.length).toBe(50);
    expect(rows[0]).toBe(`data-track-id="${ids.scriptTrack}"`);
    expect(first).toContain("6 min ago");
    expect(first).toContain('href="/history?page=2"');
    await expectEscaped(first);
    const second = main(await page("/history?page=2"));
    expect(second.match(/data-track-id=/g)?.length).toBe(5);
    expect(second).toContain('href="/history?page=1"');
    expect(second).not.toContain("Next page");
    // Bob's history holds only his own play.
    expect(main(await page("/history", bob)).match(/data-track-id=/g)?.length).toBe(1);
    await page("/history?page=-2", alice, 400);
  });
});

describe("escaping everywhere", () => {
  test("the check finds markup when there is some", async () => {
    expect(await injected(`<p>${SCRIPT_TITLE}${IMG_ALBUM}<Band>x</Band></p>`)).toEqual([
      "inline script",
      "<img src=x>",
      "img onerror",
      "<band>",
    ]);
  });

  test("no page shows a hostile tag as markup", async () => {
    for (const path of [
      "/",
      "/artists",
      `/artists/${ids.hostileArtist}`,
      "/albums",
      "/albums?sort=name",
      `/albums/${ids.hostileAlbum}`,
      "/genres",
      "/search?q=alert",
      "/search?q=calm",
      "/favorites",
      "/history",
      "/web/home/recent",
    ]) {
      const html = await page(path);
      await expectEscaped(html);
    }
    // The hostile album does appear (escaped) on the album list.
    expect(await page("/albums?sort=name")).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });
});
