/** ID3 tags: the ID3v2 tag in front (ID3v2Parser, FrameParser), the ID3v1 trailer (ID3v1Parser). */
import type { Collector } from "./collector.ts";
import { Decline, FieldDecodingError } from "./errors.ts";
import { type Reader, u32be } from "./reader.ts";
import { GENRES, PICTURE_TYPES } from "./tag-maps.ts";
import {
  ascii,
  decodeOrDecline,
  decodeString,
  encodingOf,
  findZero,
  latin1,
  nullTerminatorLength,
  readNullTerminated,
  trimNullPadding,
} from "./text.ts";

/** AbstractID3Parser: what the MPEG and FLAC parsers share (ID3v2 in front, ID3v1 at the end). */
export class Id3Parser {
  constructor(
    protected readonly r: Reader,
    protected readonly c: Collector,
    protected readonly includeCovers: boolean,
  ) {}

  // --- AbstractID3Parser ---

  protected readId3v2Headers(): void {
    let first = true;
    for (;;) {
      const head = this.r.peekToken(10);
      if (ascii(head.subarray(0, 3)) !== "ID3") return;
      if (!first) throw new Decline("more than one ID3v2 tag");
      first = false;
      this.parseId3v2();
    }
  }

  // --- ID3v2Parser ---

  private parseId3v2(): void {
    const h = this.r.readToken(10);
    const major = ((h[3] ?? 0) << 24) >> 24; // INT8
    const flags = h[5] ?? 0;
    const size =
      ((h[9] ?? 0) & 0x7f) | ((h[8] ?? 0) << 7) | ((h[7] ?? 0) << 14) | ((h[6] ?? 0) << 21);
    if (size > this.r.size - this.r.position) throw new Decline("ID3v2 tag larger than the file");
    if (major !== 3 && major !== 4) throw new Decline(`ID3v2.${major}`);
    if (flags & 0x40) throw new Decline("ID3v2 extended header");
    // (tag-level unsynchronisation is ignored by music-metadata, and so here)
    const data = this.r.readToken(size);
    const headerType = `ID3v2.${major}`;
    const c = this.c;
    let offset = 0;
    while (offset !== data.length) {
      if (offset + 10 > data.length) break; // "Illegal ID3v2 tag length" warning
      const b0 = data[offset] ?? 0;
      if (b0 === 0) {
        // Padding: music-metadata walks it in empty 10-byte "frames" that yield nothing.
        for (let i = offset; i < data.length; i++) {
          if (data[i] !== 0) throw new Decline("garbage after ID3v2 padding");
        }
        break;
      }
      const id = frameId(data, offset);
      if (!id) throw new Decline("invalid ID3v2 frame id");
      const length =
        major === 4
          ? ((data[offset + 7] ?? 0) & 0x7f) |
            ((data[offset + 6] ?? 0) << 7) |
            ((data[offset + 5] ?? 0) << 14) |
            ((data[offset + 4] ?? 0) << 21)
          : u32be(data, offset + 4);
      const format = data[offset + 9] ?? 0;
      offset += 10;
      let frame = data.subarray(offset, offset + length);
      offset += length; // past the end: the loop stops at the length check, as in music-metadata
      if (major === 3) {
        if (format & 0xe0) throw new Decline("compressed, encrypted or grouped ID3v2.3 frame");
      } else {
        if (format & 0x4c) throw new Decline("compressed, encrypted or grouped ID3v2.4 frame");
        if (format & 0x02) frame = removeUnsyncBytes(frame.slice()); // (data may be a view)
        if (format & 0x01) frame = frame.subarray(4);
      }
      const value = this.frameValue(frame, id, major);
      if (!value) continue;
      if (id === "TXXX") {
        const txxx = value as { description: string; text: string[] };
        const key = `TXXX${txxx.description ? `:${txxx.description}` : ""}`;
        for (const v of txxx.text) c.addTag(headerType, key, v);
      } else if (Array.isArray(value)) {
        for (const v of value) c.addTag(headerType, id, v);
      } else {
        c.addTag(headerType, id, value);
      }
    }
  }

  /** FrameParser.readData: the native value, or undefined / [] / 0 / "" for none. */
  private frameValue(b: Uint8Array, type: string, major: number): unknown {
    if (b.length === 0) return undefined;
    const encoding = encodingOf(b[0]);
    const kind = type !== "TXXX" && type[0] === "T" ? "T*" : type;
    switch (kind) {
      case "T*":
      case "GRP1":
      case "IPLS":
      case "MVIN":
      case "MVNM":
      case "PCST": {
        let text: string;
        try {
          text = trimNullPadding(decodeString(b.subarray(1), encoding));
        } catch (error) {
          if (error instanceof FieldDecodingError) return undefined; // a warning in music-metadata
          throw error;
        }
        switch (type) {
          case "TMCL":
          case "TIPL":
          case "IPLS":
            return functionList(splitValue(major, type, text));
          case "TRCK":
          case "TPOS":
          case "TIT1":
          case "TIT2":
          case "TIT3":
            return text;
          case "TCOM":
          case "TEXT":
          case "TOLY":
          case "TOPE":
          case "TPE1":
          case "TSRC":
            return splitValue(major, type, text);
          case "TCON":
            return splitValue(major, type, text).flatMap(parseGenre);
          case "PCST": {
            const out = major >= 4 ? splitValue(major, type, text) : [text];
            return out[0] === "" ? 1 : 0;
          }
          default:
            return major >= 4 ? splitValue(major, type, text) : [text];
        }
      }
      case "TXXX": {
        const id = readNullTerminated(b.subarray(1), encoding);
        const data = b.subarray(1).subarray(id.len);
        return {
          description: id.text,
          text: splitValue(major, type, trimNullPadding(decodeOrDecline(data, encoding))),
        };
      }
      case "APIC": {
        if (!this.includeCovers) return undefined;
        let rest = b.subarray(1);
        let zero = findZero(rest, "latin1");
        let format = decodeString(rest.subarray(0, zero), "latin1");
        rest = rest.subarray(zero + 1);
        format = format.toLocaleLowerCase();
        if (format === "jpg") format = "image/jpeg";
        else if (format === "png") format = "image/png";
        const pictureType = PICTURE_TYPES[rest[0] as number];
        rest = rest.subarray(1);
        zero = findZero(rest, encoding);
        const description = decodeOrDecline(rest.subarray(0, zero), encoding);
        rest = rest.subarray(zero + nullTerminatorLength(encoding));
        return { format, type: pictureType, description, data: rest.slice() };
      }
      case "SYLT": {
        if (b.length < 6) throw new Decline("short SYLT frame");
        const result = {
          descriptor: "",
          language: latin1(b.subarray(1, 4)),
          contentType: b[5] as number,
          timeStampFormat: b[4] as number,
          syncText: [] as { text: string; timestamp: number }[],
        };
        let rest = b.subarray(6);
        let syllables = false;
        while (rest.length > 0) {
          const s = readNullTerminated(rest, encoding);
          rest = rest.subarray(s.len);
          if (syllables) {
            if (rest.length < 4) throw new Decline("short SYLT entry");
            const timestamp = u32be(rest, 0);
            rest = rest.subarray(4);
            result.syncText.push({ text: s.text, timestamp });
          } else {
            result.descriptor = s.text;
            syllables = true;
          }
        }
        return result;
      }
      case "USLT":
      case "COMM": {
        const language = latin1(b.subarray(1, 4));
        let offset = 4;
        const descriptor = readNullTerminated(b.subarray(offset), encoding);
        offset += descriptor.len;
        const text = readNullTerminated(b.subarray(offset), encoding);
        return { language, descriptor: descriptor.text, text: text.text };
      }
      case "UFID": {
        const id = readNullTerminated(b, "latin1");
        return { owner_identifier: id.text, identifier: b.slice(id.len) };
      }
      // Frames with no bearing on TrackTags (their common tags and native keys are not read) and
      // that cannot fail in music-metadata: skipped.
      case "PRIV":
      case "POPM":
      case "PCNT":
      case "MCDI":
      case "WCOM":
      case "WCOP":
      case "WOAF":
      case "WOAR":
      case "WOAS":
      case "WORS":
      case "WPAY":
      case "WPUB":
        return undefined;
      case "WXXX": {
        const enc = encodingOf(b[0]);
        readNullTerminated(b.subarray(1), enc); // may fail in music-metadata
        return undefined;
      }
      case "WFED": {
        readNullTerminated(b.subarray(1), encodingOf(b[0]));
        return undefined;
      }
      case "GEOB":
      case "CHAP":
      case "CTOC":
        throw new Decline(`ID3v2 ${type} frame`);
      default:
        return undefined; // unsupported by music-metadata: no tag
    }
  }

  // --- ID3v1Parser ---

  protected parseId3v1(): void {
    const r = this.r;
    if (!r.size) return;
    const offset = r.size - 128;
    if (r.position > offset) return;
    const b = r.readToken(128, offset);
    if (!(b[0] === 0x54 && b[1] === 0x41 && b[2] === 0x47)) return;
    const hasTrack = b[125] === 0 && b[126] !== 0;
    const field = (at: number, len: number) => {
      let v = latin1(b.subarray(at, at + len));
      const zero = v.indexOf("\0");
      if (zero !== -1) v = v.substring(0, zero);
      v = v.trim();
      return v.length > 0 ? v : undefined;
    };
    const values: [string, unknown][] = [
      ["title", field(3, 30)],
      ["artist", field(33, 30)],
      ["album", field(63, 30)],
      ["comment", field(97, hasTrack ? 28 : 30)],
      ["track", hasTrack ? b[126] : undefined],
      ["year", field(93, 4)],
    ];
    for (const [id, value] of values) if (value && value !== "") this.c.addTag("ID3v1", id, value);
    const genre = GENRES[b[127] as number];
    if (genre) this.c.addTag("ID3v1", "genre", genre);
  }
}

/** A well-formed frame id ([A-Z0-9]{4}), or undefined. */
function frameId(b: Uint8Array, at: number): string | undefined {
  let id = "";
  for (let i = at; i < at + 4; i++) {
    const x = b[i] ?? 0;
    if (!((x >= 0x41 && x <= 0x5a) || (x >= 0x30 && x <= 0x39))) return undefined;
    id += String.fromCharCode(x);
  }
  return id;
}

function removeUnsyncBytes(buffer: Uint8Array): Uint8Array {
  let readI = 0;
  let writeI = 0;
  while (readI < buffer.length - 1) {
    if (readI !== writeI) buffer[writeI] = buffer[readI] ?? 0;
    readI += buffer[readI] === 0xff && buffer[readI + 1] === 0 ? 2 : 1;
    writeI++;
  }
  if (readI < buffer.length) buffer[writeI++] = buffer[readI] ?? 0;
  return buffer.subarray(0, writeI);
}

const V23_SLASH_FRAMES = new Set([
  "TPE1",
  "TPE2",
  "TPE3",
  "TPE4",
  "TCOM",
  "TEXT",
  "TOLY",
  "TOPE",
  "TP1",
  "TCM",
  "TXT",
  "TOA",
  "TOL",
  "TXXX",
  "TSRC",
  "IPLS",
]);

/** FrameParser.splitValue + trimArray. */
function splitValue(major: number, tag: string, text: string): string[] {
  let values = text.split("\u0000");
  if (major < 4 && values.length === 1 && V23_SLASH_FRAMES.has(tag)) values = text.split("/");
  return values.map((v) => trimNullPadding(v).trim());
}

function functionList(entries: string[]): Record<string, string[]> {
  const res: Record<string, string[]> = {};
  for (let i = 0; i + 1 < entries.length; i += 2) {
    const names = (entries[i + 1] as string).split(",");
    const key = entries[i] as string;
    res[key] = res[key] ? (res[key] as string[]).concat(names) : names;
  }
  return res;
}

/** FrameParser's parseGenre. */
function parseGenre(origVal: string): string[] {
  const genres: string[] = [];
  let code: string | undefined;
  let word = "";
  for (const c of origVal) {
    if (typeof code === "string") {
      if (c === "(" && code === "") {
        word += "(";
        code = undefined;
      } else if (c === ")") {
        if (word !== "") {
          genres.push(word);
          word = "";
        }
        const genre = parseGenreCode(code);
        if (genre) genres.push(genre);
        code = undefined;
      } else {
        code += c;
      }
    } else if (c === "(") {
      code = "";
    } else {
      word += c;
    }
  }
  if (word) {
    if (genres.length === 0 && /^\d*$/.test(word)) word = parseGenreCode(word) as string;
    if (word) genres.push(word);
  }
  return genres;
}

function parseGenreCode(code: string): string | undefined {
  if (code === "RX") return "Remix";
  if (code === "CR") return "Cover";
  if (/^\d*$/.test(code)) return GENRES[Number.parseInt(code, 10)];
  return undefined;
}
