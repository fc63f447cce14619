import { XMLParser, XMLValidator } from "fast-xml-parser";

/** An RSS 2.0 podcast feed, reduced to what Bandstand keeps. */
export interface Feed {
  title: string | null;
  description: string | null;
  imageUrl: string | null;
  items: FeedItem[];
}

export interface FeedItem {
  guid: string;
  title: string | null;
  description: string | null;
  publishedAt: number | null;
  /** Only http(s) enclosures are kept: nothing else is ever fetched. */
  enclosure: { url: string; length: number | null; type: string | null } | null;
  durationSeconds: number | null;
}

export class FeedError extends Error {}

// Feeds are untrusted: bound what one of them can make us store.
const MAX_ITEMS = 2000;
const MAX_TITLE = 500;
const MAX_TEXT = 20_000;
const MAX_URL = 2048;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Only the five XML entities; a DOCTYPE never gets to define more (see parseFeed).
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => name === "item",
});

type XmlNode = Record<string, unknown>;

const isNode = (v: unknown): v is XmlNode =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** An element's text, whether it is bare or carries attributes (`#text`); first of repeats. */
function text(v: unknown, max: number): string | null {
  if (Array.isArray(v)) return text(v[0], max);
  const raw = isNode(v) ? v["#text"] : v;
  if (typeof raw !== "string" && typeof raw !== "number") return null;
  const s = String(raw).trim();
  return s ? s.slice(0, max) : null;
}

function attr(v: unknown, name: string): string | null {
  const node = Array.isArray(v) ? v[0] : v;
  if (!isNode(node)) return null;
  const raw = node[`@_${name}`];
  return typeof raw === "string" && raw.trim() ? raw.trim() : null;
}

function httpUrl(raw: string | null): string | null {
  if (!raw || raw.length > MAX_URL) return null;
  try {
    const u = new URL(raw);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

/** itunes:duration: seconds, MM:SS or HH:MM:SS; anything else is unknown. */
export function parseDuration(raw: string | null): number | null {
  if (!raw) return null;
  if (/^\d{1,7}(\.\d+)?$/.test(raw)) return Math.round(Number(raw));
  const m = raw.match(/^(?:(\d{1,4}):)?(\d{1,2}):(\d{1,2})(\.\d+)?$/);
  if (!m) return null;
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** RFC 822 dates as feeds write them (Date.parse copes with most); garbage is unknown. */
function parseDate(raw: string | null): number | null {
  if (!raw) return null;
  const ms = Date.parse(raw);
  // Years outside 1900–9999 are typos or hostile; they would also break ISO rendering.
  if (!Number.isFinite(ms) || ms < -2_208_988_800_000 || ms > 253_402_300_799_000) return null;
  return ms;
}

function item(node: XmlNode): FeedItem | null {
  const enclosureUrl = httpUrl(attr(node.enclosure, "url"));
  const length = Number(attr(node.enclosure, "length"));
  const title = text(node.title, MAX_TITLE);
  const publishedAt = parseDate(text(node.pubDate, 100));
  // A feed without guids still needs a stable key, or every refresh would add the items again.
  const guid =
    text(node.guid, MAX_URL) ??
    enclosureUrl ??
    (title ? `${title}|${publishedAt ?? ""}`.slice(0, MAX_URL) : null);
  if (!guid) return null;
  return {
    guid,
    title,
    description: text(node.description, MAX_TEXT) ?? text(node["itunes:summary"], MAX_TEXT),
    publishedAt,
    enclosure: enclosureUrl
      ? {
          url: enclosureUrl,
          length: Number.isSafeInteger(length) && length > 0 ? length : null,
          type: attr(node.enclosure, "type")?.slice(0, 100) ?? null,
        }
      : null,
    durationSeconds: parseDuration(text(node["itunes:duration"], 50)),
  };
}

/** Parses an RSS 2.0 feed; anything that is not one throws FeedError with a readable reason. */
export function parseFeed(xml: string): Feed {
  // Entity declarations are how XML bombs work; podcast feeds have no use for them.
  if (/<!ENTITY/i.test(xml)) throw new FeedError("feed declares XML entities");
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new FeedError(`malformed XML at line ${valid.err.line}: ${valid.err.msg}`);
  }
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (err) {
    throw new FeedError(`malformed XML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const rss = isNode(doc) ? doc.rss : undefined;
  const channel = isNode(rss) ? rss.channel : undefined;
  if (!isNode(channel)) throw new FeedError("not an RSS 2.0 feed (no rss/channel element)");
  const rawItems = Array.isArray(channel.item) ? channel.item : [];
  const items: FeedItem[] = [];
  const seen = new Set<string>();
  for (const raw of rawItems.slice(0, MAX_ITEMS)) {
    const it = isNode(raw) ? item(raw) : null;
    // A guid repeated in one feed is one episode: the first (newest, by convention) wins.
    if (it && !seen.has(it.guid)) {
      seen.add(it.guid);
      items.push(it);
    }
  }
  const image = isNode(channel.image) ? channel.image : undefined;
  return {
    title: text(channel.title, MAX_TITLE),
    description: text(channel.description, MAX_TEXT),
    imageUrl: httpUrl(attr(channel["itunes:image"], "href") ?? text(image?.url, MAX_URL)),
    items,
  };
}
