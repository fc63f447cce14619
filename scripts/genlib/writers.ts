// Pure TypeScript tag writers: each takes a tagless template encoded by ffmpeg and returns the
// bytes of a complete file carrying the given tags (or none, for untagged files).
//
//   mp3        ID3v2.4 in front of the MPEG frames (+ an optional ID3v1 trailer)
//   flac       STREAMINFO kept; new VORBIS_COMMENT, optional PICTURE and PADDING blocks
//   ogg/opus   the comment header packet replaced, pages re-laid and renumbered, CRCs recomputed
//   m4a        moov/udta/meta/ilst rebuilt; moov stays after mdat, so chunk offsets are unchanged
//   wav/aiff   an ID3v2.4 chunk ("id3 " / "ID3 ") appended, RIFF/FORM size patched
//   wma        ASF Content Description + Extended Content Description objects added to the header
//   wv         an APEv2 tag (header + items + footer) appended

import {
  ascii4,
  ByteWriter,
  base64,
  concat,
  latin1Bytes,
  oggCrc32,
  syncsafe,
  utf8Bytes,
  utf16leBytes,
} from "./bytes.ts";
import type { Container } from "./templates.ts";

export interface Picture {
  mime: "image/jpeg" | "image/png";
  width: number;
  height: number;
  data: Uint8Array;
}

export interface ReplayGain {
  trackGain: number;
  trackPeak: number;
  albumGain: number;
  albumPeak: number;
}

export interface MusicBrainzIds {
  recording: string;
  releaseTrack: string;
  album: string;
  releaseGroup: string;
  artists: string[];
  albumArtist: string;
}

export interface TagSet {
  title: string;
  /** Values of the primary artist field (TPE1, ARTIST, ©ART, Author, Artist). */
  artist: string[];
  /** Values of the separate multi-valued ARTISTS field (Picard style), when written. */
  artists?: string[];
  albumArtist: string;
  album: string;
  track: number;
  trackTotal: number;
  disc: number;
  discTotal: number;
  /** "YYYY" or "YYYY-MM-DD". */
  date: string;
  genres: string[];
  compilation: boolean;
  mb?: MusicBrainzIds;
  rg?: ReplayGain;
  picture?: Picture;
  /** Vorbis comments: write TRACKNUMBER as "n/total" instead of TRACKNUMBER + TRACKTOTAL. */
  slashTrackNumbers?: boolean;
  /** MP3 only: also append an ID3v1 tag. */
  id3v1?: boolean;
  /** Bytes of padding after the tag where the format has a padding notion (ID3v2, FLAC). */
  padding?: number;
}

export const formatGain = (db: number) => `${db >= 0 ? "+" : ""}${db.toFixed(2)} dB`;
export const formatPeak = (p: number) => p.toFixed(6);

// ---------------------------------------------------------------------------------------------
// Templates, parsed once

interface OggPage {
  raw: Uint8Array;
  headerType: number;
  granule: bigint;
  serial: number;
  seq: number;
  segments: number[];
  body: Uint8Array;
}

export type ParsedTemplate =
  | { kind: "mp3"; audio: Uint8Array }
  | { kind: "flac"; keep: { type: number; body: Uint8Array }[]; vendor: string; audio: Uint8Array }
  | {
      kind: "ogg" | "opus";
      firstPage: Uint8Array;
      serial: number;
      vendor: string;
      /** Header packets after the comment header (Vorbis setup header). */
      trailingHeaders: Uint8Array[];
      audioPages: Uint8Array[];
      renumbered: Map<number, Uint8Array>;
    }
  | { kind: "mp4"; beforeMoov: Uint8Array; moovChildren: Uint8Array[]; afterMoov: Uint8Array }
  | { kind: "wav" | "aiff"; raw: Uint8Array }
  | { kind: "asf"; children: Uint8Array[]; reserved: Uint8Array; rest: Uint8Array }
  | { kind: "wv"; audio: Uint8Array };

const str4 = (b: Uint8Array, o: number) => String.fromCharCode(...b.subarray(o, o + 4));
const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

function parseOggPages(b: Uint8Array): OggPage[] {
  const v = dv(b);
  const pages: OggPage[] = [];
  let o = 0;
  while (o < b.length) {
    if (str4(b, o) !== "OggS") throw new Error(`bad Ogg page at ${o}`);
    const nseg = b[o + 26] as number;
    const segments = Array.from(b.subarray(o + 27, o + 27 + nseg));
    const bodyLen = segments.reduce((a, s) => a + s, 0);
    const end = o + 27 + nseg + bodyLen;
    pages.push({
      raw: b.subarray(o, end),
      headerType: b[o + 5] as number,
      granule: v.getBigInt64(o + 6, true),
      serial: v.getUint32(o + 14, true),
      seq: v.getUint32(o + 18, true),
      segments,
      body: b.subarray(o + 27 + nseg, end),
    });
    o = end;
  }
  return pages;
}

/** Split the first pages into packets until `count` packets are complete. */
function oggPackets(pages: OggPage[], count: number): { packets: Uint8Array[]; pagesUsed: number } {
  const packets: Uint8Array[] = [];
  let cur: Uint8Array[] = [];
  for (let p = 0; p < pages.length; p++) {
    const page = pages[p] as OggPage;
    let off = 0;
    let start = 0;
    for (const seg of page.segments) {
      off += seg;
      if (seg < 255) {
        cur.push(page.body.subarray(start, off));
        packets.push(concat(cur));
        cur = [];
        start = off;
        if (packets.length === count) {
          if (off !== page.body.length) throw new Error("audio shares a page with headers");
          return { packets, pagesUsed: p + 1 };
        }
      }
    }
    cur.push(page.body.subarray(start, off));
  }
  throw new Error("Ogg headers incomplete");
}

function readU32le(b: Uint8Array, o: number) {
  return dv(b).getUint32(o, true);
}

export function parseTemplate(container: Container, b: Uint8Array): ParsedTemplate {
  switch (container) {
    case "mp3": {
      // Drop the (empty) ID3v2 tag the muxer writes.
      let o = 0;
      while (str4(b, o).startsWith("ID3")) {
        const footer = (b[o + 5] as number) & 0x10 ? 10 : 0;
        const size = ((b[o + 6] as number) << 21) | ((b[o + 7] as number) << 14);
        o += 10 + footer + (size | ((b[o + 8] as number) << 7) | (b[o + 9] as number));
      }
      return { kind: "mp3", audio: b.subarray(o) };
    }
    case "flac": {
      if (str4(b, 0) !== "fLaC") throw new Error("not FLAC");
      const keep: { type: number; body: Uint8Array }[] = [];
      let vendor = "";
      let o = 4;
      for (;;) {
        const h = b[o] as number;
        const len =
          ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number);
        const type = h & 0x7f;
        const body = b.subarray(o + 4, o + 4 + len);
        // Keep STREAMINFO and SEEKTABLE; comments, pictures and padding are rewritten.
        if (type === 0 || type === 3) keep.push({ type, body });
        if (type === 4) vendor = new TextDecoder().decode(body.subarray(4, 4 + readU32le(body, 0)));
        o += 4 + len;
        if (h & 0x80) break;
      }
      return { kind: "flac", keep, vendor, audio: b.subarray(o) };
    }
    case "ogg":
    case "opus": {
      const pages = parseOggPages(b);
      const first = pages[0] as OggPage;
      const nHeaders = container === "ogg" ? 3 : 2;
      const { packets, pagesUsed } = oggPackets(pages, nHeaders);
      const comment = packets[1] as Uint8Array;
      const vOff = container === "ogg" ? 7 : 8;
      const vendor = new TextDecoder().decode(
        comment.subarray(vOff + 4, vOff + 4 + readU32le(comment, vOff)),
      );
      return {
        kind: container,
        firstPage: first.raw,
        serial: first.serial,
        vendor,
        trailingHeaders: packets.slice(2),
        audioPages: pages.slice(pagesUsed).map((p) => p.raw),
        renumbered: new Map(),
      };
    }
    case "mp4": {
      const v = dv(b);
      let o = 0;
      let moovAt = -1;
      let mdatAt = -1;
      while (o < b.length) {
        const size = v.getUint32(o);
        const name = str4(b, o + 4);
        if (size < 8) throw new Error("unsupported MP4 atom size");
        if (name === "moov") moovAt = o;
        if (name === "mdat") mdatAt = o;
        o += size;
      }
      if (moovAt < 0 || mdatAt < 0 || moovAt < mdatAt)
        throw new Error("MP4 template needs moov after mdat");
      const moovEnd = moovAt + v.getUint32(moovAt);
      const moovChildren: Uint8Array[] = [];
      for (let c = moovAt + 8; c < moovEnd; ) {
        const size = v.getUint32(c);
        if (str4(b, c + 4) !== "udta") moovChildren.push(b.subarray(c, c + size));
        c += size;
      }
      return {
        kind: "mp4",
        beforeMoov: b.subarray(0, moovAt),
        moovChildren,
        afterMoov: b.subarray(moovEnd),
      };
    }
    case "wav":
      if (str4(b, 0) !== "RIFF" || str4(b, 8) !== "WAVE") throw new Error("not WAV");
      return { kind: "wav", raw: b };
    case "aiff":
      if (str4(b, 0) !== "FORM") throw new Error("not AIFF");
      return { kind: "aiff", raw: b };
    case "asf": {
      const v = dv(b);
      if (guidHex(b, 0) !== ASF_HEADER) throw new Error("not ASF");
      const headerSize = Number(v.getBigUint64(16, true));
      const count = v.getUint32(24, true);
      const children: Uint8Array[] = [];
      let o = 30;
      for (let i = 0; i < count; i++) {
        const size = Number(v.getBigUint64(o + 16, true));
        const g = guidHex(b, o);
        if (g !== ASF_CONTENT_DESCRIPTION && g !== ASF_EXT_CONTENT_DESCRIPTION) {
          children.push(b.subarray(o, o + size));
        }
        o += size;
      }
      if (o !== headerSize) throw new Error("ASF header objects do not add up");
      return { kind: "asf", children, reserved: b.subarray(28, 30), rest: b.subarray(headerSize) };
    }
    case "wv": {
      // Drop an APEv2 tag the muxer may have appended.
      const at = b.length - 32;
      if (at > 0 && new TextDecoder().decode(b.subarray(at, at + 8)) === "APETAGEX") {
        const size = readU32le(b, at + 12);
        const hasHeader = (readU32le(b, at + 20) & 0x80000000) !== 0;
        return { kind: "wv", audio: b.subarray(0, b.length - size - (hasHeader ? 32 : 0)) };
      }
      return { kind: "wv", audio: b };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Writers

export function writeFile(t: ParsedTemplate, tags: TagSet | null): Uint8Array {
  switch (t.kind) {
    case "mp3":
      if (!tags) return t.audio;
      return concat([id3v24(tags), t.audio, tags.id3v1 ? id3v1(tags) : new Uint8Array(0)]);
    case "flac":
      return writeFlac(t, tags);
    case "ogg":
    case "opus":
      return writeOgg(t, tags);
    case "mp4":
      return writeMp4(t, tags);
    case "wav":
    case "aiff":
      return tags ? appendIffChunk(t.raw, t.kind, id3v24(tags, 0)) : t.raw;
    case "asf":
      return writeAsf(t, tags);
    case "wv":
      return tags ? concat([t.audio, apeV2(tags)]) : t.audio;
  }
}

// --- ID3v2.4 ----------------------------------------------------------------------------------

function id3Frame(id: string, body: Uint8Array): Uint8Array {
  return concat([ascii4(id), syncsafe(body.length), Uint8Array.of(0, 0), body]);
}

function id3Text(id: string, values: string[]): Uint8Array {
  return id3Frame(id, concat([Uint8Array.of(3), utf8Bytes(values.join("\0"))]));
}

function id3Txxx(desc: string, values: string[]): Uint8Array {
  return id3Frame(
    "TXXX",
    concat([Uint8Array.of(3), utf8Bytes(desc), Uint8Array.of(0), utf8Bytes(values.join("\0"))]),
  );
}

export function id3v24(tags: TagSet, padding = tags.padding ?? 0): Uint8Array {
  const frames: Uint8Array[] = [id3Text("TIT2", [tags.title]), id3Text("TPE1", tags.artist)];
  if (tags.artists) frames.push(id3Txxx("ARTISTS", tags.artists));
  frames.push(
    id3Text("TPE2", [tags.albumArtist]),
    id3Text("TALB", [tags.album]),
    id3Text("TRCK", [`${tags.track}/${tags.trackTotal}`]),
    id3Text("TPOS", [`${tags.disc}/${tags.discTotal}`]),
    id3Text("TDRC", [tags.date]),
    id3Text("TCON", tags.genres),
  );
  if (tags.compilation) frames.push(id3Text("TCMP", ["1"]));
  if (tags.mb) {
    const mb = tags.mb;
    frames.push(
      id3Frame(
        "UFID",
        concat([latin1Bytes("http://musicbrainz.org\0"), latin1Bytes(mb.recording)]),
      ),
      id3Txxx("MusicBrainz Release Track Id", [mb.releaseTrack]),
      id3Txxx("MusicBrainz Album Id", [mb.album]),
      id3Txxx("MusicBrainz Release Group Id", [mb.releaseGroup]),
      id3Txxx("MusicBrainz Artist Id", mb.artists),
      id3Txxx("MusicBrainz Album Artist Id", [mb.albumArtist]),
    );
  }
  if (tags.rg) {
    const rg = tags.rg;
    frames.push(
      id3Txxx("REPLAYGAIN_TRACK_GAIN", [formatGain(rg.trackGain)]),
      id3Txxx("REPLAYGAIN_TRACK_PEAK", [formatPeak(rg.trackPeak)]),
      id3Txxx("REPLAYGAIN_ALBUM_GAIN", [formatGain(rg.albumGain)]),
      id3Txxx("REPLAYGAIN_ALBUM_PEAK", [formatPeak(rg.albumPeak)]),
    );
  }
  if (tags.picture) {
    const p = tags.picture;
    frames.push(
      id3Frame(
        "APIC",
        concat([Uint8Array.of(3), latin1Bytes(p.mime), Uint8Array.of(0, 3, 0), p.data]),
      ),
    );
  }
  const body = concat(frames);
  return concat([
    Uint8Array.of(0x49, 0x44, 0x33, 4, 0, 0),
    syncsafe(body.length + padding),
    body,
    new Uint8Array(padding),
  ]);
}

function id3v1(tags: TagSet): Uint8Array {
  const out = new Uint8Array(128);
  const put = (s: string, at: number, len: number) => out.set(latin1Bytes(s).subarray(0, len), at);
  put("TAG", 0, 3);
  put(tags.title, 3, 30);
  put(tags.artist.join(" & "), 33, 30);
  put(tags.album, 63, 30);
  put(tags.date.slice(0, 4), 93, 4);
  out[125] = 0;
  out[126] = tags.track & 0xff;
  out[127] = 255; // no genre
  return out;
}

// --- Vorbis comments (FLAC, Ogg Vorbis, Opus) -------------------------------------------------

function vorbisFields(tags: TagSet, opus: boolean, withPicture: boolean): [string, string][] {
  const f: [string, string][] = [["TITLE", tags.title]];
  for (const a of tags.artist) f.push(["ARTIST", a]);
  for (const a of tags.artists ?? []) f.push(["ARTISTS", a]);
  f.push(["ALBUMARTIST", tags.albumArtist], ["ALBUM", tags.album]);
  if (tags.slashTrackNumbers) {
    f.push(["TRACKNUMBER", `${tags.track}/${tags.trackTotal}`]);
    f.push(["DISCNUMBER", `${tags.disc}/${tags.discTotal}`]);
  } else {
    f.push(["TRACKNUMBER", String(tags.track)], ["TRACKTOTAL", String(tags.trackTotal)]);
    f.push(["DISCNUMBER", String(tags.disc)], ["DISCTOTAL", String(tags.discTotal)]);
  }
  f.push(["DATE", tags.date]);
  for (const g of tags.genres) f.push(["GENRE", g]);
  if (tags.compilation) f.push(["COMPILATION", "1"]);
  if (tags.mb) {
    const mb = tags.mb;
    f.push(
      ["MUSICBRAINZ_TRACKID", mb.recording],
      ["MUSICBRAINZ_RELEASETRACKID", mb.releaseTrack],
      ["MUSICBRAINZ_ALBUMID", mb.album],
      ["MUSICBRAINZ_RELEASEGROUPID", mb.releaseGroup],
    );
    for (const a of mb.artists) f.push(["MUSICBRAINZ_ARTISTID", a]);
    f.push(["MUSICBRAINZ_ALBUMARTISTID", mb.albumArtist]);
  }
  if (tags.rg) {
    const rg = tags.rg;
    if (opus) {
      // RFC 7845: Q7.8 gains relative to EBU R128 (-23 LUFS), i.e. 5 dB below ReplayGain's level.
      f.push(
        ["R128_TRACK_GAIN", String(Math.round((rg.trackGain - 5) * 256))],
        ["R128_ALBUM_GAIN", String(Math.round((rg.albumGain - 5) * 256))],
      );
    } else {
      f.push(
        ["REPLAYGAIN_TRACK_GAIN", formatGain(rg.trackGain)],
        ["REPLAYGAIN_TRACK_PEAK", formatPeak(rg.trackPeak)],
        ["REPLAYGAIN_ALBUM_GAIN", formatGain(rg.albumGain)],
        ["REPLAYGAIN_ALBUM_PEAK", formatPeak(rg.albumPeak)],
      );
    }
  }
  if (withPicture && tags.picture) {
    f.push(["METADATA_BLOCK_PICTURE", base64(flacPictureBody(tags.picture))]);
  }
  return f;
}

/** The body shared by a FLAC VORBIS_COMMENT block and the Ogg comment headers. */
function vorbisCommentBody(vendor: string, fields: [string, string][]): Uint8Array {
  const w = new ByteWriter(512);
  const v = utf8Bytes(vendor);
  w.u32le(v.length).bytes(v).u32le(fields.length);
  for (const [k, val] of fields) {
    const b = utf8Bytes(`${k}=${val}`);
    w.u32le(b.length).bytes(b);
  }
  return w.finish();
}

function flacPictureBody(p: Picture): Uint8Array {
  const w = new ByteWriter(p.data.length + 64);
  const mime = latin1Bytes(p.mime);
  w.u32be(3).u32be(mime.length).bytes(mime).u32be(0); // front cover, empty description
  w.u32be(p.width).u32be(p.height).u32be(24).u32be(0);
  w.u32be(p.data.length).bytes(p.data);
  return w.finish();
}

function flacBlock(type: number, body: Uint8Array, last: boolean): Uint8Array {
  const w = new ByteWriter(body.length + 4);
  w.u8((last ? 0x80 : 0) | type).u24be(body.length);
  return concat([w.finish(), body]);
}

function writeFlac(t: Extract<ParsedTemplate, { kind: "flac" }>, tags: TagSet | null) {
  const blocks: [number, Uint8Array][] = t.keep.map((k) => [k.type, k.body]);
  blocks.push([4, vorbisCommentBody(t.vendor, tags ? vorbisFields(tags, false, false) : [])]);
  if (tags?.picture) blocks.push([6, flacPictureBody(tags.picture)]);
  if (tags?.padding) blocks.push([1, new Uint8Array(tags.padding)]);
  const parts = [latin1Bytes("fLaC")];
  blocks.forEach(([type, body], i) => {
    parts.push(flacBlock(type, body, i === blocks.length - 1));
  });
  parts.push(t.audio);
  return concat(parts);
}

// --- Ogg ---------------------------------------------------------------------------------------

function oggPage(
  headerType: number,
  granule: bigint,
  serial: number,
  seq: number,
  segments: number[],
  body: Uint8Array,
): Uint8Array {
  const w = new ByteWriter(27 + segments.length + body.length);
  w.bytes(latin1Bytes("OggS")).u8(0).u8(headerType);
  const g = w.reserve(8);
  w.u32le(serial).u32le(seq);
  const crcAt = w.reserve(4);
  w.u8(segments.length);
  for (const s of segments) w.u8(s);
  w.bytes(body);
  const page = w.finish();
  dv(page).setBigInt64(g, granule, true);
  dv(page).setUint32(crcAt, oggCrc32(page), true);
  return page;
}

/** Lay header packets on fresh pages (granule 0; -1 on a page where no packet ends). */
function oggHeaderPages(packets: Uint8Array[], serial: number, firstSeq: number): Uint8Array[] {
  const lacing: { seg: number; ends: boolean }[] = [];
  for (const p of packets) {
    let n = p.length;
    while (n >= 255) {
      lacing.push({ seg: 255, ends: false });
      n -= 255;
    }
    lacing.push({ seg: n, ends: true });
  }
  const data = concat(packets);
  const pages: Uint8Array[] = [];
  let li = 0;
  let off = 0;
  let continued = false;
  while (li < lacing.length) {
    const segs = lacing.slice(li, li + 255);
    li += segs.length;
    const len = segs.reduce((a, s) => a + s.seg, 0);
    const endsPacket = segs.some((s) => s.ends);
    pages.push(
      oggPage(
        continued ? 1 : 0,
        endsPacket ? 0n : -1n,
        serial,
        firstSeq + pages.length,
        segs.map((s) => s.seg),
        data.subarray(off, off + len),
      ),
    );
    off += len;
    continued = !(segs.at(-1) as { ends: boolean }).ends;
  }
  return pages;
}

function renumberedAudio(t: Extract<ParsedTemplate, { kind: "ogg" | "opus" }>, firstSeq: number) {
  let out = t.renumbered.get(firstSeq);
  if (out) return out;
  out = concat(t.audioPages);
  const v = dv(out);
  let o = 0;
  t.audioPages.forEach((p, i) => {
    const page = out?.subarray(o, o + p.length) as Uint8Array;
    v.setUint32(o + 18, firstSeq + i, true);
    v.setUint32(o + 22, 0, true);
    v.setUint32(o + 22, oggCrc32(page), true);
    o += p.length;
  });
  t.renumbered.set(firstSeq, out);
  return out;
}

function writeOgg(t: Extract<ParsedTemplate, { kind: "ogg" | "opus" }>, tags: TagSet | null) {
  const opus = t.kind === "opus";
  const body = vorbisCommentBody(t.vendor, tags ? vorbisFields(tags, opus, true) : []);
  const comment = opus
    ? concat([latin1Bytes("OpusTags"), body])
    : concat([Uint8Array.of(3), latin1Bytes("vorbis"), body, Uint8Array.of(1)]);
  const headerPages = oggHeaderPages([comment, ...t.trailingHeaders], t.serial, 1);
  return concat([t.firstPage, ...headerPages, renumberedAudio(t, 1 + headerPages.length)]);
}

// --- MP4 ---------------------------------------------------------------------------------------

function atom(name: string, ...children: Uint8Array[]): Uint8Array {
  const w = new ByteWriter();
  w.u32be(0).bytes(latin1Bytes(name));
  for (const c of children) w.bytes(c);
  const out = w.finish();
  dv(out).setUint32(0, out.length);
  return out;
}

function dataAtom(type: number, value: Uint8Array): Uint8Array {
  const w = new ByteWriter(value.length + 8);
  w.u32be(type).u32be(0).bytes(value);
  return atom("data", w.finish());
}

const textItem = (name: string, values: string[]) =>
  atom(name, ...values.map((v) => dataAtom(1, utf8Bytes(v))));

const fullBox = (name: string, payload: Uint8Array) =>
  atom(name, Uint8Array.of(0, 0, 0, 0), payload);

const freeform = (key: string, values: string[]) =>
  atom(
    "----",
    fullBox("mean", latin1Bytes("com.apple.iTunes")),
    fullBox("name", utf8Bytes(key)),
    ...values.map((v) => dataAtom(1, utf8Bytes(v))),
  );

function pair(n: number, total: number, trailing: boolean): Uint8Array {
  const w = new ByteWriter(8);
  w.u16be(0).u16be(n).u16be(total);
  if (trailing) w.u16be(0);
  return w.finish();
}

function ilst(tags: TagSet): Uint8Array {
  const items: Uint8Array[] = [
    textItem("\u00a9nam", [tags.title]),
    textItem("\u00a9ART", tags.artist),
  ];
  if (tags.artists) items.push(freeform("ARTISTS", tags.artists));
  items.push(
    textItem("aART", [tags.albumArtist]),
    textItem("\u00a9alb", [tags.album]),
    atom("trkn", dataAtom(0, pair(tags.track, tags.trackTotal, true))),
    atom("disk", dataAtom(0, pair(tags.disc, tags.discTotal, false))),
    textItem("\u00a9day", [tags.date]),
    textItem("\u00a9gen", tags.genres),
    atom("cpil", dataAtom(21, Uint8Array.of(tags.compilation ? 1 : 0))),
  );
  if (tags.mb) {
    const mb = tags.mb;
    items.push(
      freeform("MusicBrainz Track Id", [mb.recording]),
      freeform("MusicBrainz Release Track Id", [mb.releaseTrack]),
      freeform("MusicBrainz Album Id", [mb.album]),
      freeform("MusicBrainz Release Group Id", [mb.releaseGroup]),
      freeform("MusicBrainz Artist Id", mb.artists),
      freeform("MusicBrainz Album Artist Id", [mb.albumArtist]),
    );
  }
  if (tags.rg) {
    const rg = tags.rg;
    items.push(
      freeform("replaygain_track_gain", [formatGain(rg.trackGain)]),
      freeform("replaygain_track_peak", [formatPeak(rg.trackPeak)]),
      freeform("replaygain_album_gain", [formatGain(rg.albumGain)]),
      freeform("replaygain_album_peak", [formatPeak(rg.albumPeak)]),
    );
  }
  if (tags.picture) {
    items.push(
      atom("covr", dataAtom(tags.picture.mime === "image/png" ? 14 : 13, tags.picture.data)),
    );
  }
  return atom("ilst", ...items);
}

function writeMp4(t: Extract<ParsedTemplate, { kind: "mp4" }>, tags: TagSet | null) {
  const children = [...t.moovChildren];
  if (tags) {
    const hdlr = new ByteWriter(25);
    hdlr.u32be(0).u32be(0).bytes(latin1Bytes("mdirappl")).u32be(0).u32be(0).u8(0);
    const meta = fullBox("meta", concat([atom("hdlr", hdlr.finish()), ilst(tags)]));
    children.push(atom("udta", meta));
  }
  return concat([t.beforeMoov, atom("moov", ...children), t.afterMoov]);
}

// --- WAV / AIFF --------------------------------------------------------------------------------

function appendIffChunk(raw: Uint8Array, kind: "wav" | "aiff", payload: Uint8Array): Uint8Array {
  const le = kind === "wav";
  const head = new ByteWriter(8);
  head.bytes(latin1Bytes(le ? "id3 " : "ID3 "));
  if (le) head.u32le(payload.length);
  else head.u32be(payload.length);
  const pad = payload.length & 1 ? Uint8Array.of(0) : new Uint8Array(0);
  const out = concat([raw, head.finish(), payload, pad]);
  dv(out).setUint32(4, out.length - 8, le);
  return out;
}

// --- ASF (WMA) ---------------------------------------------------------------------------------

function guidHex(b: Uint8Array, o: number): string {
  return Array.from(b.subarray(o, o + 16), (x) => x.toString(16).padStart(2, "0")).join("");
}

function guidBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) as string[], (h) => Number.parseInt(h, 16));
}

// GUIDs as stored on disk (first three fields little-endian).
const ASF_HEADER = "3026b2758e66cf11a6d900aa0062ce6c";
const ASF_FILE_PROPERTIES = "a1dcab8c47a9cf118ee400c00c205365";
const ASF_CONTENT_DESCRIPTION = "3326b2758e66cf11a6d900aa0062ce6c";
const ASF_EXT_CONTENT_DESCRIPTION = "40a4d0d207e3d21197f000a0c95ea850";

type AsfAttr = [name: string, type: 0 | 1 | 3, value: Uint8Array];

function asfObject(guid: string, payload: Uint8Array): Uint8Array {
  const w = new ByteWriter(payload.length + 24);
  w.bytes(guidBytes(guid))
    .u64le(payload.length + 24)
    .bytes(payload);
  return w.finish();
}

function asfDword(n: number): Uint8Array {
  return new ByteWriter(4).u32le(n).finish();
}

function asfAttrs(tags: TagSet): AsfAttr[] {
  const s = (name: string, value: string): AsfAttr => [name, 0, utf16leBytes(value)];
  const a: AsfAttr[] = [
    s("WM/AlbumTitle", tags.album),
    s("WM/AlbumArtist", tags.albumArtist),
    ["WM/TrackNumber", 3, asfDword(tags.track)],
    s("WM/PartOfSet", `${tags.disc}/${tags.discTotal}`),
    s("WM/Year", tags.date.slice(0, 4)),
  ];
  for (const g of tags.genres) a.push(s("WM/Genre", g));
  for (const x of tags.artists ?? []) a.push(s("WM/ARTISTS", x));
  if (tags.compilation) a.push(["WM/IsCompilation", 3, asfDword(1)]);
  if (tags.mb) {
    const mb = tags.mb;
    a.push(
      s("MusicBrainz/Track Id", mb.recording),
      s("MusicBrainz/Release Track Id", mb.releaseTrack),
      s("MusicBrainz/Album Id", mb.album),
      s("MusicBrainz/Release Group Id", mb.releaseGroup),
    );
    for (const x of mb.artists) a.push(s("MusicBrainz/Artist Id", x));
    a.push(s("MusicBrainz/Album Artist Id", mb.albumArtist));
  }
  if (tags.rg) {
    const rg = tags.rg;
    a.push(
      s("REPLAYGAIN_TRACK_GAIN", formatGain(rg.trackGain)),
      s("REPLAYGAIN_TRACK_PEAK", formatPeak(rg.trackPeak)),
      s("REPLAYGAIN_ALBUM_GAIN", formatGain(rg.albumGain)),
      s("REPLAYGAIN_ALBUM_PEAK", formatPeak(rg.albumPeak)),
    );
  }
  if (tags.picture) {
    const p = tags.picture;
    const w = new ByteWriter(p.data.length + 40);
    w.u8(3).u32le(p.data.length).bytes(utf16leBytes(p.mime)).bytes(utf16leBytes(""));
    w.bytes(p.data);
    a.push(["WM/Picture", 1, w.finish()]);
  }
  return a;
}

function writeAsf(t: Extract<ParsedTemplate, { kind: "asf" }>, tags: TagSet | null) {
  const children: Uint8Array[] = t.children.map((c) => c.slice());
  if (tags) {
    const fields: Uint8Array[] = [tags.title, tags.artist.join(" & "), "", "", ""].map((x) =>
      x ? utf16leBytes(x) : new Uint8Array(0),
    );
    const cd = new ByteWriter();
    for (const f of fields) cd.u16le(f.length);
    for (const f of fields) cd.bytes(f);
    children.push(asfObject(ASF_CONTENT_DESCRIPTION, cd.finish()));
    const attrs = asfAttrs(tags);
    const ecd = new ByteWriter(1024);
    ecd.u16le(attrs.length);
    for (const [name, type, value] of attrs) {
      const n = utf16leBytes(name);
      ecd.u16le(n.length).bytes(n).u16le(type).u16le(value.length).bytes(value);
    }
    children.push(asfObject(ASF_EXT_CONTENT_DESCRIPTION, ecd.finish()));
  }
  const headerSize = 30 + children.reduce((a, c) => a + c.length, 0);
  const total = headerSize + t.rest.length;
  for (const c of children) {
    if (guidHex(c, 0) === ASF_FILE_PROPERTIES) dv(c).setBigUint64(40, BigInt(total), true);
  }
  const head = new ByteWriter(30);
  head.bytes(guidBytes(ASF_HEADER)).u64le(headerSize).u32le(children.length).bytes(t.reserved);
  return concat([head.finish(), ...children, t.rest]);
}

// --- APEv2 (WavPack) ---------------------------------------------------------------------------

function apeV2(tags: TagSet): Uint8Array {
  const items: [string, Uint8Array, number][] = [];
  const text = (k: string, values: string[]) => items.push([k, utf8Bytes(values.join("\0")), 0]);
  text("Title", [tags.title]);
  text("Artist", tags.artist);
  if (tags.artists) text("Artists", tags.artists);
  text("Album Artist", [tags.albumArtist]);
  text("Album", [tags.album]);
  text("Track", [`${tags.track}/${tags.trackTotal}`]);
  text("Disc", [`${tags.disc}/${tags.discTotal}`]);
  text("Year", [tags.date]);
  text("Genre", tags.genres);
  if (tags.compilation) text("Compilation", ["1"]);
  if (tags.mb) {
    const mb = tags.mb;
    text("MUSICBRAINZ_TRACKID", [mb.recording]);
    text("MUSICBRAINZ_RELEASETRACKID", [mb.releaseTrack]);
    text("MUSICBRAINZ_ALBUMID", [mb.album]);
    text("MUSICBRAINZ_RELEASEGROUPID", [mb.releaseGroup]);
    text("MUSICBRAINZ_ARTISTID", mb.artists);
    text("MUSICBRAINZ_ALBUMARTISTID", [mb.albumArtist]);
  }
  if (tags.rg) {
    const rg = tags.rg;
    text("REPLAYGAIN_TRACK_GAIN", [formatGain(rg.trackGain)]);
    text("REPLAYGAIN_TRACK_PEAK", [formatPeak(rg.trackPeak)]);
    text("REPLAYGAIN_ALBUM_GAIN", [formatGain(rg.albumGain)]);
    text("REPLAYGAIN_ALBUM_PEAK", [formatPeak(rg.albumPeak)]);
  }
  if (tags.picture) {
    const ext = tags.picture.mime === "image/png" ? "png" : "jpg";
    items.push([
      "Cover Art (Front)",
      concat([latin1Bytes(`cover.${ext}\0`), tags.picture.data]),
      2,
    ]);
  }
  const body = new ByteWriter(1024);
  for (const [key, value, flags] of items) {
    body.u32le(value.length).u32le(flags).bytes(latin1Bytes(key)).u8(0).bytes(value);
  }
  const itemBytes = body.finish();
  const frame = (isHeader: boolean) => {
    const w = new ByteWriter(32);
    w.bytes(latin1Bytes("APETAGEX"))
      .u32le(2000)
      .u32le(itemBytes.length + 32)
      .u32le(items.length);
    w.u32le(isHeader ? 0xa0000000 : 0x80000000)
      .u32le(0)
      .u32le(0);
    return w.finish();
  };
  return concat([frame(true), itemBytes, frame(false)]);
}
