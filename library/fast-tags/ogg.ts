/** Ogg Vorbis / Opus: identification and comment headers, duration from the last page read. */
import type { Collector } from "./collector.ts";
import { Decline, EndOfStream } from "./errors.ts";
import { type Reader, u32le, u32leChecked } from "./reader.ts";
import { ascii, latin1, utf8Decoder } from "./text.ts";
import { VorbisTags } from "./vorbis.ts";

interface OggPage {
  continued: boolean;
  first: boolean;
  last: boolean;
  /** -1 for "no packet ends on this page" */
  granule: number;
  sequence: number;
}

interface OggStreamState {
  serial: number | undefined;
  pageNumber: number;
  closed: boolean;
  codec: "vorbis" | "opus" | undefined;
  /** pages of the packet being gathered (VorbisStream.pageSegments) */
  segments: Uint8Array[];
  last: OggPage | undefined;
  metadataComplete: boolean;
  preSkip: number;
  lastPos: number;
}

/** Pages the Ogg walk may read before the fast path gives the file to music-metadata. */
const MAX_OGG_PAGES = 4096;

function granuleOf(h: Uint8Array): number {
  const lo = u32le(h, 6);
  const hi = u32le(h, 10);
  if (lo === 0xffffffff && hi === 0xffffffff) return -1;
  return Number((BigInt(hi) << 32n) | BigInt(lo));
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export class OggParser {
  private readonly vorbis: VorbisTags;

  constructor(
    private readonly r: Reader,
    private readonly c: Collector,
    includeCovers: boolean,
  ) {
    this.vorbis = new VorbisTags(c, includeCovers);
  }

  // --- OggParser (one logical stream of Vorbis or Opus) ---

  parseOggFile(): void {
    const r = this.r;
    const f = this.c.format;
    const stream: OggStreamState = {
      serial: undefined,
      pageNumber: 0,
      closed: false,
      codec: undefined,
      segments: [],
      last: undefined,
      metadataComplete: false,
      preSkip: 0,
      lastPos: -1,
    };
    let endOfStream = false;
    let pages = 0;
    try {
      do {
        if (++pages > MAX_OGG_PAGES) throw new Decline("long Ogg header walk");
        const h = r.readToken(27);
        if (latin1(h.subarray(0, 4)) !== "OggS") break; // "Corrupt Ogg content" warning
        const serial = u32le(h, 14);
        if (stream.serial === undefined) stream.serial = serial;
        else if (serial !== stream.serial) throw new Decline("more than one Ogg stream");
        const header: OggPage = {
          continued: ((h[5] ?? 0) & 1) !== 0,
          first: ((h[5] ?? 0) & 2) !== 0,
          last: ((h[5] ?? 0) & 4) !== 0,
          granule: granuleOf(h),
          sequence: u32le(h, 18),
        };
        this.parseOggPage(
          stream,
          header,
          r.readToken(r.readToken(h[26] ?? 0).reduce((a, b) => a + b, 0)),
        );
        if (stream.pageNumber > 12 && stream.metadataComplete) break; // enough for the tags
      } while (!stream.closed);
    } catch (error) {
      if (!(error instanceof EndOfStream)) throw error;
      endOfStream = true;
    }
    if (stream.codec === undefined) throw new Decline("no Ogg stream");
    if (!stream.closed) {
      // VorbisStream.flush: whatever is pending is parsed as a full packet
      if (stream.segments.length === 0 && stream.codec === "vorbis") {
        throw new Decline("Ogg stream ends after its first page");
      }
      this.parseOggPacket(stream, concatBytes(stream.segments));
    }
    // calculateDuration
    const last = stream.last;
    if (last && (endOfStream || last.last) && f.sampleRate && last.granule >= 0) {
      if (stream.codec === "opus") {
        const samples = last.granule - stream.preSkip;
        f.numberOfSamples = samples;
        f.duration = samples / 48000;
        if (stream.lastPos !== -1 && r.size && f.duration) {
          f.bitrate = (8 * (r.size - stream.lastPos)) / f.duration;
        }
      } else {
        f.numberOfSamples = last.granule;
        f.duration = last.granule / f.sampleRate;
      }
    }
  }

  /** OggStream.parsePage + VorbisStream.parsePage. */
  private parseOggPage(stream: OggStreamState, header: OggPage, data: Uint8Array): void {
    const f = this.c.format;
    stream.pageNumber = header.sequence;
    if (header.first) {
      if (stream.codec !== undefined) throw new Decline("second first page in an Ogg stream");
      f.container = "Ogg";
      let id = "";
      for (const b of data.subarray(0, 7)) if (b >= 32 && b <= 126) id += String.fromCharCode(b);
      if (id === "vorbis") stream.codec = "vorbis";
      else if (id === "OpusHea") stream.codec = "opus";
      else throw new Decline(`Ogg codec ${id}`);
    }
    if (header.last) stream.closed = true;
    if (stream.codec === undefined) throw new Decline("Ogg page before the stream's first page");
    stream.last = header;
    if (header.first) {
      this.parseOggFirstPage(stream, data);
      return;
    }
    if (header.continued) {
      if (stream.segments.length === 0) throw new Decline("Ogg continuation without a start");
      stream.segments.push(data);
    }
    if (header.last || !header.continued) {
      if (stream.segments.length > 0) this.parseOggPacket(stream, concatBytes(stream.segments));
      stream.segments = header.last ? [] : [data];
    }
  }

  private parseOggFirstPage(stream: OggStreamState, data: Uint8Array): void {
    const f = this.c.format;
    if (stream.codec === "opus") {
      f.codec = "Opus";
      f.lossless = false;
      if (data.length < 19 || ascii(data.subarray(0, 8)) !== "OpusHead") {
        throw new Decline("bad Opus header");
      }
      stream.preSkip = (data[10] ?? 0) | ((data[11] ?? 0) << 8);
      f.sampleRate = u32le(data, 12);
      f.numberOfChannels = data[9] ?? 0;
      f.hasAudio = true;
      return;
    }
    f.codec = "Vorbis I";
    f.lossless = false;
    f.hasAudio = true;
    if (data.length < 28 || data[0] !== 1 || ascii(data.subarray(1, 7)) !== "vorbis") {
      throw new Decline("bad Vorbis identification header");
    }
    f.sampleRate = u32le(data, 12);
    f.bitrate = u32le(data, 20) | 0; // INT32
    f.numberOfChannels = data[11] ?? 0;
  }

  /** VorbisStream.parseFullPage / OpusStream.parseFullPage. */
  private parseOggPacket(stream: OggStreamState, data: Uint8Array): void {
    if (stream.codec === "opus") {
      if (ascii(data.subarray(0, 8)) === "OpusTags") {
        this.parseCommentList(data, 8);
        stream.metadataComplete = true;
        stream.lastPos = this.r.position - data.length;
      }
      return;
    }
    if (data.length === 0) throw new Decline("empty Vorbis packet");
    if (data[0] === 3) {
      this.parseCommentList(data, 7);
      stream.metadataComplete = true;
    }
  }

  /** VorbisStream.parseUserCommentList: comments added one by one. */
  private parseCommentList(data: Uint8Array, offset: number): void {
    offset += 4 + u32leChecked(data, offset);
    let count = u32leChecked(data, offset);
    offset += 4;
    if (count > data.length) throw new Decline("Vorbis comment count larger than the packet");
    while (count-- > 0) {
      const len = u32leChecked(data, offset);
      const v = utf8Decoder.decode(data.subarray(offset + 4, offset + 4 + len));
      offset += 4 + len;
      const idx = v.indexOf("=");
      this.vorbis.addVorbisTag(v.substring(0, idx).toUpperCase(), v.substring(idx + 1));
    }
  }
}
