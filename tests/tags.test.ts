import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_ARTIST_SEPARATORS, splitArtists } from "../library/artists.ts";
import { formatForExtension } from "../library/formats.ts";
import { parseLrc } from "../library/lyrics.ts";
import { normalizeDate, readTags, sniffAudio, TagError, type TrackTags } from "../library/tags.ts";
import { be32, cat, latin1, le32, syncsafe, u8, utf16 } from "./helpers/bytes.ts";

// --- fixtures ------------------------------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), "bandstand-tags-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

const HOSTILE = "Song <script>alert(1)</script>";
const MB = {
  recording: "11111111-1111-4111-8111-111111111111",
  track: "22222222-2222-4222-8222-222222222222",
  album: "33333333-3333-4333-8333-333333333333",
  releaseGroup: "44444444-4444-4444-8444-444444444444",
  artist1: "55555555-5555-4555-8555-555555555555",
  artist2: "66666666-6666-4666-8666-666666666666",
  albumArtist: "77777777-7777-4777-8777-777777777777",
};
/** Tags written by ffmpeg; each container keeps what its muxer supports. */
const TAGS: Record<string, string> = {
  title: HOSTILE,
  artist: "Alice feat. Bob & Carol",
  album: "The Album",
  album_artist: "Simon & Garfunkel",
  track: "3/12",
  disc: "1/2",
  date: "2019-05-03",
  genre: "Rock;Pop",
  compilation: "1",
  MUSICBRAINZ_TRACKID: MB.recording,
  MUSICBRAINZ_RELEASETRACKID: MB.track,
  MUSICBRAINZ_ALBUMID: MB.album,
  MUSICBRAINZ_RELEASEGROUPID: MB.releaseGroup,
  MUSICBRAINZ_ARTISTID: `${MB.artist1}; ${MB.artist2}`,
  MUSICBRAINZ_ALBUMARTISTID: MB.albumArtist,
  REPLAYGAIN_TRACK_GAIN: "-6.20 dB",
  REPLAYGAIN_TRACK_PEAK: "0.988000",
  REPLAYGAIN_ALBUM_GAIN: "-7.10 dB",
  REPLAYGAIN_ALBUM_PEAK: "0.999000",
};

async function ffmpeg(args: string[]): Promise<void> {
  const proc = Bun.spawn(["ffmpeg", "-v", "error", "-y", ...args], {
    stdout: "ignore",
    stderr: "pipe",
  });
  if ((await proc.exited) !== 0)
    throw new Error(`ffmpeg ${args.join(" ")}: ${await new Response(proc.stderr).text()}`);
}

const TONE = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"];
const meta = (tags: Record<string, string>) =>
  Object.entries(tags).flatMap(([k, v]) => ["-metadata", `${k}=${v}`]);
const withCover = (out: string, codec: string[], extra: string[] = []) => [
  ...TONE,
  "-i",
  at("cover.png"),
  "-map",
  "0",
  "-map",
  "1",
  "-c:v",
  "copy",
  "-disposition:v",
  "attached_pic",
  ...meta(TAGS),
  "-ac",
  "2",
  ...codec,
  ...extra,
  at(out),
];
const plain = (out: string, codec: string[], extra: string[] = []) => [
  ...TONE,
  ...meta(TAGS),
  "-ac",
  "2",
  ...codec,
  ...extra,
  at(out),
];

// --- tiny tag writers for what ffmpeg cannot write ------------------------------------------------

const enc = new TextEncoder();
/** UTF-16LE with its byte-order mark (ID3v2.3 text). */
const utf16Bom = (s: string) => cat(u8(0xff, 0xfe), utf16(s));

type Id3Version = 3 | 4;
function id3Frame(v: Id3Version, id: string, body: Uint8Array): Uint8Array {
  return cat(latin1(id), v === 4 ? syncsafe(body.length) : be32(body.length), u8(0, 0), body);
}
/** v2.4: UTF-8; v2.3: UTF-16 with BOM. */
function id3Text(v: Id3Version, id: string, text: string): Uint8Array {
  return id3Frame(v, id, v === 4 ? cat(u8(3), enc.encode(text)) : cat(u8(1), utf16Bom(text)));
}
function id3Txxx(v: Id3Version, description: string, value: string): Uint8Array {
  return id3Frame(
    v,
    "TXXX",
    v === 4
      ? cat(u8(3), enc.encode(description), u8(0), enc.encode(value))
      : cat(u8(0), latin1(description), u8(0), latin1(value)),
  );
}
function id3Uslt(text: string): Uint8Array {
  return id3Frame(4, "USLT", cat(u8(3), latin1("eng"), u8(0), enc.encode(text)));
}
/** SYLT, ID3v2.3, Latin-1, timestamps in milliseconds. */
function id3Sylt(lines: [number, string][]): Uint8Array {
  const body = [u8(0), latin1("eng"), u8(2, 1), u8(0)];
  for (const [ms, text] of lines) body.push(latin1(text), u8(0), be32(ms));
  return id3Frame(3, "SYLT", cat(...body));
}
function id3Tag(v: Id3Version, frames: Uint8Array[]): Uint8Array {
  const body = cat(...frames);
  return cat(latin1("ID3"), u8(v, 0, 0), syncsafe(body.length), body);
}

/** Appends iTunes freeform atoms (----:com.apple.iTunes:NAME) to moov/udta/meta/ilst. */
function addMp4Freeform(file: Uint8Array, items: Record<string, string>): Uint8Array {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const type = (o: number) => String.fromCharCode(...file.subarray(o + 4, o + 8));
  const child = (start: number, end: number, name: string) => {
    for (let o = start; o + 8 <= end; o += view.getUint32(o)) if (type(o) === name) return o;
    throw new Error(`no ${name} box`);
  };
  const moov = child(0, file.length, "moov");
  if (moov < child(0, file.length, "mdat"))
    throw new Error("moov before mdat: offsets would shift");
  const udta = child(moov + 8, moov + view.getUint32(moov), "udta");
  const metaBox = child(udta + 8, udta + view.getUint32(udta), "meta");
  const ilst = child(metaBox + 12, metaBox + view.getUint32(metaBox), "ilst");
  const box = (name: string, ...payload: Uint8Array[]) => {
    const body = cat(...payload);
    return cat(be32(body.length + 8), latin1(name), body);
  };
  const atoms = cat(
    ...Object.entries(items).map(([name, value]) =>
      box(
        "----",
        box("mean", u8(0, 0, 0, 0), latin1("com.apple.iTunes")),
        box("name", u8(0, 0, 0, 0), latin1(name)),
        box("data", be32(1), u8(0, 0, 0, 0), enc.encode(value)),
      ),
    ),
  );
  const end = ilst + view.getUint32(ilst);
  const out = cat(file.subarray(0, end), atoms, file.subarray(end));
  const ov = new DataView(out.buffer);
  for (const o of [moov, udta, metaBox, ilst]) ov.setUint32(o, ov.getUint32(o) + atoms.length);
  return out;
}

/** Appends an "id3 " chunk to a RIFF/WAVE file. */
function addWavId3(file: Uint8Array, tag: Uint8Array): Uint8Array {
  const padded = tag.length % 2 ? cat(tag, u8(0)) : tag;
  const out = cat(file, latin1("id3 "), le32(tag.length), padded);
  new DataView(out.buffer).setUint32(4, out.length - 8, true);
  return out;
}

/**
 * A Monkey's Audio file with a real descriptor and header (1 s, 44.1 kHz, stereo, 16 bit) and a
 * real APEv2 tag (taken from an ffmpeg WavPack file); the frame data is zeros. ffmpeg cannot
 * encode APE, and the tag reader never decodes audio, so this exercises the same code paths.
 */
function makeApe(apev2Source: Uint8Array): Uint8Array {
  const src = new DataView(apev2Source.buffer, apev2Source.byteOffset, apev2Source.byteLength);
  const footer = apev2Source.length - 32;
  if (String.fromCharCode(...apev2Source.subarray(footer, footer + 8)) !== "APETAGEX") {
    throw new Error("no APEv2 footer");
  }
  const size = src.getUint32(footer + 12, true); // items + footer
  const hasHeader = (src.getUint32(footer + 20, true) & 0x80000000) !== 0;
  const tag = apev2Source.subarray(apev2Source.length - size - (hasHeader ? 32 : 0));
  const le16 = (n: number) => u8(n & 255, n >> 8);
  const frameBytes = 1000;
  const descriptor = cat(latin1("MAC "), le32(3990), le32(52), le32(24), le32(0), le32(0));
  const sizes = cat(le32(frameBytes), le32(0), le32(0), new Uint8Array(16));
  const header = cat(
    le16(2000),
    le16(0),
    le32(73728),
    le32(44100),
    le32(1),
    le16(16),
    le16(2),
    le32(44100),
  );
  return cat(descriptor, sizes, header, new Uint8Array(frameBytes), tag);
}

// --- generate ------------------------------------------------------------------------------------

interface Case {
  file: string;
  suffix: string;
  contentType: string;
  codec: string;
  sampleRate: number;
  /** the container keeps album artist, disc, MBIDs, ReplayGain, compilation */
  full: boolean;
  lossless: boolean;
}
const CASES: Case[] = [
  {
    file: "t.mp3",
    suffix: "mp3",
    contentType: "audio/mpeg",
    codec: "MPEG 1 Layer 3",
    sampleRate: 44100,
    full: true,
    lossless: false,
  },
  {
    file: "t.flac",
    suffix: "flac",
    contentType: "audio/flac",
    codec: "FLAC",
    sampleRate: 44100,
    full: true,
    lossless: true,
  },
  {
    file: "t.ogg",
    suffix: "ogg",
    contentType: "audio/ogg",
    codec: "Vorbis",
    sampleRate: 44100,
    full: true,
    lossless: false,
  },
  {
    file: "t.opus",
    suffix: "opus",
    contentType: "audio/ogg",
    codec: "Opus",
    sampleRate: 48000,
    full: true,
    lossless: false,
  },
  {
    file: "t.m4a",
    suffix: "m4a",
    contentType: "audio/mp4",
    codec: "AAC",
    sampleRate: 44100,
    full: true,
    lossless: false,
  },
  {
    file: "alac.m4a",
    suffix: "m4a",
    contentType: "audio/mp4",
    codec: "ALAC",
    sampleRate: 44100,
    full: true,
    lossless: true,
  },
  {
    file: "t.wav",
    suffix: "wav",
    contentType: "audio/wav",
    codec: "PCM",
    sampleRate: 44100,
    full: false,
    lossless: true,
  },
  {
    file: "t.aiff",
    suffix: "aiff",
    contentType: "audio/aiff",
    codec: "PCM",
    sampleRate: 44100,
    full: true,
    lossless: true,
  },
  {
    file: "t.wma",
    suffix: "wma",
    contentType: "audio/x-ms-wma",
    codec: "WMA",
    sampleRate: 44100,
    full: true,
    lossless: false,
  },
  {
    file: "t.wv",
    suffix: "wv",
    contentType: "audio/x-wavpack",
    codec: "WavPack",
    sampleRate: 44100,
    full: true,
    lossless: true,
  },
  {
    // synthetic: ffmpeg has no Monkey's Audio encoder (see makeApe)
    file: "t.ape",
    suffix: "ape",
    contentType: "audio/x-ape",
    codec: "Monkey's Audio",
    sampleRate: 44100,
    full: true,
    lossless: true,
  },
];

let coverBytes: Uint8Array;

beforeAll(async () => {
  await ffmpeg(["-f", "lavfi", "-i", "color=c=red:s=8x8:d=1", "-frames:v", "1", at("cover.png")]);
  coverBytes = readFileSync(at("cover.png"));
  const m4aFreeform = {
    "MusicBrainz Track Id": MB.recording,
    "MusicBrainz Release Track Id": MB.track,
    "MusicBrainz Album Id": MB.album,
    "MusicBrainz Release Group Id": MB.releaseGroup,
    "MusicBrainz Artist Id": `${MB.artist1}; ${MB.artist2}`,
    "MusicBrainz Album Artist Id": MB.albumArtist,
    replaygain_track_gain: TAGS.REPLAYGAIN_TRACK_GAIN ?? "",
    replaygain_track_peak: TAGS.REPLAYGAIN_TRACK_PEAK ?? "",
    replaygain_album_gain: TAGS.REPLAYGAIN_ALBUM_GAIN ?? "",
    replaygain_album_peak: TAGS.REPLAYGAIN_ALBUM_PEAK ?? "",
  };
  await Promise.all([
    ffmpeg(withCover("t.mp3", ["-c:a", "libmp3lame", "-b:a", "64k"])),
    ffmpeg(withCover("t.flac", ["-c:a", "flac"])),
    ffmpeg(plain("t.ogg", ["-c:a", "libvorbis"])),
    ffmpeg(plain("t.opus", ["-c:a", "libopus"])),
    ffmpeg(withCover("t-raw.m4a", ["-c:a", "aac"])),
    ffmpeg(plain("alac-raw.m4a", ["-c:a", "alac"])),
    ffmpeg(plain("t.wav", ["-c:a", "pcm_s16le"])),
    ffmpeg(plain("t.aiff", ["-c:a", "pcm_s16be"], ["-write_id3v2", "1"])),
    ffmpeg(plain("t.wma", ["-c:a", "wmav2"])),
    ffmpeg(plain("t.wv", ["-c:a", "wavpack"])),
    ffmpeg([...TONE, "-c:a", "libmp3lame", "-id3v2_version", "0", at("bare.mp3")]),
    ffmpeg([...TONE, "-c:a", "flac", at("bare.flac")]),
  ]);
  writeFileSync(at("t.ape"), makeApe(readFileSync(at("t.wv"))));
  for (const name of ["t", "alac"]) {
    writeFileSync(
      at(`${name}.m4a`),
      addMp4Freeform(readFileSync(at(`${name}-raw.m4a`)), m4aFreeform),
    );
  }

  // ID3v2.3, hand-built: "AC/DC", TYER+TDAT, TORY, SYLT, ID3v1 genre reference, Various Artists.
  const v3 = id3Tag(3, [
    id3Text(3, "TIT2", "Highway Björk"),
    id3Text(3, "TPE1", "AC/DC"),
    id3Text(3, "TPE2", "Various Artists"),
    id3Text(3, "TALB", "Live"),
    id3Text(3, "TRCK", "5/10"),
    id3Text(3, "TPOS", "2"),
    id3Text(3, "TYER", "1980"),
    id3Text(3, "TDAT", "2507"),
    id3Text(3, "TORY", "1979"),
    id3Text(3, "TCON", "(17)"),
    id3Sylt([
      [2000, "second"],
      [500, "first"],
      [3500, "third"],
    ]),
  ]);
  writeFileSync(at("v23.mp3"), cat(v3, readFileSync(at("bare.mp3"))));

  // ID3v2.4, hand-built: NUL-separated multi-values, TDRC year-month, TDOR, TCMP, LRC in USLT,
  // TMCL performers, composer list, release types, sort names, BPM, ISRC, disc subtitle.
  const v4 = id3Tag(4, [
    id3Text(4, "TIT2", "Multi"),
    id3Text(4, "TPE1", "Alice\u0000Bob"),
    id3Text(4, "TCON", "Rock\u0000Pop\u0000rock"),
    id3Text(4, "TDRC", "2019-05"),
    id3Text(4, "TDOR", "2001-02-03"),
    id3Text(4, "TCMP", "1"),
    id3Text(4, "TSOP", "Alice, The"),
    id3Text(4, "TCOM", "Bach / Handel"),
    id3Text(4, "TPE3", "Karajan"),
    id3Text(4, "TEXT", "Poet"),
    id3Text(4, "TMCL", "guitar\u0000Jimmy\u0000drums\u0000John"),
    id3Text(4, "TBPM", "128"),
    id3Text(4, "TSRC", "usabc1234567"),
    id3Text(4, "TSST", "Bonus Disc"),
    id3Txxx(4, "MusicBrainz Album Type", "album\u0000compilation"),
    id3Uslt(
      "[ar:Alice]\n[offset:+250]\n[00:01.00][00:03.50]Chorus <00:01.20>line\n[00:02.00]Verse\nno timestamp",
    ),
  ]);
  writeFileSync(at("v24.mp3"), cat(v4, readFileSync(at("bare.mp3"))));

  // Absurd lengths: a 20,000-character title, 50,000 characters of plain lyrics.
  const longTag = id3Tag(4, [
    id3Text(4, "TIT2", "t".repeat(20_000)),
    id3Uslt("la la\n".repeat(8_334)),
  ]);
  writeFileSync(at("long.mp3"), cat(longTag, readFileSync(at("bare.mp3"))));

  // WAV: RIFF INFO (from ffmpeg) plus an "id3 " chunk carrying what INFO cannot.
  const wavId3 = id3Tag(4, [
    id3Text(4, "TPE2", "Wav Album Artist"),
    id3Txxx(4, "MusicBrainz Album Id", MB.album),
  ]);
  writeFileSync(at("id3chunk.wav"), addWavId3(readFileSync(at("t.wav")), wavId3));

  // FLAC with an ID3v2 prefix (some taggers do this)
  writeFileSync(
    at("id3prefixed.flac"),
    cat(id3Tag(4, [id3Text(4, "TIT2", "x")]), readFileSync(at("bare.flac"))),
  );

  // Sidecar lyrics
  mkdirSync(at("lrc"));
  copyFileSync(at("t.flac"), at("lrc/song.flac"));
  writeFileSync(
    at("lrc/song.lrc"),
    "\uFEFF[ti:Song]\n[ar:Alice]\n[offset:+100]\n[00:10.00]Ten\n[00:05.50][00:20.00]Five and twenty\n[01:02.345]Sixty-two\n",
  );

  // Broken and non-audio inputs
  writeFileSync(at("empty.mp3"), new Uint8Array(0));
  writeFileSync(at("text.mp3"), "This is not an MP3 file.\nJust some text.\n");
  copyFileSync(at("cover.png"), at("picture.mp3"));
  const random = new Uint8Array(20_000);
  for (let i = 0; i < random.length; i++) random[i] = (i * 7919 + ((i * i) % 251)) & 255;
  writeFileSync(at("garbage.mp3"), random);
  writeFileSync(at("garbage.flac"), random);
  writeFileSync(at("truncated.flac"), readFileSync(at("t.flac")).subarray(0, 60));
  writeFileSync(at("truncated.ogg"), readFileSync(at("t.ogg")).subarray(0, 40));
  writeFileSync(at("id3only.mp3"), v4);
  copyFileSync(at("t.flac"), at("flac-named.mp3"));
}, 60_000); // ffmpeg runs a dozen encoders; give a loaded machine room

// --- tests ---------------------------------------------------------------------------------------

const near = (actual: number, expected: number, tolerance: number) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tolerance);

async function reason(path: string): Promise<string> {
  try {
    await readTags(path);
  } catch (error) {
    expect(error).toBeInstanceOf(TagError);
    return (error as TagError).reason;
  }
  throw new Error(`expected ${path} to fail`);
}

describe("readTags: every format", () => {
  for (const c of CASES) {
    test(c.file, async () => {
      const t: TrackTags = await readTags(at(c.file));
      expect(t.title).toBe(HOSTILE); // returned verbatim: escaping is the web layer's job
      expect(t.artists).toEqual(["Alice", "Bob", "Carol"]);
      expect(t.album).toBe("The Album");
      expect(t.trackNumber).toBe(3);
      expect(t.trackTotal).toBe(12);
      expect(t.year).toBe(2019);
      expect(t.date).toBe("2019-05-03");
      expect(t.genres).toEqual(["Rock", "Pop"]);
      near(t.durationMs, 1000, 60);
      expect(t.sampleRate).toBe(c.sampleRate);
      expect(t.channels).toBe(2);
      expect(t.codec).toBe(c.codec);
      expect(t.suffix).toBe(c.suffix);
      expect(t.contentType).toBe(c.contentType);
      expect(t.bitRate).toBeGreaterThan(0);
      expect(t.bitDepth).toBe(c.lossless ? 16 : undefined);
      expect(t.picture).toBeUndefined();
      if (c.full) {
        expect(t.albumArtists).toEqual(["Simon & Garfunkel"]); // "&" alone does not split
        expect(t.discNumber).toBe(1);
        expect(t.discTotal).toBe(2);
        expect(t.compilation).toBe(true);
        expect(t.mbid).toEqual({
          recording: MB.recording,
          track: MB.track,
          album: MB.album,
          releaseGroup: MB.releaseGroup,
          artists: [MB.artist1, MB.artist2],
          albumArtists: [MB.albumArtist],
        });
        expect(t.replayGain).toEqual({
          trackGain: -6.2,
          trackPeak: 0.988,
          albumGain: -7.1,
          albumPeak: 0.999,
        });
      } else {
        // RIFF INFO has no album artist, disc, MBID or ReplayGain fields
        expect(t.albumArtists).toEqual([]);
        expect(t.compilation).toBe(false);
      }
    });
  }

  test("embedded cover (mp3, flac, m4a) only with includePicture", async () => {
    for (const file of ["t.mp3", "t.flac", "t.m4a"]) {
      const t = await readTags(at(file), { includePicture: true });
      expect(t.picture?.mime).toBe("image/png");
      expect(Buffer.from(t.picture?.data ?? []).equals(Buffer.from(coverBytes))).toBe(true);
    }
    expect((await readTags(at("t.ogg"), { includePicture: true })).picture).toBeUndefined();
  });

  test("configurable separators", async () => {
    const t = await readTags(at("t.flac"), { separators: [";"] });
    expect(t.artists).toEqual(["Alice feat. Bob & Carol"]);
  });
});

describe("readTags: ID3 specifics", () => {
  test("ID3v2.3: AC/DC kept, TYER+TDAT, TORY, SYLT, genre reference, Various Artists", async () => {
    const t = await readTags(at("v23.mp3"));
    expect(t.title).toBe("Highway Björk");
    expect(t.artists).toEqual(["AC/DC"]);
    expect(t.albumArtists).toEqual(["Various Artists"]);
    expect(t.compilation).toBe(true);
    expect([t.trackNumber, t.trackTotal, t.discNumber, t.discTotal]).toEqual([5, 10, 2, undefined]);
    expect(t.date).toBe("1980-07-25");
    expect(t.year).toBe(1980);
    expect(t.originalYear).toBe(1979);
    expect(t.originalDate).toBe("1979");
    expect(t.genres).toEqual(["Rock"]);
    expect(t.syncedLyrics).toEqual([
      { timeMs: 500, text: "first" },
      { timeMs: 2000, text: "second" },
      { timeMs: 3500, text: "third" },
    ]);
    expect(t.lyrics).toBe("first\nsecond\nthird");
    near(t.durationMs, 1000, 60);
  });

  test("ID3v2.4: multi-values, dates, TCMP, LRC in USLT, people, misc", async () => {
    const t = await readTags(at("v24.mp3"));
    expect(t.artists).toEqual(["Alice", "Bob"]);
    expect(t.genres).toEqual(["Rock", "Pop"]); // de-duplicated case-insensitively
    expect(t.date).toBe("2019-05");
    expect(t.year).toBe(2019);
    expect(t.originalDate).toBe("2001-02-03");
    expect(t.originalYear).toBe(2001);
    expect(t.compilation).toBe(true);
    expect(t.sortArtist).toBe("Alice, The");
    expect(t.composers).toEqual(["Bach", "Handel"]);
    expect(t.conductors).toEqual(["Karajan"]);
    expect(t.lyricists).toEqual(["Poet"]);
    expect(t.performers).toEqual(["Jimmy", "John"]);
    expect(t.bpm).toBe(128);
    expect(t.isrc).toBe("USABC1234567");
    expect(t.discSubtitle).toBe("Bonus Disc");
    expect(t.releaseTypes).toEqual(["album", "compilation"]);
    // offset +250 → every line 250 ms earlier; two stamps on one line → two entries
    expect(t.syncedLyrics).toEqual([
      { timeMs: 750, text: "Chorus line" },
      { timeMs: 1750, text: "Verse" },
      { timeMs: 3250, text: "Chorus line" },
    ]);
    expect(t.lyrics).toBe("Chorus line\nVerse\nChorus line");
  });

  test("absurd lengths are capped: fields at 10,000 characters, lyrics at 100,000", async () => {
    const t = await readTags(at("long.mp3"));
    expect(t.title?.length).toBe(10_000);
    expect(t.lyrics?.length).toBe("la la\n".repeat(8_334).trim().length);
  });

  test("WAV: RIFF INFO and an id3 chunk together", async () => {
    const t = await readTags(at("id3chunk.wav"));
    expect(t.title).toBe(HOSTILE);
    expect(t.albumArtists).toEqual(["Wav Album Artist"]);
    expect(t.mbid.album).toBe(MB.album);
    expect(t.codec).toBe("PCM");
  });

  test("FLAC with an ID3v2 prefix; FLAC content named .mp3", async () => {
    const a = await readTags(at("id3prefixed.flac"));
    expect(a.codec).toBe("FLAC");
    near(a.durationMs, 1000, 10);
    const b = await readTags(at("flac-named.mp3"));
    expect([b.codec, b.suffix, b.contentType]).toEqual(["FLAC", "flac", "audio/flac"]);
    expect(b.title).toBe(HOSTILE);
  });
});

describe("readTags: lyrics sidecar", () => {
  test("<basename>.lrc is read, sorted, offset applied", async () => {
    const t = await readTags(at("lrc/song.flac"));
    expect(t.syncedLyrics).toEqual([
      { timeMs: 5400, text: "Five and twenty" },
      { timeMs: 9900, text: "Ten" },
      { timeMs: 19900, text: "Five and twenty" },
      { timeMs: 62245, text: "Sixty-two" },
    ]);
    expect(t.lyrics).toBe("Five and twenty\nTen\nFive and twenty\nSixty-two");
  });

  test("sidecarLyrics: false skips it", async () => {
    const t = await readTags(at("lrc/song.flac"), { sidecarLyrics: false });
    expect(t.syncedLyrics).toBeUndefined();
    expect(t.lyrics).toBeUndefined();
  });
});

describe("readTags: broken and hostile input", () => {
  test("empty file → empty", async () => {
    expect(await reason(at("empty.mp3"))).toBe("empty");
  });
  test("text or PNG renamed .mp3 → not_audio", async () => {
    expect(await reason(at("text.mp3"))).toBe("not_audio");
    expect(await reason(at("picture.mp3"))).toBe("not_audio");
  });
  test("garbage and truncated files → corrupt, with a message", async () => {
    for (const f of [
      "garbage.mp3",
      "garbage.flac",
      "truncated.flac",
      "truncated.ogg",
      "id3only.mp3",
    ]) {
      expect(await reason(at(f))).toBe("corrupt");
    }
    const error = await readTags(at("truncated.flac")).catch((e: unknown) => e);
    expect((error as TagError).message.length).toBeGreaterThan(0);
  });
  test("missing file or a directory → unreadable", async () => {
    expect(await reason(at("nope.mp3"))).toBe("unreadable");
    expect(await reason(at("lrc"))).toBe("unreadable");
  });
  test("mutated files (truncations, byte flips, 0xFF runs): a result or a TagError, nothing else", async () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (const c of CASES) {
      const original = readFileSync(at(c.file));
      const ext = c.file.slice(c.file.lastIndexOf("."));
      for (let i = 0; i < 24; i++) {
        let b = Buffer.from(original);
        if (i % 3 === 0) b = b.subarray(0, Math.floor(rand() * b.length));
        else {
          const limit = Math.min(b.length, 4096);
          for (let j = 0; j < 8; j++)
            b[Math.floor(rand() * limit)] = i % 3 === 1 ? Math.floor(rand() * 256) : 0xff;
        }
        const path = at(`fuzz${ext}`);
        writeFileSync(path, b);
        const outcome = await readTags(path, { includePicture: true }).then(
          (t) => typeof t.durationMs,
          (e: unknown) => (e instanceof TagError ? "TagError" : String(e)),
        );
        expect(["number", "TagError"]).toContain(outcome);
      }
    }
  });
  test("an expired time budget stops the parse (corrupt)", async () => {
    const error = await readTags(at("t.mp3"), { timeoutMs: -1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TagError);
    expect((error as TagError).reason).toBe("corrupt");
    expect((error as TagError).message).toContain("timed out");
  });
});

describe("formatForExtension", () => {
  test("known suffixes only: names every object has are no format", () => {
    expect(formatForExtension("mp3")?.contentType).toBe("audio/mpeg");
    expect(formatForExtension("flac")).toBeDefined();
    for (const suffix of ["constructor", "toString", "__proto__", "hasOwnProperty", "txt", ""]) {
      expect({ suffix, format: formatForExtension(suffix) }).toEqual({ suffix, format: undefined });
    }
  });
});

describe("sniffAudio", () => {
  const head = (file: string) => readFileSync(at(file)).subarray(0, 4096);
  test("every generated file", () => {
    for (const c of CASES)
      expect(sniffAudio(head(c.file))).toEqual({ suffix: c.suffix, contentType: c.contentType });
    expect(sniffAudio(head("bare.mp3"))).toEqual({ suffix: "mp3", contentType: "audio/mpeg" }); // frame sync, no ID3
    expect(sniffAudio(head("v23.mp3"))?.suffix).toBe("mp3");
    expect(sniffAudio(head("id3prefixed.flac"))?.suffix).toBe("flac");
  });
  test("non-audio bytes", () => {
    expect(sniffAudio(head("cover.png"))).toBeUndefined();
    expect(sniffAudio(head("text.mp3"))).toBeUndefined();
    expect(sniffAudio(head("garbage.mp3"))).toBeUndefined();
    expect(sniffAudio(new Uint8Array(4096))).toBeUndefined();
    expect(sniffAudio(new Uint8Array(0))).toBeUndefined();
    expect(sniffAudio(enc.encode("<html><body>hi</body></html>"))).toBeUndefined();
  });
});

describe("splitArtists", () => {
  test("featuring, lists after featuring, names with & kept", () => {
    expect(splitArtists(["Simon & Garfunkel"])).toEqual(["Simon & Garfunkel"]);
    expect(splitArtists(["Earth, Wind & Fire"])).toEqual(["Earth, Wind & Fire"]);
    expect(splitArtists(["Alice feat. Bob & Carol"])).toEqual(["Alice", "Bob", "Carol"]);
    expect(splitArtists(["Simon & Garfunkel feat. Bob, Carol & Dan"])).toEqual([
      "Simon & Garfunkel",
      "Bob",
      "Carol",
      "Dan",
    ]);
    expect(splitArtists(["Alice (feat. Bob)"])).toEqual(["Alice", "Bob"]);
    expect(splitArtists(["Alice FT. Bob"])).toEqual(["Alice", "Bob"]);
    expect(splitArtists(["AC/DC"])).toEqual(["AC/DC"]);
    expect(splitArtists(["A / B; C"])).toEqual(["A", "B", "C"]);
  });
  test("multi-valued kept, trimmed, de-duplicated, empty dropped", () => {
    expect(splitArtists([" Alice ", "alice", "", "Bob\u0000", "Bob; Carol"])).toEqual([
      "Alice",
      "Bob",
      "Carol",
    ]);
  });
  test("custom separators", () => {
    expect(splitArtists(["A & B x C"], [" & ", " x "])).toEqual(["A & B x C"]); // list separators need a featuring marker
    expect(splitArtists(["A | B"], [" | "])).toEqual(["A", "B"]);
    expect(DEFAULT_ARTIST_SEPARATORS).toContain(" feat. ");
  });
});

describe("helpers", () => {
  test("normalizeDate", () => {
    expect(normalizeDate("2019")).toBe("2019");
    expect(normalizeDate("2019-05")).toBe("2019-05");
    expect(normalizeDate("2019-05-03")).toBe("2019-05-03");
    expect(normalizeDate("2019-05-03T10:20:30Z")).toBe("2019-05-03");
    expect(normalizeDate("2019/5/3")).toBe("2019-05-03");
    expect(normalizeDate("20190503")).toBe("2019-05-03");
    expect(normalizeDate("03.05.2019")).toBe("2019-05-03");
    expect(normalizeDate("2019-13-40")).toBe("2019");
    expect(normalizeDate("2019-02-30")).toBe("2019-02");
    expect(normalizeDate("(p) 1999 Label")).toBe("1999");
    expect(normalizeDate("0000")).toBeUndefined();
    expect(normalizeDate("unknown")).toBeUndefined();
  });
  test("parseLrc: formats, several stamps, offset, word stamps, tags ignored", () => {
    expect(
      parseLrc(
        "[ar:X]\n[offset:-500]\n[00:01]One\n[00:02.5][00:04.25]Two <00:02.60>words\n[1:00:00.00]Hour\n[00:03:50]Colon",
      ),
    ).toEqual([
      { timeMs: 1500, text: "One" },
      { timeMs: 3000, text: "Two words" },
      { timeMs: 4000, text: "Colon" },
      { timeMs: 4750, text: "Two words" },
      { timeMs: 3_600_500, text: "Hour" },
    ]);
    expect(parseLrc("plain text\nno stamps")).toEqual([]);
  });
});
