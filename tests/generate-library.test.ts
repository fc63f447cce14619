import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { type IAudioMetadata, parseFile } from "music-metadata";
import {
  FORMATS,
  type GeneratedLibrary,
  type GeneratedTrack,
  generateLibrary,
} from "../scripts/generate-library.ts";
import { type Image, loadTemplates } from "../scripts/genlib/templates.ts";
import {
  formatGain,
  formatPeak,
  type MusicBrainzIds,
  parseTemplate,
  type ReplayGain,
  type TagSet,
  writeFile,
} from "../scripts/genlib/writers.ts";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "bandstand-genlib-test-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// GENLIB_TEST_TRACKS=5000 (and GENLIB_TEST_SEED) turn this into a soak of the tag writers.
const OPTS = {
  tracks: Number(process.env.GENLIB_TEST_TRACKS ?? 150),
  seed: Number(process.env.GENLIB_TEST_SEED ?? 7),
  brokenEvery: 30,
};
let lib: GeneratedLibrary;
const parsed = new Map<string, IAudioMetadata>();

beforeAll(async () => {
  lib = await generateLibrary(tempDir(), OPTS);
  for (const t of lib.tracks) parsed.set(t.relPath, await parseFile(join(lib.root, t.relPath)));
}, 60_000);

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

type Native = { id: string; value: unknown }[];
function nativeValues(m: IAudioMetadata, type: string, id: string): unknown[] {
  const tags = (m.native[type] ?? []) as Native;
  return tags.filter((t) => t.id.toLowerCase() === id.toLowerCase()).map((t) => t.value);
}

/**
 * ffmpeg warnings that files it writes itself also get: mono WMA has no channel mask, and an
 * MP4 cover (covr) shows up as a stream without a timescale.
 */
function quirkless(stderr: string): string {
  return stderr
    .replace(/^Guessed Channel Layout.*\n/gm, "")
    .replace(/^\[mov,mp4[^\]]*\] stream \d+, timescale not set\n/gm, "");
}

/** Decode every stream (audio and covers) of the files in one ffmpeg run; returns its complaints. */
async function ffmpegDecodeErrors(paths: string[]): Promise<string> {
  const args = ["-nostdin", "-v", "warning"];
  for (const p of paths) args.push("-i", p);
  paths.forEach((_, i) => {
    args.push("-map", String(i));
  });
  const proc = Bun.spawn(["ffmpeg", ...args, "-f", "null", "-"], {
    stdout: "ignore",
    stderr: "pipe",
  });
  const err = quirkless(await new Response(proc.stderr).text());
  const code = await proc.exited;
  return code === 0 ? err : `exit ${code}: ${err}`;
}

interface Expected {
  format: string;
  title: string;
  artistTag: string[];
  artistsTag?: string[];
  albumArtist: string;
  album: string;
  track: number;
  trackTotal: number;
  disc: number;
  discTotal: number;
  year: number;
  genres: string[];
  compilation: boolean;
  mb?: MusicBrainzIds;
  rg?: ReplayGain;
  cover?: string;
}

function fromTrack(t: GeneratedTrack): Expected {
  return {
    format: t.format,
    title: t.title,
    artistTag: t.artistTag,
    artistsTag: t.artistsTag,
    albumArtist: t.albumArtist,
    album: t.album,
    track: t.trackNumber,
    trackTotal: t.trackTotal,
    disc: t.discNumber,
    discTotal: t.discTotal,
    year: t.year,
    genres: t.genres,
    compilation: t.compilation,
    mb: t.mbidTrack
      ? {
          recording: t.mbidTrack,
          album: t.mbidAlbum as string,
          releaseTrack: t.mbidReleaseTrack as string,
          releaseGroup: t.mbidReleaseGroup as string,
          artists: t.mbidArtists as string[],
          albumArtist: t.mbidAlbumArtist as string,
        }
      : undefined,
    rg: t.replayGain,
    cover: t.embeddedCover,
  };
}

function fromTags(format: string, t: TagSet): Expected {
  return {
    format,
    title: t.title,
    artistTag: t.artist,
    artistsTag: t.artists,
    albumArtist: t.albumArtist,
    album: t.album,
    track: t.track,
    trackTotal: t.trackTotal,
    disc: t.disc,
    discTotal: t.discTotal,
    year: Number(t.date.slice(0, 4)),
    genres: t.genres,
    compilation: t.compilation,
    mb: t.mb,
    rg: t.rg,
    cover: t.picture?.mime,
  };
}

/** Where each format keeps ReplayGain natively: [tag type, key prefix]. */
const RG_NATIVE: Record<string, [string, string]> = {
  mp3: ["ID3v2.4", "TXXX:REPLAYGAIN_"],
  wav: ["ID3v2.4", "TXXX:REPLAYGAIN_"],
  aiff: ["ID3v2.4", "TXXX:REPLAYGAIN_"],
  flac: ["vorbis", "REPLAYGAIN_"],
  ogg: ["vorbis", "REPLAYGAIN_"],
  m4a: ["iTunes", "----:com.apple.iTunes:replaygain_"],
  "m4a-alac": ["iTunes", "----:com.apple.iTunes:replaygain_"],
  wma: ["asf", "REPLAYGAIN_"],
  wv: ["APEv2", "REPLAYGAIN_"],
};

function checkTags(m: IAudioMetadata, e: Expected, file: string): void {
  const c = m.common;
  const eq = (what: string, got: unknown, want: unknown) =>
    expect({ file, what, v: got }).toEqual({ file, what, v: want });
  eq("title", c.title, e.title);
  eq("artists", c.artists, e.artistsTag ?? e.artistTag);
  eq("artist", c.artist, e.artistTag[0]);
  eq("albumartist", c.albumartist, e.albumArtist);
  eq("album", c.album, e.album);
  eq("track", c.track.no, e.track);
  // WM/TrackNumber has no total.
  eq("track.of", c.track.of, e.format === "wma" ? null : e.trackTotal);
  eq("disk", c.disk.no, e.disc);
  eq("disk.of", c.disk.of, e.discTotal);
  eq("year", c.year, e.year);
  eq("genres", c.genre, e.genres);
  eq("compilation", !!c.compilation, e.compilation);
  eq("mb recording", c.musicbrainz_recordingid, e.mb?.recording);
  eq("mb album", c.musicbrainz_albumid, e.mb?.album);
  eq("mb release track", c.musicbrainz_trackid, e.mb?.releaseTrack);
  eq("mb release group", c.musicbrainz_releasegroupid, e.mb?.releaseGroup);
  eq("mb artists", c.musicbrainz_artistid, e.mb?.artists);
  eq("mb album artist", c.musicbrainz_albumartistid, e.mb && [e.mb.albumArtist]);
  if (e.format === "opus") {
    const r128 = e.rg && [
      String(Math.round((e.rg.trackGain - 5) * 256)),
      String(Math.round((e.rg.albumGain - 5) * 256)),
    ];
    const got = ["R128_TRACK_GAIN", "R128_ALBUM_GAIN"].map((k) => nativeValues(m, "vorbis", k)[0]);
    eq("r128", e.rg ? got : got.filter(Boolean), r128 ?? []);
  } else {
    const [type, prefix] = RG_NATIVE[e.format] as [string, string];
    const got = ["TRACK_GAIN", "TRACK_PEAK", "ALBUM_GAIN", "ALBUM_PEAK"].map(
      (k) => nativeValues(m, type, prefix + k)[0],
    );
    const rg = e.rg;
    eq(
      "replaygain",
      rg ? got : got.filter(Boolean),
      rg
        ? [
            formatGain(rg.trackGain),
            formatPeak(rg.trackPeak),
            formatGain(rg.albumGain),
            formatPeak(rg.albumPeak),
          ]
        : [],
    );
    if (rg && e.format !== "wma") eq("replaygain dB", c.replaygain_track_gain?.dB, rg.trackGain);
  }
  if (e.cover && e.format === "wma") {
    // music-metadata mis-slices WM/Picture; ffmpeg reads it (see the decode test).
    eq("WM/Picture", nativeValues(m, "asf", "WM/Picture").length, 1);
  } else if (e.cover) {
    eq("pictures", c.picture?.length, 1);
    eq("picture type", c.picture?.[0]?.format, e.cover);
    expect(c.picture?.[0]?.data.length).toBeGreaterThan(100);
  } else {
    eq("pictures", c.picture, undefined);
  }
}

describe("generate-library", () => {
  test("counts match the options; every file on disk is accounted for", () => {
    expect(lib.tracks.length).toBe(OPTS.tracks);
    expect(lib.broken.length).toBe(Math.floor(OPTS.tracks / OPTS.brokenEvery));
    expect(new Set(lib.broken.map((b) => b.kind))).toEqual(
      new Set(["corrupt", "empty", "not_audio"]),
    );
    // Every format this ffmpeg encodes appears at least once, tagged.
    const formats = new Set(lib.tracks.filter((t) => !t.untagged).map((t) => t.format));
    expect([...formats].sort()).toEqual([...lib.formats].sort());
    expect(lib.formats.length).toBe(FORMATS.length);
    expect(lib.tracks.some((t) => t.untagged)).toBe(true);
    expect(lib.tracks.some((t) => t.compilation)).toBe(true);
    expect(lib.tracks.some((t) => t.discTotal > 1)).toBe(true);
    expect(lib.tracks.some((t) => t.artists.length > 1)).toBe(true);
    expect(lib.tracks.some((t) => t.genres.length > 1)).toBe(true);
    expect(lib.tracks.some((t) => t.mbidTrack)).toBe(true);
    expect(lib.tracks.some((t) => t.replayGain)).toBe(true);
    expect(lib.tracks.some((t) => t.embeddedCover)).toBe(true);
    expect(lib.others.some((o) => /\/(cover|folder)\.(jpg|png)$/i.test(o))).toBe(true);
    expect(lib.others.some((o) => o.endsWith(".txt") || o.endsWith(".nfo"))).toBe(true);

    const listed = [
      ...lib.tracks.map((t) => t.relPath),
      ...lib.broken.map((b) => b.relPath),
      ...lib.others,
    ].sort();
    expect(new Set(listed).size).toBe(listed.length);
    expect(
      walk(lib.root)
        .map((p) => relative(lib.root, p))
        .sort(),
    ).toEqual(listed);
    let bytes = 0;
    for (const t of lib.tracks) {
      const size = statSync(join(lib.root, t.relPath)).size;
      expect(size).toBe(t.bytes);
      bytes += size;
    }
    expect(lib.bytes).toBeGreaterThanOrEqual(bytes);
    // Paths follow <Album Artist>/<Year> - <Album>/<disc>-<nn> <Title>.<ext>
    for (const t of lib.tracks) {
      expect(t.relPath).toMatch(/^[^/]+\/\d{4} - [^/]+\/\d-\d\d [^/]+\.[a-z0-9]+$/);
      if (t.compilation) expect(t.relPath.startsWith("Various Artists/")).toBe(true);
    }
  });

  test("tags of every tagged file read back as recorded, for every format", () => {
    const checked = new Set<string>();
    for (const t of lib.tracks.filter((x) => !x.untagged)) {
      checkTags(parsed.get(t.relPath) as IAudioMetadata, fromTrack(t), t.relPath);
      const m = parsed.get(t.relPath) as IAudioMetadata;
      expect({ file: t.relPath, v: m.format.sampleRate }).toEqual({
        file: t.relPath,
        v: t.sampleRate,
      });
      expect(Math.abs((m.format.duration ?? 0) - t.durationMs / 1000)).toBeLessThan(0.1);
      if (m.format.lossless !== undefined) expect(m.format.lossless).toBe(t.lossless);
      checked.add(t.format);
    }
    expect([...checked].sort()).toEqual([...lib.formats].sort());
  });

  test("each format's writer carries every field (multi-valued, MBIDs, ReplayGain, cover)", async () => {
    const set = await loadTemplates();
    const dir = tempDir();
    const jpeg = set.images.find((i) => i.mime === "image/jpeg") as Image;
    const paths: string[] = [];
    for (const spec of set.formats) {
      const tags: TagSet = {
        title: "Ça plane? \u{1F3B8}",
        artist: spec.container === "asf" ? ["Zoë feat. 東京 Drift"] : ["Zoë", "東京 Drift"],
        artists: spec.container === "asf" ? ["Zoë", "東京 Drift"] : undefined,
        albumArtist: "Zoë",
        album: "Up/Down: Live",
        track: 7,
        trackTotal: 12,
        disc: 2,
        discTotal: 3,
        date: "1999-04-01",
        genres: ["Rock", "Drum & Bass"],
        compilation: true,
        mb: {
          recording: "11111111-1111-4111-8111-111111111111",
          releaseTrack: "22222222-2222-4222-8222-222222222222",
          album: "33333333-3333-4333-8333-333333333333",
          releaseGroup: "44444444-4444-4444-8444-444444444444",
          artists: ["55555555-5555-4555-8555-555555555555", "66666666-6666-4666-8666-666666666666"],
          albumArtist: "55555555-5555-4555-8555-555555555555",
        },
        rg: { trackGain: -7.25, trackPeak: 0.912345, albumGain: 1.5, albumPeak: 0.999 },
        picture: jpeg,
      };
      const tpl = parseTemplate(
        spec.container,
        (set.templates.get(spec.id) as Uint8Array[])[0] as Uint8Array,
      );
      const path = join(dir, `all-${spec.id}.${spec.ext}`);
      await Bun.write(path, writeFile(tpl, tags));
      const m = await parseFile(path);
      checkTags(m, fromTags(spec.id, tags), path);
      expect(m.format.duration).toBeGreaterThan(0.9);
      paths.push(path);
    }
    expect(await ffmpegDecodeErrors(paths)).toBe("");
  });

  test("untagged files carry no tags; the manifest title is the file name stem", () => {
    const untagged = lib.tracks.filter((t) => t.untagged);
    expect(untagged.length).toBeGreaterThan(0);
    for (const t of untagged) {
      const m = parsed.get(t.relPath) as IAudioMetadata;
      expect(m.common.title).toBeUndefined();
      expect(m.common.artist).toBeUndefined();
      expect(m.common.album).toBeUndefined();
      expect(m.format.duration).toBeGreaterThan(0.5);
      const stem = t.relPath.slice(t.relPath.lastIndexOf("/") + 1, t.relPath.lastIndexOf("."));
      expect(t.title).toBe(stem);
    }
  });

  test("broken files are empty or do not parse as audio", async () => {
    for (const b of lib.broken) {
      const path = join(lib.root, b.relPath);
      if (b.kind === "empty") {
        expect(statSync(path).size).toBe(0);
        continue;
      }
      expect(statSync(path).size).toBeGreaterThan(0);
      let m: IAudioMetadata | undefined;
      try {
        m = await parseFile(path);
      } catch {
        continue; // refused: fine
      }
      expect({ path, duration: m.format.duration, rate: m.format.sampleRate }).toEqual({
        path,
        duration: undefined,
        rate: undefined,
      });
    }
    const notAudio = lib.broken.find((b) => b.kind === "not_audio");
    expect(notAudio?.relPath.endsWith(".mp3")).toBe(true);
  });

  test("every format decodes cleanly with ffmpeg (Ogg CRCs, MP4 offsets, ASF sizes)", async () => {
    const one = new Map<string, GeneratedTrack>();
    for (const t of lib.tracks) {
      const prev = one.get(t.format);
      // Prefer a file with the most tags: embedded cover, MBIDs, ReplayGain.
      const score = (x: GeneratedTrack) =>
        (x.untagged ? -9 : 0) +
        (x.embeddedCover ? 1 : 0) +
        (x.mbidTrack ? 1 : 0) +
        (x.replayGain ? 1 : 0);
      if (!prev || score(t) > score(prev)) one.set(t.format, t);
    }
    const files = [...one.values()].map((t) => t.relPath);
    expect({ files, err: await ffmpegDecodeErrors(files.map((f) => join(lib.root, f))) }).toEqual({
      files,
      err: "",
    });
  });

  test("deterministic for a seed", async () => {
    const again = await generateLibrary(tempDir(), OPTS);
    expect({ ...again, root: "" }).toEqual({ ...lib, root: "" });
    for (const rel of [...lib.tracks.map((t) => t.relPath), ...lib.broken.map((b) => b.relPath)]) {
      const a = readFileSync(join(lib.root, rel));
      const b = readFileSync(join(again.root, rel));
      expect(a.equals(b)).toBe(true);
    }
    const other = await generateLibrary(tempDir(), {
      ...OPTS,
      seed: 8,
      tracks: 20,
      brokenEvery: 0,
    });
    expect(other.tracks.length).toBe(20);
    expect(other.broken.length).toBe(0);
    expect(other.tracks[0]?.relPath).not.toBe(lib.tracks[0]?.relPath);
  });

  test("a comment header spanning several Ogg pages (large cover) stays valid", async () => {
    const set = await loadTemplates();
    const png = set.images.find((i) => i.mime === "image/png");
    if (!png) throw new Error("no png");
    // A valid PNG grown past one Ogg page (64 KiB) by a large ancillary tEXt chunk after IHDR.
    const text = new TextEncoder().encode(`Comment\0${"x".repeat(150_000)}`);
    const chunk = new Uint8Array(12 + text.length);
    const cv = new DataView(chunk.buffer);
    cv.setUint32(0, text.length);
    chunk.set(new TextEncoder().encode("tEXt"), 4);
    chunk.set(text, 8);
    cv.setUint32(8 + text.length, Bun.hash.crc32(chunk.subarray(4, 8 + text.length)));
    const ihdrEnd = 8 + 25;
    const big = new Uint8Array([
      ...png.data.subarray(0, ihdrEnd),
      ...chunk,
      ...png.data.subarray(ihdrEnd),
    ]);
    const dir = tempDir();
    for (const id of ["ogg", "opus"] as const) {
      const spec = set.formats.find((f) => f.id === id);
      if (!spec) continue;
      const tpl = parseTemplate(
        spec.container,
        (set.templates.get(id) as Uint8Array[])[1] as Uint8Array,
      );
      const bytes = writeFile(tpl, {
        title: "Big",
        artist: ["A", "B"],
        albumArtist: "A",
        album: "Pages",
        track: 1,
        trackTotal: 1,
        disc: 1,
        discTotal: 1,
        date: "2001",
        genres: ["Rock"],
        compilation: false,
        picture: { ...png, data: big },
      });
      const path = join(dir, `big.${spec.ext}`);
      await Bun.write(path, bytes);
      const m = await parseFile(path);
      expect(m.common.title).toBe("Big");
      expect(m.common.artists).toEqual(["A", "B"]);
      expect(m.common.picture?.[0]?.data.length).toBe(big.length);
      expect(m.format.duration).toBeGreaterThan(1);
      expect(await ffmpegDecodeErrors([path])).toBe("");
    }
  });
});
