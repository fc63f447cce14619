/** Vorbis comments, shared by FLAC and Ogg: VorbisStream.addTag and VorbisPictureToken. */
import type { Collector } from "./collector.ts";
import { Decline } from "./errors.ts";
import { u32beChecked } from "./reader.ts";
import { PICTURE_TYPES } from "./tag-maps.ts";
import { utf8Decoder } from "./text.ts";

/** VorbisStream's tag handling (music-metadata's FlacParser uses a VorbisStream too). */
export class VorbisTags {
  constructor(
    private readonly c: Collector,
    private readonly includeCovers: boolean,
  ) {}

  /** VorbisStream.addTag. */
  addVorbisTag(key: string, value: string): void {
    if (key === "METADATA_BLOCK_PICTURE") {
      if (!this.includeCovers) return;
      let bytes: Uint8Array;
      try {
        bytes = Uint8Array.from(atob(value), (ch) => ch.charCodeAt(0));
      } catch {
        throw new Decline("invalid base64 picture");
      }
      this.c.addTag("vorbis", key, flacPicture(bytes));
    } else {
      this.c.addTag("vorbis", key, value);
    }
  }
}

/** VorbisPictureToken.get. */
export function flacPicture(b: Uint8Array): unknown {
  let o = 0;
  const type = PICTURE_TYPES[u32beChecked(b, o)];
  o += 4;
  const mimeLen = u32beChecked(b, o);
  o += 4;
  const format = utf8Decoder.decode(b.subarray(o, o + mimeLen));
  o += mimeLen;
  const descLen = u32beChecked(b, o);
  o += 4;
  const description = utf8Decoder.decode(b.subarray(o, o + descLen));
  o += descLen;
  const width = u32beChecked(b, o);
  const height = u32beChecked(b, o + 4);
  const colour_depth = u32beChecked(b, o + 8);
  const indexed_color = u32beChecked(b, o + 12);
  const length = u32beChecked(b, o + 16);
  o += 20;
  return {
    type,
    format,
    description,
    width,
    height,
    colour_depth,
    indexed_color,
    data: b.slice(o, o + length),
  };
}
