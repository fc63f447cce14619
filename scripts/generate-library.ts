// Synthetic music library for tests and benchmarks.
//
//   bun run scripts/generate-library.ts <dir> --tracks 10000 [--seed 1] [--formats mp3,flac]
//       [--broken-every 200] [--cover-every 4] [--manifest out.json] [--force]
//
// Audio comes from short templates encoded once per format by ffmpeg (cached in the OS temp dir);
// every file is then a copy of a template with its tags written in TypeScript (see genlib/).
// The output is a pure function of (options, ffmpeg version).

import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { albumTitle, artistName, GENRES, Rng, safeName, trackTitle } from "./genlib/names.ts";
import { type FormatSpec, type Image, loadTemplates, VARIANTS } from "./genlib/templates.ts";
import {
  type MusicBrainzIds,
  type ParsedTemplate,
  parseTemplate,
  type ReplayGain,
  type TagSet,
  writeFile,
} from "./genlib/writers.ts";

export type { FormatId } from "./genlib/templates.ts";
export { FORMATS } from "./genlib/templates.ts";

export interface GeneratedTrack {
  relPath: string;
  /** Format id: mp3, flac, ogg, opus, m4a (AAC), m4a-alac, wav, aiff, wma, wv. */
  format: string;
  /** Tag title; for untagged files the file name stem (what a fallback should produce). */
  title: string;
  /** The individual artists a scanner should end up with ("A feat. B" split into A and B). */
  artists: string[];
  albumArtist: string;
  album: string;
  trackNumber: number;
  discNumber: number;
  year: number;
  genres: string[];
  /** MusicBrainz recording id (UFID / MUSICBRAINZ_TRACKID / "MusicBrainz Track Id"). */
  mbidTrack?: string;
  /** MusicBrainz release id. */
  mbidAlbum?: string;
  compilation: boolean;
  /** No tags at all in the file: expect the folder/file-name fallback. */
  untagged?: boolean;
  /** Exact values written to the primary artist field (e.g. ["A feat. B"] or ["A", "B"]). */
  artistTag: string[];
  /** Values of the separate multi-valued ARTISTS field, when one was written. */
  artistsTag?: string[];
  trackTotal: number;
  discTotal: number;
  /** The date tag as written: "YYYY" or "YYYY-MM-DD". */
  date: string;
  mbidReleaseTrack?: string;
  mbidReleaseGroup?: string;
  mbidArtists?: string[];
  mbidAlbumArtist?: string;
  /** Written as REPLAYGAIN_* (Opus: R128_TRACK_GAIN/R128_ALBUM_GAIN = round((gain - 5) * 256)). */
  replayGain?: ReplayGain;
  embeddedCover?: "image/jpeg" | "image/png";
  /** Folder image next to the file (cover.jpg, folder.png …), relative to the root. */
  folderImage?: string;
  /** Nominal length of the template audio (encoders may pad a few ms). */
  durationMs: number;
  sampleRate: number;
  lossless: boolean;
  codec: string;
  bytes: number;
}

export type BrokenKind = "corrupt" | "empty" | "not_audio";

export interface GeneratedLibrary {
  root: string;
  /** Every audio file that should scan: tagged ones and the untagged ones (flag `untagged`). */
  tracks: GeneratedTrack[];
  broken: { relPath: string; kind: BrokenKind; detail: string }[];
  /** Non-audio files a scanner must not import as tracks: cover.jpg, folder.png, notes.txt, .nfo. */
  others: string[];
  albums: number;
  bytes: number;
  formats: string[];
  ffmpegVersion: string;
}

export interface GenerateOptions {
  tracks: number;
  /** Restrict to these format ids (default: every one this ffmpeg can encode, weighted mix). */
  formats?: string[];
  seed?: number;
  /** One broken file per N tracks (default 200); 0 disables. */
  brokenEvery?: number;
  /** One album in N carries an embedded cover (default 4); 0 disables. */
  coverEvery?: number;
}

interface Artist {
  name: string;
  mbid: string;
}

interface Plan {
  spec: FormatSpec;
  template: ParsedTemplate[];
}

type ArtistStyle = "single" | "feat" | "picard" | "multi";

/** Formats whose primary artist field takes several values (ID3v2.4, Vorbis, APE, MP4). */
const MULTI_ARTIST_FIELD = new Set(["mp3", "flac", "ogg", "opus", "wav", "aiff", "wv", "mp4"]);

// Rounded as the tags print them; "+ 0" turns -0 into 0.
const round2 = (x: number) => Math.round(x * 100) / 100 + 0;
const round6 = (x: number) => Math.round(x * 1e6) / 1e6 + 0;

function pad2(n: number) {
  return String(n).padStart(2, "0");
}

export async function generateLibrary(
  root: string,
  opts: GenerateOptions,
): Promise<GeneratedLibrary> {
  const total = Math.floor(opts.tracks);
  if (!(total >= 0)) throw new Error("tracks must be a non-negative number");
  const seed = opts.seed ?? 1;
  const brokenEvery = opts.brokenEvery ?? 200;
  const coverEvery = opts.coverEvery ?? 4;
  const set = await loadTemplates();
  let specs = set.formats;
  if (opts.formats) {
    const wanted = opts.formats;
    const unknown = wanted.filter((f) => !set.formats.some((s) => s.id === f));
    if (unknown.length) throw new Error(`formats not available here: ${unknown.join(", ")}`);
    specs = set.formats.filter((s) => wanted.includes(s.id));
  }
  if (specs.length === 0) throw new Error("no formats");
  const plans: Plan[] = specs.map((spec) => ({
    spec,
    template: (set.templates.get(spec.id) as Uint8Array[]).map((b) =>
      parseTemplate(spec.container, b),
    ),
  }));

  const rng = new Rng(seed);
  mkdirSync(root, { recursive: true });
  const tracks: GeneratedTrack[] = [];
  const others: string[] = [];
  const albumDirs: { dir: string; disc: number; next: number }[] = [];
  let bytes = 0;
  const put = (rel: string, data: Uint8Array) => {
    writeFileSync(join(root, rel), data);
    bytes += data.length;
  };

  // Artist pool: enough that popular artists get several albums.
  const artists: Artist[] = [];
  const seenArtists = new Set<string>(["Various Artists"]);
  const poolSize = Math.max(8, Math.ceil(total / 25));
  for (let guard = 0; artists.length < poolSize && guard < poolSize * 20; guard++) {
    const name = artistName(rng);
    const key = safeName(name).toLowerCase();
    if (seenArtists.has(key)) continue;
    seenArtists.add(key);
    artists.push({ name, mbid: rng.uuid() });
  }
  const pickArtist = (not?: Artist) => {
    for (;;) {
      const a = artists[Math.floor(artists.length * rng.next() ** 1.6)] as Artist;
      if (a !== not) return a;
    }
  };
  const variousArtists: Artist = {
    name: "Various Artists",
    mbid: "89ad4ac3-39f7-470e-963a-56509c546377",
  };
  const usedDirs = new Set<string>();

  let made = 0;
  for (let albumIndex = 0; made < total; albumIndex++) {
    const spec =
      albumIndex < plans.length
        ? (plans[albumIndex] as Plan).spec
        : rng.weighted(plans, (p) => p.spec.weight).spec;
    const plan = plans.find((p) => p.spec === spec) as Plan;
    const compilation = albumIndex === 1 || (albumIndex > 8 && rng.chance(0.08));
    const albumArtist = compilation ? variousArtists : pickArtist();
    const discCount =
      albumIndex === 2 ? 2 : albumIndex > 8 && rng.chance(0.1) ? (rng.chance(0.15) ? 3 : 2) : 1;
    const discSizes: number[] = [];
    let remaining = total - made;
    for (let d = 0; d < discCount && remaining > 0; d++) {
      // The forced multi-disc album is kept short so that 150 tracks reach every format.
      const n = Math.min(albumIndex === 2 ? rng.int(8, 10) : rng.int(8, 14), remaining);
      discSizes.push(n);
      remaining -= n;
    }
    const year = rng.int(1962, 2025);
    const date = rng.chance(0.3)
      ? `${year}-${pad2(rng.int(1, 12))}-${pad2(rng.int(1, 28))}`
      : String(year);
    let album = albumTitle(rng, compilation ? undefined : albumArtist.name);
    let albumDir = `${safeName(albumArtist.name)}/${year} - ${safeName(album)}`;
    while (usedDirs.has(albumDir.toLowerCase())) {
      album = `${album} ${rng.pick(["II", "(Remastered)", "Reprise", "Again"])}`;
      albumDir = `${safeName(albumArtist.name)}/${year} - ${safeName(album)}`;
    }
    usedDirs.add(albumDir.toLowerCase());
    mkdirSync(join(root, albumDir), { recursive: true });

    const genreCount = albumIndex === 0 ? 2 : rng.chance(0.25) ? rng.int(2, 3) : 1;
    const genres: string[] = [];
    while (genres.length < genreCount) {
      const g = rng.pick(GENRES);
      if (!genres.includes(g)) genres.push(g);
    }
    const withMb = albumIndex === 3 || (albumIndex > 8 && rng.chance(0.4));
    const mbAlbum = withMb ? { album: rng.uuid(), releaseGroup: rng.uuid() } : undefined;
    const albumGain = round2(rng.next() * 14 - 11);
    const albumPeak = round6(0.6 + rng.next() * 0.4);
    const withRg = albumIndex === 3 || (albumIndex > 8 && rng.chance(0.35));
    const untaggedAlbum = !compilation && albumIndex > 8 && rng.chance(0.015);
    const slashTrackNumbers = rng.chance(0.2);
    const id3v1 = spec.id === "mp3" && rng.chance(0.15);
    const padding = rng.chance(0.4) ? rng.pick([256, 1024, 4096]) : 0;

    let picture: Image | undefined;
    let folderImage: string | undefined;
    if (coverEvery > 0 && albumIndex % coverEvery === 0) {
      picture = rng.pick(set.images);
    } else if (albumIndex === 1 || albumIndex === 2 || rng.chance(0.5)) {
      const name =
        albumIndex === 1
          ? "cover.jpg"
          : albumIndex === 2
            ? "folder.png"
            : rng.pick(["cover.jpg", "cover.jpg", "folder.jpg", "folder.png", "Cover.png"]);
      const img = rng.pick(set.images.filter((i) => i.name.endsWith(name.slice(-3).toLowerCase())));
      folderImage = `${albumDir}/${name}`;
      put(folderImage, img.data);
      others.push(folderImage);
    }
    if (albumIndex === 2 || rng.chance(0.05)) {
      const rel = `${albumDir}/notes.txt`;
      put(rel, new TextEncoder().encode(`${album}\nRipped from CD. No tracks here.\n`));
      others.push(rel);
    }
    if (albumIndex === 3 || rng.chance(0.03)) {
      const rel = `${albumDir}/${safeName(album)}.nfo`;
      put(rel, new TextEncoder().encode(`Artist: ${albumArtist.name}\nAlbum: ${album}\n`));
      others.push(rel);
    }

    const discTotal = discSizes.length;
    discSizes.forEach((trackTotal, d) => {
      const disc = d + 1;
      for (let n = 1; n <= trackTotal; n++) {
        let title = trackTitle(rng);
        const primary = compilation ? pickArtist() : albumArtist;
        let style: ArtistStyle = "single";
        if (albumIndex === 0 && n >= 2 && n <= 4) {
          style = (["feat", "picard", "multi"] as const)[n - 2] as ArtistStyle;
        } else {
          const r = rng.next();
          style = r < 0.06 ? "feat" : r < 0.11 ? "picard" : r < 0.15 ? "multi" : "single";
        }
        if (style === "multi" && !MULTI_ARTIST_FIELD.has(spec.container)) style = "picard";
        const guest = style === "single" ? undefined : pickArtist(primary);
        const trackArtists = guest ? [primary, guest] : [primary];
        const names = trackArtists.map((a) => a.name);
        const display = guest ? `${primary.name} feat. ${guest.name}` : primary.name;
        const artistTag = style === "multi" ? names : [display];
        const artistsTag = style === "picard" ? names : undefined;

        const variant = rng.int(0, VARIANTS.length - 1);
        const untagged =
          untaggedAlbum || (albumIndex === 4 && n === trackTotal) || rng.chance(0.012);
        const stem = `${disc}-${pad2(n)} ${safeName(title)}`;
        const relPath = `${albumDir}/${stem}.${spec.ext}`;
        const mb: MusicBrainzIds | undefined = mbAlbum && {
          recording: rng.uuid(),
          releaseTrack: rng.uuid(),
          album: mbAlbum.album,
          releaseGroup: mbAlbum.releaseGroup,
          artists: trackArtists.map((a) => a.mbid),
          albumArtist: albumArtist.mbid,
        };
        const rg: ReplayGain | undefined = withRg
          ? {
              trackGain: round2(albumGain + rng.next() * 2 - 1),
              trackPeak: round6(albumPeak - rng.next() * 0.1),
              albumGain,
              albumPeak,
            }
          : undefined;
        const tags: TagSet = {
          title,
          artist: artistTag,
          artists: artistsTag,
          albumArtist: albumArtist.name,
          album,
          track: n,
          trackTotal,
          disc,
          discTotal,
          date,
          genres,
          compilation,
          mb,
          rg,
          picture,
          slashTrackNumbers,
          id3v1,
          padding,
        };
        const data = writeFile(plan.template[variant] as ParsedTemplate, untagged ? null : tags);
        put(relPath, data);
        if (untagged) title = stem;
        const v = VARIANTS[variant] as (typeof VARIANTS)[number];
        tracks.push({
          relPath,
          format: spec.id,
          title,
          artists: untagged ? [albumArtist.name] : names,
          albumArtist: albumArtist.name,
          album,
          trackNumber: n,
          discNumber: disc,
          year,
          genres: untagged ? [] : [...genres],
          ...(untagged || !mb ? {} : { mbidTrack: mb.recording, mbidAlbum: mb.album }),
          compilation: untagged ? false : compilation,
          ...(untagged ? { untagged: true } : {}),
          artistTag: untagged ? [] : artistTag,
          ...(artistsTag && !untagged ? { artistsTag } : {}),
          trackTotal,
          discTotal,
          date,
          ...(untagged || !mb
            ? {}
            : {
                mbidReleaseTrack: mb.releaseTrack,
                mbidReleaseGroup: mb.releaseGroup,
                mbidArtists: mb.artists,
                mbidAlbumArtist: mb.albumArtist,
              }),
          ...(rg && !untagged ? { replayGain: rg } : {}),
          ...(picture && !untagged ? { embeddedCover: picture.mime } : {}),
          ...(folderImage ? { folderImage } : {}),
          durationMs: v.seconds * 1000,
          sampleRate: spec.sampleRate,
          lossless: spec.lossless,
          codec: spec.codec,
          bytes: data.length,
        });
        made++;
      }
      albumDirs.push({ dir: albumDir, disc, next: trackTotal + 1 });
    });
  }

  // Broken files, dropped into album folders with track-like names.
  const broken: GeneratedLibrary["broken"] = [];
  const brokenCount = brokenEvery > 0 ? Math.floor(total / brokenEvery) : 0;
  const kinds = ["random", "truncated", "empty", "not_audio"] as const;
  for (let i = 0; i < brokenCount && albumDirs.length > 0; i++) {
    const slot = rng.pick(albumDirs);
    const which = kinds[i % kinds.length] as (typeof kinds)[number];
    let ext: string;
    let data: Uint8Array;
    let kind: BrokenKind;
    let detail: string;
    switch (which) {
      case "random": {
        ext = rng.pick(plans).spec.ext;
        // No 0xFF bytes, so no MPEG frame sync can appear by chance.
        data = rng.bytes(rng.int(512, 8192)).map((b) => (b === 0xff ? 0xfe : b));
        kind = "corrupt";
        detail = "random bytes";
        break;
      }
      case "truncated": {
        // A real file cut inside its headers, so no audio stream can be found.
        const cands = plans.filter((p) =>
          ["flac", "mp4", "ogg", "opus"].includes(p.spec.container),
        );
        const p = cands.length ? rng.pick(cands) : rng.pick(plans);
        ext = p.spec.ext;
        const whole = writeFile(p.template[0] as ParsedTemplate, null);
        const cut = p.spec.container === "mp4" ? Math.floor(whole.length / 2) : 30;
        data = whole.slice(0, cut);
        kind = "corrupt";
        detail = `${p.spec.id} truncated to ${cut} of ${whole.length} bytes`;
        break;
      }
      case "empty":
        ext = rng.pick(plans).spec.ext;
        data = new Uint8Array(0);
        kind = "empty";
        detail = "0 bytes";
        break;
      case "not_audio":
        ext = "mp3";
        data = new TextEncoder().encode(
          "This is not an MP3.\nIt is a text file someone renamed.\n".repeat(20),
        );
        kind = "not_audio";
        detail = "text file";
        break;
    }
    const rel = `${slot.dir}/${slot.disc}-${pad2(slot.next++)} ${safeName(trackTitle(rng))}.${ext}`;
    put(rel, data);
    broken.push({ relPath: rel, kind, detail });
  }

  return {
    root,
    tracks,
    broken,
    others,
    albums: new Set(tracks.map((t) => t.relPath.slice(0, t.relPath.lastIndexOf("/")))).size,
    bytes,
    formats: plans.map((p) => p.spec.id),
    ffmpegVersion: set.ffmpegVersion,
  };
}

// ---------------------------------------------------------------------------------------------
// CLI

function parseArgs(argv: string[]) {
  const out: Record<string, string | boolean> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith("--")) {
      const [k, v] = a.slice(2).split("=", 2) as [string, string | undefined];
      if (v !== undefined) out[k] = v;
      else if (k === "force") out[k] = true;
      else out[k] = argv[++i] ?? "";
    } else positional.push(a);
  }
  return { out, positional };
}

async function main() {
  const { out, positional } = parseArgs(process.argv.slice(2));
  const dir = positional[0];
  if (!dir || out.help) {
    console.error(
      "usage: bun run scripts/generate-library.ts <dir> --tracks N [--seed N] [--formats mp3,flac]\n" +
        "       [--broken-every N] [--cover-every N] [--manifest file.json] [--force]",
    );
    process.exit(2);
  }
  const num = (k: string) => (out[k] === undefined ? undefined : Number(out[k]));
  let existing: string[] = [];
  try {
    existing = readdirSync(dir);
  } catch {}
  if (existing.length > 0) {
    if (!out.force) {
      console.error(`${dir} is not empty; pass --force to delete it first`);
      process.exit(1);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  const started = performance.now();
  const lib = await generateLibrary(dir, {
    tracks: num("tracks") ?? 1000,
    seed: num("seed"),
    brokenEvery: num("broken-every"),
    coverEvery: num("cover-every"),
    formats: typeof out.formats === "string" ? out.formats.split(",") : undefined,
  });
  const ms = performance.now() - started;
  if (typeof out.manifest === "string") {
    writeFileSync(out.manifest, `${JSON.stringify(lib, null, 1)}\n`);
  }
  const byFormat = new Map<string, number>();
  for (const t of lib.tracks) byFormat.set(t.format, (byFormat.get(t.format) ?? 0) + 1);
  const mix = [...byFormat].sort((a, b) => b[1] - a[1]).map(([f, n]) => `${f} ${n}`);
  const count = (f: (t: GeneratedTrack) => boolean) => lib.tracks.filter(f).length;
  console.log(`library      ${lib.root}`);
  console.log(`tracks       ${lib.tracks.length} in ${lib.albums} albums (${mix.join(", ")})`);
  console.log(
    `features     untagged ${count((t) => !!t.untagged)}, compilation ${count((t) => t.compilation)}, ` +
      `multi-disc ${count((t) => t.discTotal > 1)}, feat/multi-artist ${count((t) => t.artists.length > 1)}, ` +
      `multi-genre ${count((t) => t.genres.length > 1)}, mbid ${count((t) => !!t.mbidTrack)}, ` +
      `replaygain ${count((t) => !!t.replayGain)}, embedded cover ${count((t) => !!t.embeddedCover)}`,
  );
  console.log(`broken       ${lib.broken.length}; other files ${lib.others.length}`);
  console.log(`size         ${(lib.bytes / 1048576).toFixed(1)} MiB`);
  console.log(`time         ${(ms / 1000).toFixed(2)} s`);
}

if (import.meta.main) await main();
