/**
 * Subsonic envelopes in XML, JSON and JSONP from one tree. In the tree,
 * primitives become XML attributes, objects and arrays of objects become child
 * elements, arrays of primitives become repeated text elements, and the key
 * `value` becomes an element's text.
 */
import { legacyTree } from "./legacy.ts";

export const API_VERSION = "1.16.1";
export const SERVER_TYPE = "bandstand";
export const SERVER_VERSION = "0.1.0";
const XMLNS = "http://subsonic.org/restapi";

export type Node = { [key: string]: Value };
export type Value = string | number | boolean | undefined | Node | Value[];

export type Format = "xml" | "json" | "jsonp";

export interface SubsonicError {
  code: number;
  message: string;
}

// XML 1.0 forbids most control characters even when escaped: drop them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

// Anything escapeXml would change: most values have none of it and are kept as they are.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point.
const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function escapeXml(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value
    .replace(INVALID_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const isPrimitive = (v: Value): v is string | number | boolean =>
  typeof v === "string" || typeof v === "number" || typeof v === "boolean";

const xmlText = (v: string | number | boolean) =>
  typeof v === "string" ? escapeXml(v) : String(v);

/**
 * Shared nodes: built once, frozen through and through, reused by every answer that holds
 * them (shapes.ts makes one per song, album and artist view). Their renderings are kept with
 * them: a page of 50 songs then costs 50 look-ups, not 50 walks of 20 attributes.
 */
interface Renderings {
  json?: Uint8Array;
  xml?: { attrs: string; inner: string };
}

/**
 * Where a shared node keeps its renderings: a property no walk sees (a symbol, not
 * enumerable), so a copy (`{ ...node, starred }`) is a plain node again, rendered afresh.
 */
const RENDERINGS = Symbol("renderings");
const renderingsOf = (node: Node) => (node as { [RENDERINGS]?: Renderings })[RENDERINGS];

/** Marks a node as shared (see above) and freezes it and all it holds. */
export function shared<T extends Node>(node: T): T {
  const freeze = (v: Value) => {
    if (typeof v !== "object" || Object.isFrozen(v)) return;
    for (const child of Array.isArray(v) ? v : Object.values(v)) freeze(child);
    Object.freeze(v);
  };
  Object.defineProperty(node, RENDERINGS, { value: {} satisfies Renderings });
  freeze(node);
  return node;
}

/** One element and its children, as text (string concatenation: no arrays to join). */
function element(name: string, node: Node): string {
  const kept = renderingsOf(node);
  let parts = kept?.xml;
  if (!parts) {
    parts = elementParts(node);
    if (kept) kept.xml = parts;
  }
  return parts.inner
    ? `<${name}${parts.attrs}>${parts.inner}</${name}>`
    : `<${name}${parts.attrs}/>`;
}

function elementParts(node: Node): { attrs: string; inner: string } {
  let attrs = "";
  let children = "";
  let text = "";
  for (const key in node) {
    const value = node[key];
    if (value === undefined) continue;
    if (key === "value" && isPrimitive(value)) {
      text = xmlText(value);
    } else if (isPrimitive(value)) {
      attrs += ` ${key}="${xmlText(value)}"`;
    } else if (Array.isArray(value)) {
      for (const item of value) {
        if (item === undefined) continue;
        if (isPrimitive(item)) children += `<${key}>${xmlText(item)}</${key}>`;
        else if (!Array.isArray(item)) children += element(key, item);
      }
    } else {
      children += element(key, value);
    }
  }
  return { attrs, inner: text + children };
}

function envelope(body: Node | undefined, error: SubsonicError | undefined): Node {
  return {
    status: error ? "failed" : "ok",
    version: API_VERSION,
    type: SERVER_TYPE,
    serverVersion: SERVER_VERSION,
    openSubsonic: true,
    ...(error ? { error: { code: error.code, message: error.message } } : body),
  };
}

/** Nodes that stay JSON objects even when they hold only `value` (e.g. an unsynced lyrics line). */
const keptObjects = new WeakSet<Node>();
export function keepObject<T extends Node>(node: T): T {
  keptObjects.add(node);
  return node;
}

/**
 * Drops undefined, recursively, so JSON never carries null. A node holding only
 * `value` is a text-only XML element (`<biography>…</biography>`): in JSON it is
 * the bare string, as clients expect.
 */
function toJson(value: Value, paste = true): unknown {
  if (typeof value !== "object" || (value as unknown) === null) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) if (v !== undefined) out.push(toJson(v, paste));
    return out;
  }
  const kept = paste ? renderingsOf(value) : undefined;
  if (kept) return placeholder(value, kept);
  // One pass, no intermediate key lists: this runs for every node of every answer.
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const k in value) {
    const v = value[k];
    if (v === undefined) continue;
    out[k] = typeof v === "object" ? toJson(v, paste) : v;
    n++;
  }
  if (n === 1 && isPrimitive(value.value) && !keptObjects.has(value)) return value.value;
  return out;
}

/**
 * In the tree handed to JSON.stringify, a shared node stands as a string no data can equal
 * (it holds 64 random bits drawn at start, shown to no one); its kept UTF-8 bytes replace it,
 * so the answer is assembled as bytes (no long string to build, then to encode again).
 */
const NONCE = `~${Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("hex")}:`;
const MARKER = `"${NONCE}`;
const utf8 = new TextEncoder();
/** UTF-8 of the text between pastes: mostly "," between two list items, kept. */
const separators = new Map<string, Uint8Array>();
function bytesOf(text: string): Uint8Array {
  if (text.length > 8) return utf8.encode(text);
  let bytes = separators.get(text);
  if (!bytes) {
    bytes = utf8.encode(text);
    if (separators.size < 64) separators.set(text, bytes);
  }
  return bytes;
}
let pasted: Uint8Array[] = [];

function placeholder(node: Node, kept: Renderings): string {
  let bytes = kept.json;
  if (bytes === undefined) {
    bytes = utf8.encode(JSON.stringify(toJson(node, false)));
    kept.json = bytes;
  }
  pasted.push(bytes);
  return `${NONCE}${pasted.length - 1}`;
}

/**
 * The JSON of an envelope (between `before` and `after`, for JSONP): text, or UTF-8 bytes when
 * shared nodes were pasted in.
 */
function jsonOf(tree: Node, before = "", after = ""): string | ArrayBuffer {
  pasted = [];
  try {
    const json = `${before}${JSON.stringify({ "subsonic-response": toJson(tree) })}${after}`;
    const parts = pasted;
    if (parts.length === 0) return json;
    // Placeholders come out in the order they were made: one forward scan finds them all.
    const chunks: Uint8Array[] = [];
    let from = 0;
    for (const part of parts) {
      const at = json.indexOf(MARKER, from);
      if (at < 0) throw new Error("placeholder lost in the JSON text");
      if (at > from) chunks.push(bytesOf(json.slice(from, at)));
      chunks.push(part);
      from = json.indexOf('"', at + MARKER.length) + 1;
    }
    if (from < json.length) chunks.push(bytesOf(json.slice(from)));
    // The ArrayBuffer itself: Bun sends it as is (a view on it would be copied first).
    return Bun.concatArrayBuffers(chunks);
  } finally {
    pasted = [];
  }
}

const CALLBACK = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

export interface RenderOptions {
  /** Plain Subsonic 1.16.1 XML for naive clients (see legacy.ts); ignored for JSON. */
  legacy?: boolean;
}

/** An answer's text, or its UTF-8 bytes (pasted answers, and cached ones), and content type. */
export interface Rendered {
  text: string | ArrayBuffer | Uint8Array<ArrayBuffer>;
  type: string;
}

export function renderText(
  format: Format,
  body: Node | undefined,
  error?: SubsonicError,
  callback?: string,
  options: RenderOptions = {},
): Rendered {
  const tree = envelope(body, error);
  if (format === "xml") {
    const shaped = options.legacy ? legacyTree(tree) : tree;
    return {
      text: `<?xml version="1.0" encoding="UTF-8"?>\n${element("subsonic-response", { xmlns: XMLNS, ...shaped })}`,
      type: "application/xml; charset=utf-8",
    };
  }
  if (format === "jsonp") {
    // An unchecked callback name would let a page inject script into its own origin.
    const name = callback && CALLBACK.test(callback) ? callback : "callback";
    return { text: jsonOf(tree, `${name}(`, ");"), type: "application/javascript; charset=utf-8" };
  }
  return { text: jsonOf(tree), type: "application/json; charset=utf-8" };
}

export function respond(rendered: Rendered): Response {
  return new Response(rendered.text, { headers: { "content-type": rendered.type } });
}

export function render(
  format: Format,
  body: Node | undefined,
  error?: SubsonicError,
  callback?: string,
  options: RenderOptions = {},
): Response {
  return respond(renderText(format, body, error, callback, options));
}

export function formatOf(f: string | null): Format {
  return f === "json" || f === "jsonp" ? f : "xml";
}
