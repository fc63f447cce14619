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

function escapeXml(value: string): string {
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

function element(name: string, node: Node, out: string[]): void {
  let attrs = "";
  const children: string[] = [];
  let text = "";
  for (const [key, value] of Object.entries(node)) {
    if (value === undefined) continue;
    if (key === "value" && isPrimitive(value)) {
      text = escapeXml(String(value));
    } else if (isPrimitive(value)) {
      attrs += ` ${key}="${escapeXml(String(value))}"`;
    } else if (Array.isArray(value)) {
      for (const item of value) {
        if (item === undefined) continue;
        if (isPrimitive(item)) children.push(`<${key}>${escapeXml(String(item))}</${key}>`);
        else if (!Array.isArray(item)) element(key, item, children);
      }
    } else {
      element(key, value, children);
    }
  }
  const inner = text + children.join("");
  out.push(inner ? `<${name}${attrs}>${inner}</${name}>` : `<${name}${attrs}/>`);
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
function toJson(value: Value): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(toJson);
  if (value && typeof value === "object") {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    if (
      keys.length === 1 &&
      keys[0] === "value" &&
      isPrimitive(value.value) &&
      !keptObjects.has(value)
    ) {
      return value.value;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v);
    return out;
  }
  return value;
}

const CALLBACK = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

export interface RenderOptions {
  /** Plain Subsonic 1.16.1 XML for naive clients (see legacy.ts); ignored for JSON. */
  legacy?: boolean;
}

export function render(
  format: Format,
  body: Node | undefined,
  error?: SubsonicError,
  callback?: string,
  options: RenderOptions = {},
): Response {
  const tree = envelope(body, error);
  if (format === "xml") {
    const out: string[] = [];
    const shaped = options.legacy ? legacyTree(tree) : tree;
    element("subsonic-response", { xmlns: XMLNS, ...shaped }, out);
    return new Response(`<?xml version="1.0" encoding="UTF-8"?>\n${out.join("")}`, {
      headers: { "content-type": "application/xml; charset=utf-8" },
    });
  }
  const json = JSON.stringify({ "subsonic-response": toJson(tree) });
  if (format === "jsonp") {
    // An unchecked callback name would let a page inject script into its own origin.
    const name = callback && CALLBACK.test(callback) ? callback : "callback";
    return new Response(`${name}(${json});`, {
      headers: { "content-type": "application/javascript; charset=utf-8" },
    });
  }
  return new Response(json, { headers: { "content-type": "application/json; charset=utf-8" } });
}

export function formatOf(f: string | null): Format {
  return f === "json" || f === "jsonp" ? f : "xml";
}
