/** FLAC: STREAMINFO, VORBIS_COMMENT and PICTURE blocks, then the ID3v1 trailer (FlacParser). */
import { Decline, EndOfStream } from "./errors.ts";
import { Id3Parser } from "./id3.ts";
import { bitAligned, u24be, u32leChecked } from "./reader.ts";
import { ascii, latin1, utf8Decoder } from "./text.ts";
import { flacPicture, VorbisTags } from "./vorbis.ts";

/** FlacParser, an AbstractID3Parser. */
export class FlacParser extends Id3Parser {
  private readonly vorbis = new VorbisTags(this.c, this.includeCovers);

  parseFlacFile(): void {
    try {
      if (this.r.size < 10) throw new Decline("too short");
      if (ascii(this.r.peekToken(3)) === "ID3") throw new Decline("ID3v2 before FLAC");
      this.parseFlac();
      this.parseId3v1();
    } catch (error) {
      if (error instanceof EndOfStream) throw new Decline("truncated FLAC");
      throw error;
    }
  }

  // --- FlacParser ---

  private parseFlac(): void {
    const r = this.r;
    const f = this.c.format;
    if (latin1(r.readToken(4)) !== "fLaC") throw new Decline("not FLAC");
    let last = false;
    let blocks = 0;
    while (!last) {
      const h = r.readToken(4);
      last = ((h[0] ?? 0) & 0x80) !== 0;
      const type = (h[0] ?? 0) & 0x7f;
      const length = u24be(h, 1);
      if (blocks++ === 0 && type !== 0) throw new Decline("FLAC without STREAMINFO first");
      switch (type) {
        case 0: {
          if (length !== 34) throw new Decline("unexpected STREAMINFO length");
          const si = r.readToken(34);
          const sampleRate = u24be(si, 10) >> 4;
          if (!sampleRate) throw new Decline("FLAC sample rate 0");
          f.container = "FLAC";
          f.codec = "FLAC";
          f.hasAudio = true;
          f.lossless = true;
          f.numberOfChannels = bitAligned(si, 12, 4, 3) + 1;
          f.bitsPerSample = bitAligned(si, 12, 7, 5) + 1;
          f.sampleRate = sampleRate;
          const totalSamples = bitAligned(si, 13, 4, 36);
          if (totalSamples > 0) f.duration = totalSamples / sampleRate;
          break;
        }
        case 4:
          this.parseVorbisComments(r.readToken(length));
          break;
        case 6:
          if (!this.includeCovers) this.ignoreExactly(length);
          else this.c.addTag("vorbis", "METADATA_BLOCK_PICTURE", flacPicture(r.readToken(length)));
          break;
        case 1:
        case 2:
        case 3:
        case 5:
          this.ignoreExactly(length);
          break;
        default:
          throw new Decline(`FLAC block type ${type}`);
      }
    }
    if (f.sampleRate === undefined) throw new Decline("FLAC without STREAMINFO");
    if (r.size && f.duration) f.bitrate = (8 * (r.size - r.position)) / f.duration;
  }

  private ignoreExactly(length: number): void {
    if (this.r.ignore(length) < length) throw new Decline("truncated FLAC");
  }

  /** FlacParser.parseComment + VorbisDecoder + VorbisStream.addTag. */
  private parseVorbisComments(data: Uint8Array): void {
    let offset = 0;
    const readString = () => {
      const len = u32leChecked(data, offset);
      offset += 4;
      const value = utf8Decoder.decode(data.subarray(offset, offset + len));
      offset += len;
      return value;
    };
    readString(); // vendor (format.tool)
    const count = u32leChecked(data, offset);
    offset += 4;
    if (count > data.length) throw new Decline("Vorbis comment count larger than the block");
    const tags: [string, string][] = [];
    for (let i = 0; i < count; i++) {
      const v = readString();
      const idx = v.indexOf("=");
      tags.push([v.substring(0, idx).toUpperCase(), v.substring(idx + 1)]);
    }
    for (const [key, value] of tags) this.vorbis.addVorbisTag(key, value);
  }
}
