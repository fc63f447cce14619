/**
 * Legacy mode: the plain Subsonic 1.16.1 XML shape for clients that parse XML
 * naively (DSub, Clementine …) and break on OpenSubsonic additions such as a
 * nested <artist> or <genres> inside a song. One walk over the answer tree,
 * driven by the XSD's table, keeps only what the schema declares for each
 * element type, in the order its sequences require, so methods never have to
 * know which client asked.
 */
import { SUBSONIC_1_16_1 } from "./legacy-schema.ts";
import type { Node, Value } from "./render.ts";
import type { XsdAttribute, XsdSchema } from "./xsd.ts";

/** Does the `c` parameter name a configured legacy client (case-insensitive prefix)? */
export function isLegacyClient(client: string | null, prefixes: readonly string[]): boolean {
  if (!client) return false;
  const c = client.toLowerCase();
  return prefixes.some((p) => c.startsWith(p.toLowerCase()));
}

/**
 * Attributes kept even when their value breaks the XSD type, because clients
 * need them. PlayQueue.current is xs:int in the XSD (Subsonic's ids were
 * numbers) but holds our prefixed track id; DSub reads it as a string and
 * restores the current track from it.
 */
const KEEP_NONCONFORMING = new Set(["PlayQueue.current"]);

type Primitive = string | number | boolean;
const isPrimitive = (v: Value): v is Primitive =>
  typeof v === "string" || typeof v === "number" || typeof v === "boolean";
const isNode = (v: Value): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

const INTEGER = /^-?\d+$/;
const DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
const INT_RANGE: Record<string, [number, number]> = {
  "xs:int": [-(2 ** 31), 2 ** 31 - 1],
  "xs:long": [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** The value written as the XSD builtin `type` expects, or undefined when it cannot be. */
function builtin(type: string, v: Primitive): Primitive | undefined {
  switch (type) {
    case "xs:int":
    case "xs:long": {
      const n = typeof v === "number" ? Math.round(v) : INTEGER.test(String(v)) ? Number(v) : NaN;
      const [lo, hi] = INT_RANGE[type] ?? [0, 0];
      return Number.isFinite(n) && n >= lo && n <= hi ? n : undefined;
    }
    case "xs:float":
    case "xs:double": {
      const n = typeof v === "number" ? v : Number(v);
      return typeof v !== "boolean" && Number.isFinite(n) ? n : undefined;
    }
    case "xs:boolean":
      return typeof v === "boolean" ? v : v === "true" || v === "false" ? v : undefined;
    case "xs:dateTime":
      if (typeof v === "number") return Number.isFinite(v) ? new Date(v).toISOString() : undefined;
      return typeof v === "string" && DATE_TIME.test(v) ? v : undefined;
    default:
      return typeof v === "boolean" ? String(v) : v;
  }
}

function conform(schema: XsdSchema, type: string, v: Primitive): Primitive | undefined {
  const simple = schema.simpleTypes[type];
  if (!simple) return builtin(type, v);
  const out = builtin(simple.base, v);
  if (out === undefined) return undefined;
  if (simple.enumeration && !simple.enumeration.includes(String(out))) return undefined;
  if (simple.min !== undefined && Number(out) < simple.min) return undefined;
  if (simple.max !== undefined && Number(out) > simple.max) return undefined;
  if (simple.pattern && !new RegExp(`^(?:${simple.pattern})$`).test(String(out))) return undefined;
  return out;
}

function attribute(
  schema: XsdSchema,
  typeName: string,
  name: string,
  spec: XsdAttribute,
  v: Primitive,
): Primitive | undefined {
  const out = conform(schema, spec.type, v);
  if (out !== undefined) return out;
  // A required attribute stays as it is: dropping it would only trade one schema error for another.
  return spec.required || KEEP_NONCONFORMING.has(`${typeName}.${name}`) ? v : undefined;
}

/** A text-only element's content: a primitive, or a `{ value }` node. */
function textOf(v: Value): Primitive | undefined {
  if (isPrimitive(v)) return v;
  if (isNode(v) && isPrimitive(v.value)) return v.value;
  return undefined;
}

function shape(schema: XsdSchema, node: Node, typeName: string): Node {
  const type = schema.complexTypes[typeName];
  if (!type) return {};
  const out: Node = {};
  for (const [name, spec] of Object.entries(type.attributes)) {
    const v = node[name];
    if (v === undefined || !isPrimitive(v)) continue;
    const kept = attribute(schema, typeName, name, spec, v);
    if (kept !== undefined) out[name] = kept;
  }
  if (type.text && isPrimitive(node.value)) out.value = node.value;
  // Children in sequence order: the render writes keys in insertion order.
  for (const [name, childType] of type.elements) {
    const v = node[name];
    if (v === undefined) continue;
    const items = Array.isArray(v) ? v : [v];
    if (schema.complexTypes[childType]) {
      out[name] = items.filter(isNode).map((item) => shape(schema, item, childType));
    } else {
      // Simple-typed child elements (<biography>, <folder> …): an array of
      // primitives renders as repeated text elements.
      const texts: Value[] = [];
      for (const item of items) {
        const t = textOf(item);
        const c = t === undefined ? undefined : conform(schema, childType, t);
        if (c !== undefined) texts.push(c);
      }
      if (texts.length) out[name] = texts;
    }
  }
  return out;
}

/**
 * The envelope tree (status, version, body …, without xmlns) reduced to what
 * Subsonic 1.16.1 declares. OpenSubsonic-only answers (e.g. lyricsList) reduce
 * to a bare "ok" envelope: legacy clients never ask for them.
 */
export function legacyTree(tree: Node, schema: XsdSchema = SUBSONIC_1_16_1): Node {
  return shape(schema, tree, schema.root);
}
