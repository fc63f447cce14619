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
 */
import type { IAudioMetadata } from "music-metadata";
import type { CachedFileTokenizer } from "./file-tokenizer.ts";

/** The fast path does not take this file; music-metadata reads it instead. */
export class Decline extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "Decline";
  }
}

/** strtok3's EndOfStreamError, inside the port. */
class EndOfStream extends Error {}
/** music-metadata's FieldDecodingError (odd-length UTF-16). */
class FieldDecodingError extends Error {}

type Common = Record<string, unknown>;
type NativeTag = { id: string; value: unknown };

interface Format {
  tagTypes: string[];
  trackInfo: unknown[];
  container?: string;
  codec?: string;
  codecProfile?: string;
  lossless?: boolean;
  hasAudio?: boolean;
  hasVideo?: boolean;
  sampleRate?: number;
  numberOfChannels?: number;
  bitsPerSample?: number;
  bitrate?: number;
  duration?: number;
  numberOfSamples?: number;
  tool?: string;
}

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
  const p = new ParseState(r, c, includePicture);
  if (kind === "mp3") {
    checkAppendingHeaders(r);
    p.parseMpegFile();
  } else if (kind === "flac") {
    checkAppendingHeaders(r);
    p.parseFlacFile();
  } else {
    p.parseOggFile(); // (music-metadata's Ogg parser ignores APEv2 and ID3v1 trailers)
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

// --- reading --------------------------------------------------------------------------------------

/** tags.ts gives music-metadata's tokenizer this cap (MAX_BUFFER); larger reads fail there. */
const MAX_TOKEN = 256 << 20;

/** strtok3's tokenizer semantics over the cached file tokenizer, synchronously. */
class Reader {
  position = 0;
  readonly size: number;
  constructor(private readonly tok: CachedFileTokenizer) {
    this.size = tok.fileInfo.size;
  }

  private fill(target: Uint8Array, position: number, length: number): number {
    return this.tok.readAt(target, position, length);
  }

  /** `readToken`: all of it or EndOfStream before anything moves. Read-only (may be a view). */
  readToken(length: number, position = this.position): Uint8Array {
    if (length > MAX_TOKEN) throw new Decline("token larger than music-metadata's buffer cap");
    if (length > this.size - position) throw new EndOfStream();
    let b = this.tok.view(position, length);
    if (!b) {
      b = new Uint8Array(length);
      if (this.fill(b, position, length) < length) throw new Decline("file shrank while reading");
    }
    this.position = position + length;
    return b;
  }

  /** `peekToken` / `peekBuffer` without mayBeLess: all of it or EndOfStream; nothing moves. */
  peekToken(length: number, position = this.position): Uint8Array {
    const b = new Uint8Array(length);
    if (this.fill(b, position, length) < length) throw new EndOfStream();
    return b;
  }

  /** `peekBuffer` with mayBeLess: into `target`, returns the count (the rest of target is stale). */
  peekInto(target: Uint8Array, length: number): number {
    return this.fill(target, this.position, length);
  }

  /** `readBuffer` without mayBeLess: the position moves by what was read, then EndOfStream. */
  readBuffer(length: number): Uint8Array {
    const b = new Uint8Array(length);
    const n = this.fill(b, this.position, length);
    this.position += n;
    if (n < length) throw new EndOfStream();
    return b;
  }

  /** `ignore`: clamped at the end of the file. */
  ignore(length: number): number {
    const left = Math.max(0, this.size - this.position);
    if (length > left) {
      this.position += left;
      return left;
    }
    this.position += length;
    return length;
  }
}

const u24be = (b: Uint8Array, o: number) =>
  ((b[o] ?? 0) << 16) | ((b[o + 1] ?? 0) << 8) | (b[o + 2] ?? 0);
const u32be = (b: Uint8Array, o: number) => (((b[o] ?? 0) << 24) >>> 0) + u24be(b, o + 1);
const u32le = (b: Uint8Array, o: number) =>
  (((b[o + 3] ?? 0) << 24) >>> 0) + ((b[o + 2] ?? 0) << 16) + ((b[o + 1] ?? 0) << 8) + (b[o] ?? 0);

/** token-types' UINT32_LE on a data view: RangeError (here: Decline) past the end. */
function u32leChecked(b: Uint8Array, o: number): number {
  if (o < 0 || o + 4 > b.length) throw new Decline("read past the end of a block");
  return u32le(b, o);
}
function u32beChecked(b: Uint8Array, o: number): number {
  if (o < 0 || o + 4 > b.length) throw new Decline("read past the end of a block");
  return u32be(b, o);
}

/** music-metadata's getBitAllignedNumber, 32-bit shift quirks included. */
function bitAligned(
  source: Uint8Array,
  byteOffset: number,
  bitOffset: number,
  len: number,
): number {
  const byteOff = byteOffset + ~~(bitOffset / 8);
  const bitOff = bitOffset % 8;
  const value = (source[byteOff] ?? 0) & (0xff >> bitOff);
  const bitsLeft = len + bitOff - 8;
  if (bitsLeft <= 0) return value >> -bitsLeft;
  return (value << bitsLeft) | bitAligned(source, byteOff + 1, 0, bitsLeft);
}

// --- text (music-metadata's Util.decodeString over @borewit/text-codec) ---------------------------

type Encoding = "latin1" | "utf8" | "utf-16le" | "utf-16be";

const utf8Decoder = new TextDecoder("utf-8");

function fromCodes(codes: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < codes.length; i += 8192) {
    s += String.fromCharCode.apply(
      null,
      (codes as number[]).slice ? (codes as number[]).slice(i, i + 8192) : Array.from(codes),
    );
  }
  return s;
}

function latin1(b: Uint8Array): string {
  if (b.length <= 8192) return String.fromCharCode.apply(null, b as unknown as number[]);
  let s = "";
  for (let i = 0; i < b.length; i += 8192) {
    s += String.fromCharCode.apply(null, b.subarray(i, i + 8192) as unknown as number[]);
  }
  return s;
}

function ascii(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x & 0x7f);
  return s;
}

/** @borewit/text-codec's decodeUTF16LE (the same as WHATWG's utf-16le decoder). */
function utf16le(b: Uint8Array): string {
  const len = b.length;
  let i = 0;
  if (len >= 2 && b[0] === 0xff && b[1] === 0xfe) i = 2;
  const out: number[] = [];
  while (i + 1 < len) {
    const u1 = (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
    i += 2;
    if (u1 >= 0xd800 && u1 <= 0xdbff) {
      if (i + 1 < len) {
        const u2 = (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
        if (u2 >= 0xdc00 && u2 <= 0xdfff) {
          out.push(u1, u2);
          i += 2;
        } else out.push(0xfffd);
      } else out.push(0xfffd);
      continue;
    }
    if (u1 >= 0xdc00 && u1 <= 0xdfff) {
      out.push(0xfffd);
      continue;
    }
    out.push(u1);
  }
  if (i < len) out.push(0xfffd);
  return fromCodes(out);
}

function textDecode(b: Uint8Array, encoding: Encoding): string {
  switch (encoding) {
    case "latin1":
      return latin1(b);
    case "utf-16le":
      return utf16le(b);
    default:
      return utf8Decoder.decode(b);
  }
}

function swapped(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i + 1 < b.length; i += 2) {
    out[i] = b[i + 1] ?? 0;
    out[i + 1] = b[i] ?? 0;
  }
  return out;
}

function decodeString(b: Uint8Array, encoding: Encoding): string {
  // (music-metadata swaps UTF-16 bytes in place; the bytes are not read again, so a copy is the same)
  if (b[0] === 0xff && b[1] === 0xfe) return decodeString(b.subarray(2), encoding);
  if (encoding === "utf-16le" && b[0] === 0xfe && b[1] === 0xff) {
    if (b.length & 1) throw new FieldDecodingError("odd UTF-16 length");
    return decodeString(swapped(b), encoding);
  }
  if (encoding === "utf-16be") {
    if (b.length & 1) throw new FieldDecodingError("odd UTF-16 length");
    return utf16le(swapped(b));
  }
  return textDecode(b, encoding);
}

/** decodeString where music-metadata does not catch its error: the parse would fail. */
function decodeOrDecline(b: Uint8Array, encoding: Encoding): string {
  try {
    return decodeString(b, encoding);
  } catch (error) {
    if (error instanceof FieldDecodingError) throw new Decline("undecodable UTF-16 field");
    throw error;
  }
}

function findZero(b: Uint8Array, encoding: Encoding): number {
  const len = b.length;
  if (encoding === "utf-16le" || encoding === "utf-16be") {
    for (let i = 0; i + 1 < len; i += 2) if (b[i] === 0 && b[i + 1] === 0) return i;
    return len;
  }
  const i = b.indexOf(0);
  return i === -1 ? len : i;
}

function nullTerminatorLength(encoding: Encoding): number {
  return encoding === "utf-16le" || encoding === "utf-16be" ? 2 : 1;
}

/** FrameParser.readNullTerminatedString; throws Decline where music-metadata would throw. */
function readNullTerminated(b: Uint8Array, encoding: Encoding): { text: string; len: number } {
  const zero = findZero(b, encoding);
  if (zero >= b.length) return { text: decodeOrDecline(b, encoding), len: b.length };
  return {
    text: decodeOrDecline(b.subarray(0, zero), encoding),
    len: zero + nullTerminatorLength(encoding),
  };
}

function trimNullPadding(value: string): string {
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 0) end--;
  return end === value.length ? value : value.slice(0, end);
}

function encodingOf(byte: number | undefined): Encoding {
  switch (byte) {
    case 0:
      return "latin1";
    case 1:
      return "utf-16le";
    case 2:
      return "utf-16be";
    default:
      return "utf8";
  }
}

// --- tables copied from music-metadata 12 ---------------------------------------------------------

const GENRES = [
  "Blues",
  "Classic Rock",
  "Country",
  "Dance",
  "Disco",
  "Funk",
  "Grunge",
  "Hip-Hop",
  "Jazz",
  "Metal",
  "New Age",
  "Oldies",
  "Other",
  "Pop",
  "R&B",
  "Rap",
  "Reggae",
  "Rock",
  "Techno",
  "Industrial",
  "Alternative",
  "Ska",
  "Death Metal",
  "Pranks",
  "Soundtrack",
  "Euro-Techno",
  "Ambient",
  "Trip-Hop",
  "Vocal",
  "Jazz+Funk",
  "Fusion",
  "Trance",
  "Classical",
  "Instrumental",
  "Acid",
  "House",
  "Game",
  "Sound Clip",
  "Gospel",
  "Noise",
  "Alt. Rock",
  "Bass",
  "Soul",
  "Punk",
  "Space",
  "Meditative",
  "Instrumental Pop",
  "Instrumental Rock",
  "Ethnic",
  "Gothic",
  "Darkwave",
  "Techno-Industrial",
  "Electronic",
  "Pop-Folk",
  "Eurodance",
  "Dream",
  "Southern Rock",
  "Comedy",
  "Cult",
  "Gangsta Rap",
  "Top 40",
  "Christian Rap",
  "Pop/Funk",
  "Jungle",
  "Native American",
  "Cabaret",
  "New Wave",
  "Psychedelic",
  "Rave",
  "Showtunes",
  "Trailer",
  "Lo-Fi",
  "Tribal",
  "Acid Punk",
  "Acid Jazz",
  "Polka",
  "Retro",
  "Musical",
  "Rock & Roll",
  "Hard Rock",
  "Folk",
  "Folk/Rock",
  "National Folk",
  "Swing",
  "Fast-Fusion",
  "Bebob",
  "Latin",
  "Revival",
  "Celtic",
  "Bluegrass",
  "Avantgarde",
  "Gothic Rock",
  "Progressive Rock",
  "Psychedelic Rock",
  "Symphonic Rock",
  "Slow Rock",
  "Big Band",
  "Chorus",
  "Easy Listening",
  "Acoustic",
  "Humour",
  "Speech",
  "Chanson",
  "Opera",
  "Chamber Music",
  "Sonata",
  "Symphony",
  "Booty Bass",
  "Primus",
  "Porn Groove",
  "Satire",
  "Slow Jam",
  "Club",
  "Tango",
  "Samba",
  "Folklore",
  "Ballad",
  "Power Ballad",
  "Rhythmic Soul",
  "Freestyle",
  "Duet",
  "Punk Rock",
  "Drum Solo",
  "A Cappella",
  "Euro-House",
  "Dance Hall",
  "Goa",
  "Drum & Bass",
  "Club-House",
  "Hardcore",
  "Terror",
  "Indie",
  "BritPop",
  "Negerpunk",
  "Polsk Punk",
  "Beat",
  "Christian Gangsta Rap",
  "Heavy Metal",
  "Black Metal",
  "Crossover",
  "Contemporary Christian",
  "Christian Rock",
  "Merengue",
  "Salsa",
  "Thrash Metal",
  "Anime",
  "JPop",
  "Synthpop",
  "Abstract",
  "Art Rock",
  "Baroque",
  "Bhangra",
  "Big Beat",
  "Breakbeat",
  "Chillout",
  "Downtempo",
  "Dub",
  "EBM",
  "Eclectic",
  "Electro",
  "Electroclash",
  "Emo",
  "Experimental",
  "Garage",
  "Global",
  "IDM",
  "Illbient",
  "Industro-Goth",
  "Jam Band",
  "Krautrock",
  "Leftfield",
  "Lounge",
  "Math Rock",
  "New Romantic",
  "Nu-Breakz",
  "Post-Punk",
  "Post-Rock",
  "Psytrance",
  "Shoegaze",
  "Space Rock",
  "Trop Rock",
  "World Music",
  "Neoclassical",
  "Audiobook",
  "Audio Theatre",
  "Neue Deutsche Welle",
  "Podcast",
  "Indie Rock",
  "G-Funk",
  "Dubstep",
  "Garage Rock",
  "Psybient",
];

const PICTURE_TYPES: Record<number, string> = {
  0: "Other",
  1: "32x32 pixels 'file icon' (PNG only)",
  2: "Other file icon",
  3: "Cover (front)",
  4: "Cover (back)",
  5: "Leaflet page",
  6: "Media (e.g. label side of CD)",
  7: "Lead artist/lead performer/soloist",
  8: "Artist/performer",
  9: "Conductor",
  10: "Band/Orchestra",
  11: "Composer",
  12: "Lyricist/text writer",
  13: "Recording Location",
  14: "During recording",
  15: "During performance",
  16: "Movie/video screen capture",
  17: "A bright coloured fish",
  18: "Illustration",
  19: "Band/artist logotype",
  20: "Publisher/Studio logotype",
};

/** ID3v2.3/2.4 frame (or "TXXX:description") → common tag; looked up in upper case. */
const ID3V24_MAP = upperKeys({
  TIT2: "title",
  TPE1: "artist",
  "TXXX:Artists": "artists",
  TPE2: "albumartist",
  TALB: "album",
  TDRV: "date",
  TORY: "originalyear",
  TPOS: "disk",
  TCON: "genre",
  APIC: "picture",
  TCOM: "composer",
  USLT: "lyrics",
  TSOA: "albumsort",
  TSOT: "titlesort",
  TOAL: "originalalbum",
  TSOP: "artistsort",
  TSO2: "albumartistsort",
  TSOC: "composersort",
  TEXT: "lyricist",
  "TXXX:Writer": "writer",
  TPE3: "conductor",
  TPE4: "remixer",
  "IPLS:arranger": "arranger",
  "IPLS:engineer": "engineer",
  "IPLS:producer": "producer",
  "IPLS:DJ-mix": "djmixer",
  "IPLS:mix": "mixer",
  TPUB: "label",
  TIT1: "grouping",
  TIT3: "subtitle",
  TRCK: "track",
  TCMP: "compilation",
  POPM: "rating",
  TBPM: "bpm",
  TMED: "media",
  "TXXX:CATALOGNUMBER": "catalognumber",
  "TXXX:MusicBrainz Album Status": "releasestatus",
  "TXXX:MusicBrainz Album Type": "releasetype",
  "TXXX:MusicBrainz Album Release Country": "releasecountry",
  "TXXX:RELEASECOUNTRY": "releasecountry",
  "TXXX:SCRIPT": "script",
  TLAN: "language",
  TCOP: "copyright",
  WCOP: "license",
  TENC: "encodedby",
  TSSE: "encodersettings",
  "TXXX:BARCODE": "barcode",
  "TXXX:ISRC": "isrc",
  TSRC: "isrc",
  "TXXX:ASIN": "asin",
  "TXXX:originalyear": "originalyear",
  "UFID:http://musicbrainz.org": "musicbrainz_recordingid",
  "TXXX:MusicBrainz Release Track Id": "musicbrainz_trackid",
  "TXXX:MusicBrainz Album Id": "musicbrainz_albumid",
  "TXXX:MusicBrainz Artist Id": "musicbrainz_artistid",
  "TXXX:MusicBrainz Album Artist Id": "musicbrainz_albumartistid",
  "TXXX:MusicBrainz Release Group Id": "musicbrainz_releasegroupid",
  "TXXX:MusicBrainz Work Id": "musicbrainz_workid",
  "TXXX:MusicBrainz TRM Id": "musicbrainz_trmid",
  "TXXX:MusicBrainz Disc Id": "musicbrainz_discid",
  "TXXX:ACOUSTID_ID": "acoustid_id",
  "TXXX:Acoustid Id": "acoustid_id",
  "TXXX:Acoustid Fingerprint": "acoustid_fingerprint",
  "TXXX:MusicIP PUID": "musicip_puid",
  "TXXX:MusicMagic Fingerprint": "musicip_fingerprint",
  WOAR: "website",
  TDRC: "date",
  TYER: "year",
  TDOR: "originaldate",
  "TIPL:arranger": "arranger",
  "TIPL:engineer": "engineer",
  "TIPL:producer": "producer",
  "TIPL:DJ-mix": "djmixer",
  "TIPL:mix": "mixer",
  TMOO: "mood",
  SYLT: "lyrics",
  TSST: "discsubtitle",
  TKEY: "key",
  COMM: "comment",
  TOPE: "originalartist",
  "PRIV:AverageLevel": "averageLevel",
  "PRIV:PeakLevel": "peakLevel",
  "TXXX:DISCOGS_ARTIST_ID": "discogs_artist_id",
  "TXXX:DISCOGS_ARTISTS": "artists",
  "TXXX:DISCOGS_ARTIST_NAME": "artists",
  "TXXX:DISCOGS_ALBUM_ARTISTS": "albumartist",
  "TXXX:DISCOGS_CATALOG": "catalognumber",
  "TXXX:DISCOGS_COUNTRY": "releasecountry",
  "TXXX:DISCOGS_DATE": "originaldate",
  "TXXX:DISCOGS_LABEL": "label",
  "TXXX:DISCOGS_LABEL_ID": "discogs_label_id",
  "TXXX:DISCOGS_MASTER_RELEASE_ID": "discogs_master_release_id",
  "TXXX:DISCOGS_RATING": "discogs_rating",
  "TXXX:DISCOGS_RELEASED": "date",
  "TXXX:DISCOGS_RELEASE_ID": "discogs_release_id",
  "TXXX:DISCOGS_VOTES": "discogs_votes",
  "TXXX:CATALOGID": "catalognumber",
  "TXXX:STYLE": "genre",
  "TXXX:REPLAYGAIN_TRACK_PEAK": "replaygain_track_peak",
  "TXXX:REPLAYGAIN_TRACK_GAIN": "replaygain_track_gain",
  "TXXX:REPLAYGAIN_ALBUM_PEAK": "replaygain_album_peak",
  "TXXX:REPLAYGAIN_ALBUM_GAIN": "replaygain_album_gain",
  "TXXX:MP3GAIN_MINMAX": "replaygain_track_minmax",
  "TXXX:MP3GAIN_ALBUM_MINMAX": "replaygain_album_minmax",
  "TXXX:MP3GAIN_UNDO": "replaygain_undo",
  MVNM: "movement",
  MVIN: "movementIndex",
  PCST: "podcast",
  TCAT: "category",
  TDES: "description",
  TDRL: "releasedate",
  TGID: "podcastId",
  TKWD: "keywords",
  WFED: "podcasturl",
  GRP1: "grouping",
  PCNT: "playCounter",
});

/** Vorbis comment field (upper case, as the decoder makes it) → common tag; case-sensitive. */
const VORBIS_MAP = new Map(
  Object.entries({
    TITLE: "title",
    ARTIST: "artist",
    ARTISTS: "artists",
    ALBUMARTIST: "albumartist",
    "ALBUM ARTIST": "albumartist",
    ALBUM: "album",
    DATE: "date",
    ORIGINALDATE: "originaldate",
    ORIGINALYEAR: "originalyear",
    RELEASEDATE: "releasedate",
    COMMENT: "comment",
    DESCRIPTION: "comment",
    TRACKNUMBER: "track",
    DISCNUMBER: "disk",
    GENRE: "genre",
    METADATA_BLOCK_PICTURE: "picture",
    COMPOSER: "composer",
    LYRICS: "lyrics",
    UNSYNCEDLYRICS: "lyrics",
    ALBUMSORT: "albumsort",
    TITLESORT: "titlesort",
    WORK: "work",
    ARTISTSORT: "artistsort",
    ALBUMARTISTSORT: "albumartistsort",
    COMPOSERSORT: "composersort",
    LYRICIST: "lyricist",
    WRITER: "writer",
    CONDUCTOR: "conductor",
    REMIXER: "remixer",
    ARRANGER: "arranger",
    ENGINEER: "engineer",
    PRODUCER: "producer",
    DJMIXER: "djmixer",
    MIXER: "mixer",
    LABEL: "label",
    ORGANIZATION: "label",
    PUBLISHER: "label",
    GROUPING: "grouping",
    SUBTITLE: "subtitle",
    DISCSUBTITLE: "discsubtitle",
    TRACKTOTAL: "totaltracks",
    DISCTOTAL: "totaldiscs",
    COMPILATION: "compilation",
    RATING: "rating",
    BPM: "bpm",
    KEY: "key",
    MOOD: "mood",
    MEDIA: "media",
    CATALOGNUMBER: "catalognumber",
    RELEASESTATUS: "releasestatus",
    RELEASETYPE: "releasetype",
    RELEASECOUNTRY: "releasecountry",
    SCRIPT: "script",
    LANGUAGE: "language",
    COPYRIGHT: "copyright",
    LICENSE: "license",
    ENCODEDBY: "encodedby",
    ENCODERSETTINGS: "encodersettings",
    BARCODE: "barcode",
    ISRC: "isrc",
    ASIN: "asin",
    MUSICBRAINZ_TRACKID: "musicbrainz_recordingid",
    MUSICBRAINZ_RELEASETRACKID: "musicbrainz_trackid",
    MUSICBRAINZ_ALBUMID: "musicbrainz_albumid",
    MUSICBRAINZ_ARTISTID: "musicbrainz_artistid",
    MUSICBRAINZ_ALBUMARTISTID: "musicbrainz_albumartistid",
    MUSICBRAINZ_RELEASEGROUPID: "musicbrainz_releasegroupid",
    MUSICBRAINZ_WORKID: "musicbrainz_workid",
    MUSICBRAINZ_TRMID: "musicbrainz_trmid",
    MUSICBRAINZ_DISCID: "musicbrainz_discid",
    ACOUSTID_ID: "acoustid_id",
    ACOUSTID_ID_FINGERPRINT: "acoustid_fingerprint",
    MUSICIP_PUID: "musicip_puid",
    WEBSITE: "website",
    NOTES: "notes",
    TOTALTRACKS: "totaltracks",
    TOTALDISCS: "totaldiscs",
    DISCOGS_ARTIST_ID: "discogs_artist_id",
    DISCOGS_ARTISTS: "artists",
    DISCOGS_ARTIST_NAME: "artists",
    DISCOGS_ALBUM_ARTISTS: "albumartist",
    DISCOGS_CATALOG: "catalognumber",
    DISCOGS_COUNTRY: "releasecountry",
    DISCOGS_DATE: "originaldate",
    DISCOGS_LABEL: "label",
    DISCOGS_LABEL_ID: "discogs_label_id",
    DISCOGS_MASTER_RELEASE_ID: "discogs_master_release_id",
    DISCOGS_RATING: "discogs_rating",
    DISCOGS_RELEASED: "date",
    DISCOGS_RELEASE_ID: "discogs_release_id",
    DISCOGS_VOTES: "discogs_votes",
    CATALOGID: "catalognumber",
    STYLE: "genre",
    REPLAYGAIN_TRACK_GAIN: "replaygain_track_gain",
    REPLAYGAIN_TRACK_PEAK: "replaygain_track_peak",
    REPLAYGAIN_ALBUM_GAIN: "replaygain_album_gain",
    REPLAYGAIN_ALBUM_PEAK: "replaygain_album_peak",
    REPLAYGAIN_MINMAX: "replaygain_track_minmax",
    REPLAYGAIN_ALBUM_MINMAX: "replaygain_album_minmax",
    REPLAYGAIN_UNDO: "replaygain_undo",
  }),
);

const ID3V1_MAP = new Map(
  ["title", "artist", "album", "year", "comment", "track", "genre"].map((k) => [k, k]),
);

function upperKeys(map: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(map).map(([k, v]) => [k.toUpperCase(), v]));
}

/** GenericTagTypes: [multiple, unique]; absent = singleton. */
const LIST_TAGS: Record<string, [boolean, boolean]> = {
  artists: [true, true],
  albumartists: [true, true],
  comment: [true, false],
  genre: [true, true],
  picture: [true, true],
  composer: [true, true],
  lyrics: [true, false],
  lyricist: [true, true],
  writer: [true, true],
  conductor: [true, true],
  remixer: [true, true],
  arranger: [true, true],
  engineer: [true, true],
  producer: [true, true],
  technician: [true, true],
  djmixer: [true, true],
  mixer: [true, true],
  label: [true, true],
  subtitle: [true, false],
  rating: [true, false],
  catalognumber: [true, true],
  releasetype: [true, false],
  isrc: [true, false],
  musicbrainz_artistid: [true, false],
  musicbrainz_albumartistid: [true, false],
  "performer:instrument": [true, true],
  notes: [true, false],
  discogs_artist_id: [true, true],
  description: [true, false],
  category: [true, false],
  keywords: [true, false],
};

const PRIORITY: Record<string, number> = {
  vorbis: 3,
  "ID3v2.4": 4,
  "ID3v2.3": 5,
  ID3v1: 11,
  artificial: 500,
};

// --- MetadataCollector ----------------------------------------------------------------------------

interface Track {
  no: number | null;
  of: number | null;
}

function toIntOrNull(value: unknown): number | null {
  const n = Number.parseInt(value as string, 10);
  return Number.isNaN(n) ? null : n;
}

function normalizeTrack(value: unknown): Track {
  const split = String(value).split("/");
  return {
    no: Number.parseInt(split[0] as string, 10) || null,
    of: Number.parseInt(split[1] as string, 10) || null,
  };
}

function toRatio(value: string): { dB: number; ratio: number } {
  const ps = value.split(" ").map((p) => p.trim().toLowerCase());
  const v = Number.parseFloat(ps[0] as string);
  return ps.length === 2 && ps[1] === "db"
    ? { dB: v, ratio: 10 ** (v / 10) }
    : { dB: 10 * Math.log10(v), ratio: v };
}

function joinArtists(artists: unknown[]): string {
  if (artists.length > 2) {
    return `${artists.slice(0, artists.length - 1).join(", ")} & ${artists[artists.length - 1]}`;
  }
  return artists.join(" & ");
}

const LRC_TIMESTAMP = /\[(\d{2}):(\d{2})\.(\d{2,3})]/;

/** music-metadata's lrc/LyricsParser.parseLyrics. */
function parseLyrics(input: string): unknown {
  if (!LRC_TIMESTAMP.test(input)) {
    return { contentType: 1, timeStampFormat: 0, text: input.trim(), syncText: [] };
  }
  const syncText: { timestamp: number; text: string }[] = [];
  for (const line of input.split("\n")) {
    const m = line.match(LRC_TIMESTAMP);
    if (!m) continue;
    const minutes = Number.parseInt(m[1] as string, 10);
    const seconds = Number.parseInt(m[2] as string, 10);
    const frac = m[3] as string;
    const ms = frac.length === 3 ? Number.parseInt(frac, 10) : Number.parseInt(frac, 10) * 10;
    syncText.push({
      timestamp: (minutes * 60 + seconds) * 1000 + ms,
      text: line.replace(LRC_TIMESTAMP, "").trim(),
    });
  }
  return {
    contentType: 1,
    timeStampFormat: 2,
    text: syncText.map((l) => l.text).join("\n"),
    syncText,
  };
}

class Collector {
  readonly format: Format = { tagTypes: [], trackInfo: [] };
  readonly native: Record<string, NativeTag[]> = {};
  readonly common: Common = {
    track: { no: null, of: null },
    disk: { no: null, of: null },
    movementIndex: { no: null, of: null },
  };
  private readonly origin: Record<string, number> = {};

  addTag(tagType: string, id: string, value: unknown): void {
    let list = this.native[tagType];
    if (!list) {
      if (!this.format.tagTypes.includes(tagType)) this.format.tagTypes.push(tagType);
      list = [];
      this.native[tagType] = list;
    }
    list.push({ id, value });
    const generic = mapTag(tagType, id, value);
    if (generic) this.postMap(tagType, generic);
  }

  private postMap(tagType: string, tag: NativeTag): void {
    const c = this.common;
    switch (tag.id) {
      case "artist":
        this.singularArtist(tagType, tag, "artist", "artists");
        return;
      case "albumartist":
        this.singularArtist(tagType, tag, "albumartist", "albumartists");
        return;
      case "artists":
        this.pluralArtist(tagType, tag, "artist", "artists");
        return;
      case "albumartists":
        this.pluralArtist(tagType, tag, "albumartist", "albumartists");
        return;
      case "picture": {
        const picture = tag.value as { data?: Uint8Array; format?: string };
        if (!(picture.data && picture.data.length > 0)) return; // a warning in music-metadata
        if (!picture.format) throw new Decline("picture without a MIME type (content sniffing)");
        picture.format = picture.format.toLocaleLowerCase();
        if (picture.format === "image/jpg") picture.format = "image/jpeg";
        this.setGenericTag(tagType, tag);
        return;
      }
      case "totaltracks":
        (c.track as Track).of = toIntOrNull(tag.value);
        return;
      case "totaldiscs":
        (c.disk as Track).of = toIntOrNull(tag.value);
        return;
      case "movementTotal":
        (c.movementIndex as Track).of = toIntOrNull(tag.value);
        return;
      case "track":
      case "disk":
      case "movementIndex": {
        const of = (c[tag.id] as Track).of;
        const next = normalizeTrack(tag.value);
        next.of = of != null ? of : next.of;
        c[tag.id] = next;
        return;
      }
      case "bpm":
      case "year":
      case "originalyear":
        tag.value = Number.parseInt(tag.value as string, 10);
        break;
      case "date": {
        const year = Number.parseInt((tag.value as string).substr(0, 4), 10);
        if (!Number.isNaN(year)) c.year = year;
        break;
      }
      case "discogs_label_id":
      case "discogs_release_id":
      case "discogs_master_release_id":
      case "discogs_artist_id":
      case "discogs_votes":
        tag.value =
          typeof tag.value === "string" ? Number.parseInt(tag.value, 10) : (tag.value as unknown);
        break;
      case "replaygain_track_gain":
      case "replaygain_track_peak":
      case "replaygain_album_gain":
      case "replaygain_album_peak":
        tag.value = toRatio(tag.value as string);
        break;
      case "replaygain_track_minmax":
        tag.value = (tag.value as string).split(",").map((v) => Number.parseInt(v, 10));
        break;
      case "replaygain_undo": {
        const minMax = (tag.value as string).split(",").map((v) => Number.parseInt(v, 10));
        tag.value = { leftChannel: minMax[0], rightChannel: minMax[1] };
        break;
      }
      case "gapless":
      case "compilation":
      case "podcast":
      case "showMovement":
        tag.value = tag.value === "1" || tag.value === 1;
        break;
      case "isrc": {
        const existing = c[tag.id] as unknown[] | undefined;
        if (existing && existing.indexOf(tag.value) !== -1) return;
        break;
      }
      case "comment":
        if (typeof tag.value === "string") tag.value = { text: tag.value };
        if ((tag.value as { descriptor?: string }).descriptor === "iTunPGAP") {
          this.setGenericTag(tagType, {
            id: "gapless",
            value: (tag.value as { text?: string }).text === "1",
          });
        }
        break;
      case "lyrics":
        if (typeof tag.value === "string") tag.value = parseLyrics(tag.value);
        break;
    }
    if (tag.value !== null) this.setGenericTag(tagType, tag);
  }

  private singularArtist(tagType: string, tag: NativeTag, singular: string, plural: string): void {
    if (this.origin[singular] === PRIORITY[tagType]) {
      this.postMap("artificial", { id: plural, value: tag.value });
      return;
    }
    if (!this.common[plural]) this.setGenericTag("artificial", { id: plural, value: tag.value });
    this.setGenericTag(tagType, tag);
  }

  private pluralArtist(tagType: string, tag: NativeTag, singular: string, plural: string): void {
    const c = this.common;
    if (!c[singular] || this.origin[singular] === PRIORITY.artificial) {
      const list = c[plural] as unknown[] | undefined;
      if (!list || list.indexOf(tag.value) === -1) {
        const values = (list || []).concat([tag.value]);
        this.setGenericTag("artificial", { id: singular, value: joinArtists(values) });
      }
    }
    this.setGenericTag(tagType, tag);
  }

  private setGenericTag(tagType: string, tag: NativeTag): void {
    const prio0 = this.origin[tag.id] || 1000;
    const prio1 = PRIORITY[tagType] as number;
    const list = LIST_TAGS[tag.id];
    if (!list) {
      if (prio1 <= prio0) {
        this.common[tag.id] = tag.value;
        this.origin[tag.id] = prio1;
      }
      return;
    }
    if (prio1 === prio0) {
      const values = this.common[tag.id] as unknown[];
      if (!list[1] || values.indexOf(tag.value) === -1) values.push(tag.value);
    } else if (prio1 < prio0) {
      this.common[tag.id] = [tag.value];
      this.origin[tag.id] = prio1;
    }
  }
}

/** CombinedTagMapper.mapTag: native tag → common alias (mapper post-processing included). */
function mapTag(tagType: string, id: string, value: unknown): NativeTag | undefined {
  switch (tagType) {
    case "ID3v2.3":
    case "ID3v2.4": {
      if (id === "UFID") {
        const ufid = value as { owner_identifier: string; identifier: Uint8Array };
        if (ufid.owner_identifier === "http://musicbrainz.org") {
          const alias = ID3V24_MAP.get(`UFID:${ufid.owner_identifier}`.toUpperCase());
          return alias ? { id: alias, value: decodeString(ufid.identifier, "latin1") } : undefined;
        }
      }
      const alias = ID3V24_MAP.get(id.toUpperCase());
      return alias ? { id: alias, value } : undefined;
    }
    case "vorbis": {
      let key = id;
      let v = value;
      if (key === "RATING") {
        v = { source: undefined, rating: Number.parseFloat(v as string) / 100 };
      } else if (key.indexOf("RATING:") === 0) {
        const keys = key.split(":");
        v = {
          source: keys[1] ? keys[1].toLowerCase() : undefined,
          rating: Number.parseFloat(v as string),
        };
        key = keys[0] as string;
      }
      const alias = VORBIS_MAP.get(key);
      return alias ? { id: alias, value: v } : undefined;
    }
    case "ID3v1": {
      const alias = ID3V1_MAP.get(id);
      return alias ? { id: alias, value } : undefined;
    }
  }
  throw new Decline(`no tag mapper for ${tagType}`);
}

// --- trailers (core.scanAppendingHeaders) ---------------------------------------------------------

function checkAppendingHeaders(r: Reader): void {
  const size = r.size;
  let apeOffset = size;
  if (size >= 128) {
    const tag = r.peekToken(3, size - 128);
    if (tag[0] === 0x54 && tag[1] === 0x41 && tag[2] === 0x47) {
      apeOffset -= 128;
      if (size >= 143) {
        const lyrics = latin1(r.peekToken(15, size - 143)).substring(6);
        if (lyrics === "LYRICS200") throw new Decline("Lyrics3 tag");
      }
    }
  }
  if (apeOffset > 32) {
    const footer = ascii(r.peekToken(8, apeOffset - 32));
    if (footer === "APETAGEX") throw new Decline("APEv2 tag");
  }
}

// --- parsers ----------------------------------------------------------------------------------------

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

/** How far the MPEG sync may scan before the fast path gives the file to music-metadata. */
const MAX_SYNC_SCAN = 256 * 1024;

class ParseState {
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

  constructor(
    private readonly r: Reader,
    private readonly c: Collector,
    private readonly includeCovers: boolean,
  ) {}

  // --- AbstractID3Parser ---

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

  private readId3v2Headers(): void {
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

  // --- ID3v1Parser ---

  private parseId3v1(): void {
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
      this.addVorbisTag(v.substring(0, idx).toUpperCase(), v.substring(idx + 1));
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
    for (const [key, value] of tags) this.addVorbisTag(key, value);
  }

  /** VorbisStream.addTag. */
  private addVorbisTag(key: string, value: string): void {
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
function flacPicture(b: Uint8Array): unknown {
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
