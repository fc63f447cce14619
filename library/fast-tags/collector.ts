/** A port of music-metadata's MetadataCollector: native tags, common fields and format. */
import { Decline } from "./errors.ts";
import { ID3V1_MAP, ID3V24_MAP, LIST_TAGS, PRIORITY, VORBIS_MAP } from "./tag-maps.ts";
import { decodeString } from "./text.ts";

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

export class Collector {
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
