/**
 * Reads the small subset of XML Schema the Subsonic XSD uses (complex types with
 * a sequence or choice of elements, attributes, `mixed`, single extension; simple
 * types restricting a builtin with enumerations, bounds or a pattern) into a
 * table the legacy renderer walks. Not a general XSD reader: it only has to read
 * one fixed file, and a test checks the table it produced is the one committed.
 */

/** An attribute: its type (`xs:int`, or the name of a simple type) and whether it must be there. */
export interface XsdAttribute {
  type: string;
  required: boolean;
}

export interface XsdComplexType {
  /** In schema order; inherited attributes first. */
  attributes: Record<string, XsdAttribute>;
  /** [element name, type] in sequence order; inherited elements first. */
  elements: [string, string][];
  /** `mixed="true"`: the element may hold text. */
  text: boolean;
}

export interface XsdSimpleType {
  base: string;
  enumeration?: string[];
  min?: number;
  max?: number;
  pattern?: string;
}

export interface XsdSchema {
  /** Type of the document element. */
  root: string;
  complexTypes: Record<string, XsdComplexType>;
  simpleTypes: Record<string, XsdSimpleType>;
}

const TAG = /<(\/?)xs:(\w+)((?:\s+[\w:]+="[^"]*")*)\s*(\/?)>/g;
const ATTR = /([\w:]+)="([^"]*)"/g;

/** `sub:Child` → `Child`; builtins keep their `xs:` prefix. */
const local = (ref: string) => (ref.startsWith("xs:") ? ref : ref.replace(/^\w+:/, ""));

export function parseXsd(text: string): XsdSchema {
  const source = text.replace(/<!--[\s\S]*?-->/g, "");
  let root = "";
  const complex: Record<string, XsdComplexType & { base?: string }> = {};
  const simple: Record<string, XsdSimpleType> = {};
  let ct: (XsdComplexType & { base?: string }) | undefined;
  let st: XsdSimpleType | undefined;
  let stName = "";
  for (const m of source.matchAll(TAG)) {
    const [, close, tag, rawAttrs = "", selfClose] = m;
    const a: Record<string, string> = {};
    for (const [, k, v] of rawAttrs.matchAll(ATTR)) if (k && v !== undefined) a[k] = v;
    if (close) {
      if (tag === "complexType") ct = undefined;
      if (tag === "simpleType" && st) {
        simple[stName] = st;
        st = undefined;
      }
      continue;
    }
    switch (tag) {
      case "complexType":
        ct = { attributes: {}, elements: [], text: a.mixed === "true" };
        complex[a.name ?? ""] = ct;
        if (selfClose) ct = undefined;
        break;
      case "simpleType":
        stName = a.name ?? "";
        st = { base: "xs:string" };
        break;
      case "extension":
        if (ct && a.base) ct.base = local(a.base);
        break;
      case "restriction":
        if (st && a.base) st.base = local(a.base);
        break;
      case "enumeration":
        if (st && a.value !== undefined) st.enumeration = [...(st.enumeration ?? []), a.value];
        break;
      case "minInclusive":
        if (st) st.min = Number(a.value);
        break;
      case "maxInclusive":
        if (st) st.max = Number(a.value);
        break;
      case "pattern":
        if (st && a.value !== undefined) st.pattern = a.value;
        break;
      case "element":
        if (ct && a.name && a.type) ct.elements.push([a.name, local(a.type)]);
        else if (a.name && a.type) root = local(a.type);
        break;
      case "attribute":
        if (ct && a.name && a.type) {
          ct.attributes[a.name] = { type: local(a.type), required: a.use === "required" };
        }
        break;
    }
  }
  const resolved: Record<string, XsdComplexType> = {};
  const resolve = (name: string): XsdComplexType => {
    const done = resolved[name];
    if (done) return done;
    const t = complex[name];
    if (!t) throw new Error(`XSD: unknown type ${name}`);
    const base = t.base ? resolve(t.base) : undefined;
    const out: XsdComplexType = {
      attributes: { ...base?.attributes, ...t.attributes },
      elements: [...(base?.elements ?? []), ...t.elements],
      text: t.text || (base?.text ?? false),
    };
    resolved[name] = out;
    return out;
  };
  for (const name of Object.keys(complex)) resolve(name);
  if (!root) throw new Error("XSD: no document element");
  return { root, complexTypes: resolved, simpleTypes: simple };
}
