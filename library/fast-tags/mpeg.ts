/** MPEG audio: frame headers, Xing/Info/LAME, duration and bitrate (MpegParser). */
import { Decline, EndOfStream } from "./errors.ts";
import { Id3Parser } from "./id3.ts";
import { bitAligned, u32be } from "./reader.ts";
import { ascii } from "./text.ts";

const MPEG_VERSIONS = [2.5, null, 2, 1] as const;
const MPEG_LAYERS = [0, 3, 2, 1] as const;
const MPEG_BITRATES: Record<number, Record<number, number>> = {
  1: { 11: 32, 12: 32, 13: 32, 21: 32, 22: 8, 23: 8 },
  2: { 11: 64, 12: 48, 13: 40, 21: 48, 22: 16, 23: 16 },
  3: { 11: 96, 12: 56, 13: 48, 21: 56, 22: 24, 23: 24 },
  4: { 11: 128, 12: 64, 13: 56, 21: 64, 22: 32, 23: 32 },
  5: { 11: 160, 12: 80, 13: 64, 21: 80, 22: 40, 23: 40 },
  6: { 11: 192, 12: 96, 13: 80, 21: 96, 22: 48, 23: 48 },
  7: { 11: 224, 12: 112, 13: 96, 21: 112, 22: 56, 23: 56 },
  8: { 11: 256, 12: 128, 13: 112, 21: 128, 22: 64, 23: 64 },
  9: { 11: 288, 12: 160, 13: 128, 21: 144, 22: 80, 23: 80 },
  10: { 11: 320, 12: 192, 13: 160, 21: 160, 22: 96, 23: 96 },
  11: { 11: 352, 12: 224, 13: 192, 21: 176, 22: 112, 23: 112 },
  12: { 11: 384, 12: 256, 13: 224, 21: 192, 22: 128, 23: 128 },
  13: { 11: 416, 12: 320, 13: 256, 21: 224, 22: 144, 23: 144 },
  14: { 11: 448, 12: 384, 13: 320, 21: 256, 22: 160, 23: 160 },
};
const MPEG_SAMPLING_RATES: Record<string, [number, number, number]> = {
  1: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  2.5: [11025, 12000, 8000],
};

interface MpegHeader {
  codec: string;
  layer: number;
  crc: boolean;
  bitrate: number;
  samplingRate: number;
  channels: number;
  samplesPerFrame: number;
  frameSize: number;
  sideInfoLength: number;
}

/** MpegFrameHeader's constructor; undefined where it throws MpegContentError. */
function mpegHeader(buf: Uint8Array): MpegHeader | undefined {
  const version = MPEG_VERSIONS[bitAligned(buf, 1, 3, 2)] ?? null;
  if (version === null) return undefined;
  const layer = MPEG_LAYERS[bitAligned(buf, 1, 5, 2)] ?? 0;
  const crc = !((buf[1] ?? 0) & 1);
  const bitrateIndex = bitAligned(buf, 2, 0, 4);
  const samplingRateIndex = bitAligned(buf, 2, 4, 2);
  const padding = ((buf[2] ?? 0) & 2) !== 0;
  const channels = bitAligned(buf, 3, 0, 2) === 3 ? 1 : 2;
  const kbps = MPEG_BITRATES[bitrateIndex]?.[10 * Math.floor(version) + layer];
  if (!kbps) return undefined;
  const bitrate = kbps * 1000;
  const samplingRate = MPEG_SAMPLING_RATES[String(version)]?.[samplingRateIndex];
  if (samplingRate == null) return undefined;
  const samplesPerFrame =
    [
      [0, 384, 1152, 1152],
      [0, 384, 1152, 576],
    ][version === 1 ? 0 : 1]?.[layer] ?? 0;
  const slot = layer === 1 ? 4 : 1;
  return {
    codec: `MPEG ${version} Layer ${layer}`,
    layer,
    crc,
    bitrate,
    samplingRate,
    channels,
    samplesPerFrame,
    frameSize: Math.floor(((samplesPerFrame / 8) * bitrate) / samplingRate + (padding ? slot : 0)),
    sideInfoLength:
      layer !== 3 ? 2 : version === 1 ? (channels === 1 ? 17 : 32) : channels === 1 ? 9 : 17,
  };
}

/** How far the MPEG sync may scan before the fast path gives the file to music-metadata. */
const MAX_SYNC_SCAN = 256 * 1024;

/** MpegParser, an AbstractID3Parser. */
export class MpegParser extends Id3Parser {
  // MpegParser state
  private frameCount = 0;
  private syncFrameCount = -1;
  private firstBitrate: number | undefined;
  private constantBitrate = true;
  private offset = 0;
  private frameSize = 0;
  private samplesPerFrame: number | null = null;
  private mpegOffset: number | null = null;
  private audioFrameHeader: MpegHeader | undefined;
  private readonly frameHeader = new Uint8Array(4);
  private readonly syncBuf = new Uint8Array(1024);

  parseMpegFile(): void {
    const f = this.c.format;
    try {
      this.readId3v2Headers();
      // MpegParser.postId3v2Parse
      f.lossless = false;
      f.hasAudio = true;
      f.hasVideo = false;
      const scanStart = this.r.position;
      try {
        for (;;) {
          this.sync(scanStart);
          if (this.parseFrameHeader()) break;
        }
      } catch (error) {
        if (!(error instanceof EndOfStream)) throw error;
      }
      this.parseId3v1();
      this.finalizeMpeg();
    } catch (error) {
      if (error instanceof EndOfStream) throw new Decline("file ends inside its headers");
      throw error;
    }
    if (!(typeof f.duration === "number" && Number.isFinite(f.duration) && f.duration > 0)) {
      throw new Decline("no duration without a frame scan");
    }
  }

  // --- MpegParser ---

  private sync(scanStart: number): void {
    const r = this.r;
    const buf = this.syncBuf;
    let gotFirstSync = false;
    for (;;) {
      if (r.position - scanStart > MAX_SYNC_SCAN) throw new Decline("long MPEG sync scan");
      let bo = 0;
      const len = r.peekInto(buf, 1024);
      if (len <= 163) throw new EndOfStream();
      for (;;) {
        if (gotFirstSync && ((buf[bo] ?? 0) & 0xe0) === 0xe0) {
          this.frameHeader[0] = 0xff;
          this.frameHeader[1] = buf[bo] ?? 0;
          r.ignore(bo);
          if (this.syncFrameCount === this.frameCount) {
            this.frameCount = 0;
            this.frameSize = 0;
          }
          this.syncFrameCount = this.frameCount;
          return;
        }
        gotFirstSync = false;
        bo = buf.indexOf(0xff, bo);
        if (bo === -1) {
          if (len < buf.length) throw new EndOfStream();
          r.ignore(len);
          break;
        }
        ++bo;
        gotFirstSync = true;
      }
    }
  }

  private parseFrameHeader(): boolean {
    const r = this.r;
    if (this.frameCount === 0) this.mpegOffset = r.position - 1;
    const tail = r.peekToken(3);
    this.frameHeader.set(tail, 1);
    if (((this.frameHeader[1] ?? 0) & 0x16) === 0x10) throw new Decline("ADTS frame");
    const header = mpegHeader(this.frameHeader);
    if (!header) {
      r.ignore(1);
      return false;
    }
    r.ignore(3);
    const f = this.c.format;
    f.container = "MPEG";
    f.codec = header.codec;
    f.lossless = false;
    f.sampleRate = header.samplingRate;
    this.frameCount++;
    return this.parseMpegFrame(header);
  }

  private parseMpegFrame(header: MpegHeader): boolean {
    const f = this.c.format;
    f.numberOfChannels = header.channels;
    f.bitrate = header.bitrate;
    this.frameSize = header.frameSize;
    this.audioFrameHeader = header;
    this.firstBitrate ??= header.bitrate;
    this.constantBitrate &&= header.bitrate === this.firstBitrate;
    if (this.frameCount === 1) {
      this.offset = 4;
      this.skipSideInformation();
      return false;
    }
    if (this.frameCount === 4) {
      if (this.constantBitrate) {
        this.samplesPerFrame = header.samplesPerFrame;
        f.codecProfile = "CBR";
      }
      return true; // (a file size is known; no full-duration scan requested)
    }
    this.offset = 4;
    if (header.crc) {
      this.r.ignore(2);
      this.offset += 2;
    }
    this.skipSideInformation();
    return false;
  }

  private skipSideInformation(): void {
    const h = this.audioFrameHeader;
    if (!h) return;
    this.r.readBuffer(h.sideInfoLength);
    this.offset += h.sideInfoLength;
    this.readXtraInfoHeader();
  }

  private readXtraInfoHeader(): void {
    const r = this.r;
    const f = this.c.format;
    const tag = ascii(r.readToken(4));
    this.offset += 4;
    switch (tag) {
      case "Info":
        f.codecProfile = "CBR";
        this.readXingInfoHeader();
        return;
      case "Xing": {
        const info = this.readXingInfoHeader();
        if (info.vbrScale !== null) f.codecProfile = `V${Math.floor((100 - info.vbrScale) / 10)}`;
        return;
      }
      case "Xtra":
        break;
      case "LAME": {
        r.readToken(6);
        if (this.frameSize >= this.offset + 6) {
          this.offset += 6;
          this.skipFrameData(this.frameSize - this.offset);
          return;
        }
        break; // "Corrupt LAME header" warning
      }
    }
    const left = this.frameSize - this.offset;
    if (left >= 0) this.skipFrameData(left); // else a warning
  }

  private readXingInfoHeader(): { vbrScale: number | null } {
    const r = this.r;
    const f = this.c.format;
    const start = r.position;
    // XingTag.readXingHeader
    const flags = r.readToken(4)[3] ?? 0;
    let numFrames: number | null = null;
    let streamSize: number | null = null;
    let vbrScale: number | null = null;
    if (flags & 1) numFrames = u32be(r.readToken(4), 0);
    if (flags & 2) streamSize = u32be(r.readToken(4), 0);
    if (flags & 4) r.readBuffer(100);
    if (flags & 8) vbrScale = u32be(r.readToken(4), 0);
    let musicLength: number | undefined;
    if (ascii(r.peekToken(4)) === "LAME") {
      r.ignore(4);
      const version = ascii(r.readToken(5));
      const match = version.match(/\d+.\d+/g);
      if (match !== null) {
        const v = (match[0] as string).split(".").map((n) => Number.parseInt(n, 10));
        if ((v[0] as number) >= 3 && (v[1] as number) >= 90) {
          musicLength = u32be(r.readToken(27), 20);
        }
      }
    }
    this.offset += r.position - start;
    if (musicLength !== undefined) f.duration = musicLength / 1000;
    const h = this.audioFrameHeader;
    if (streamSize && h && numFrames !== null) {
      f.duration = (numFrames * h.samplesPerFrame) / h.samplingRate;
      return { vbrScale };
    }
    const left = this.frameSize - this.offset;
    if (left < 0) throw new Decline("negative MPEG frame data left");
    this.skipFrameData(left);
    return { vbrScale };
  }

  private skipFrameData(left: number): void {
    if (left < 0) throw new Decline("negative MPEG frame data left");
    this.r.ignore(left);
  }

  private finalizeMpeg(): void {
    const f = this.c.format;
    const size = this.r.size;
    const hasId3v1 = !!this.c.native.ID3v1;
    if (this.mpegOffset === null) return;
    if (f.duration && size) {
      const mpegSize = size - this.mpegOffset - (hasId3v1 ? 128 : 0);
      if (f.codecProfile && f.codecProfile[0] === "V") f.bitrate = (mpegSize * 8) / f.duration;
    }
    if (size && f.codecProfile === "CBR") {
      const mpegSize = size - this.mpegOffset - (hasId3v1 ? 128 : 0);
      if (this.samplesPerFrame !== null) {
        const numberOfSamples = Math.round(mpegSize / this.frameSize) * this.samplesPerFrame;
        f.numberOfSamples = numberOfSamples;
        if (f.sampleRate && !f.duration) f.duration = numberOfSamples / f.sampleRate;
      }
    }
  }
}
