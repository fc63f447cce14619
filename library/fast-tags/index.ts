/**
 * A fast, strict, dependency-free reader for the common formats: MP3 (ID3v2.3/2.4 + MPEG frame
 * headers + Xing/Info/LAME + ID3v1), FLAC (STREAMINFO, VORBIS_COMMENT, PICTURE, ID3v1) and Ogg
 * Vorbis / Opus (identification and comment headers, duration from the last page read).
 *
 * It produces the same `IAudioMetadata` subset that music-metadata 12 produces for these files —
 * `native` tags, the `common` fields tags.ts reads and the `format` fields it reads — so that
 * `buildTags` (tags.ts) turns either into the same `TrackTags`. It is a synchronous port of the
 * relevant music-metadata code paths (ID3v2Parser, FrameParser, MpegParser, ID3v1Parser,
 * FlacParser, OggParser, VorbisStream, OpusStream, VorbisDecoder, MetadataCollector and the
 * ID3v2.4 / Vorbis / ID3v1 tag maps), quirks included, minus its per-parse setup (parser
 * factory, tag-mapper tables, async reads): several times cheaper (bench/tags.bench.ts).
 *
 * Only what tags.ts reads is computed: all native tags that can reach a `NativeIndex` key, the
 * common fields `buildTags` uses (via a port of MetadataCollector's priority rules), and the
 * format fields `readOpen`/`buildTags` use. Native frames whose common field and native key are
 * both unused (PRIV, POPM, PCNT, W*** links …) are skipped once it is certain that
 * music-metadata cannot fail on them. If buildTags starts reading another field, add it here;
 * the differential test shows which.
 *
 * Strict: anything the port does not cover exactly — ID3v2.2, extended headers, a second ID3v2
 * tag, compressed/encrypted/grouped frames, chapters, GEOB, APEv2 or Lyrics3 trailers, ADTS, a
 * frame scan for duration, a FLAC with an ID3 prefix, Ogg FLAC/Speex, multiplexed Ogg streams,
 * truncated files, anything music-metadata would throw on — is declined (`Decline`), and the
 * caller parses the file with music-metadata.
 * So corrupt files keep music-metadata's error reasons. tests/fast-tags.test.ts checks the two
 * paths give deep-equal `TrackTags` on a generated library plus hostile files.
 *
 * Layout: reader.ts (strtok3-style reads), text.ts (string decoding), tag-maps.ts (music-metadata's
 * tables), collector.ts (MetadataCollector), trailers.ts (APEv2/Lyrics3 check), id3.ts (ID3v2 and
 * ID3v1, the base of mpeg.ts and flac.ts), vorbis.ts (Vorbis comments for flac.ts and ogg.ts).
 */
import type { IAudioMetadata } from "music-metadata";
import type { CachedFileTokenizer } from "../file-tokenizer.ts";
import { Collector } from "./collector.ts";
import { FlacParser } from "./flac.ts";
import { MpegParser } from "./mpeg.ts";
import { OggParser } from "./ogg.ts";
import { Reader } from "./reader.ts";
import { checkAppendingHeaders } from "./trailers.ts";

export { Decline } from "./errors.ts";

export type FastFormat = "mp3" | "flac" | "ogg";

/**
 * Reads the file's metadata the fast way, or throws `Decline`. `tok` is only read from
 * (its position is left alone), so music-metadata can parse the same tokenizer afterwards.
 */
export function fastMetadata(
  tok: CachedFileTokenizer,
  kind: FastFormat,
  includePicture: boolean,
): IAudioMetadata {
  const r = new Reader(tok);
  const c = new Collector();
  if (kind === "mp3") {
    checkAppendingHeaders(r);
    new MpegParser(r, c, includePicture).parseMpegFile();
  } else if (kind === "flac") {
    checkAppendingHeaders(r);
    new FlacParser(r, c, includePicture).parseFlacFile();
  } else {
    // (music-metadata's Ogg parser ignores APEv2 and ID3v1 trailers)
    new OggParser(r, c, includePicture).parseOggFile();
  }
  // What ParserFactory does after the parser.
  if (c.format.hasAudio === undefined) c.format.hasAudio = false;
  if (c.format.hasVideo === undefined) c.format.hasVideo = false;
  return {
    format: c.format,
    native: c.native,
    common: c.common,
    quality: { warnings: [] },
  } as unknown as IAudioMetadata;
}
