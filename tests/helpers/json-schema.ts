import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * A tiny JSON Schema checker for the OpenSubsonic OpenAPI files: relative-file
 * $ref, allOf/oneOf/anyOf, type, properties, required, items, enum. Enough to
 * catch nulls, wrong types, single objects in place of arrays, missing fields.
 */
type Schema = Record<string, unknown>;

const cache = new Map<string, Schema>();
function load(file: string): Schema {
  let s = cache.get(file);
  if (!s) {
    s = JSON.parse(readFileSync(file, "utf8")) as Schema;
    cache.set(file, s);
  }
  return s;
}

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    case "array":
      return Array.isArray(v);
    case "integer":
      return Number.isInteger(v);
    case "number":
      return typeof v === "number";
    case "string":
      return typeof v === "string";
    case "boolean":
      return typeof v === "boolean";
    default:
      return true;
  }
}

function check(schema: Schema, file: string, v: unknown, at: string, errors: string[]): void {
  if (typeof schema.$ref === "string") {
    const target = resolve(dirname(file), schema.$ref);
    check(load(target), target, v, at, errors);
    return;
  }
  if (Array.isArray(schema.allOf)) {
    for (const s of schema.allOf as Schema[]) check(s, file, v, at, errors);
  }
  for (const key of ["oneOf", "anyOf"] as const) {
    const options = schema[key];
    if (Array.isArray(options)) {
      const passing = (options as Schema[]).filter((s) => {
        const e: string[] = [];
        check(s, file, v, at, e);
        return e.length === 0;
      });
      if (passing.length === 0) errors.push(`${at}: matches none of ${key}`);
    }
  }
  if (typeof schema.type === "string" && !typeOk(schema.type, v)) {
    errors.push(`${at}: expected ${schema.type}, got ${JSON.stringify(v)?.slice(0, 80)}`);
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(v)) {
    errors.push(`${at}: ${JSON.stringify(v)} not in enum`);
  }
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const obj = v as Record<string, unknown>;
    for (const r of (schema.required as string[] | undefined) ?? []) {
      if (!(r in obj)) errors.push(`${at}: missing ${r}`);
    }
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [k, s] of Object.entries(props)) {
      if (k in obj) check(s, file, obj[k], `${at}.${k}`, errors);
    }
  }
  if (Array.isArray(v) && schema.items) {
    v.forEach((item, i) => {
      check(schema.items as Schema, file, item, `${at}[${i}]`, errors);
    });
  }
}

/** Errors of `value` against the schema file (empty when valid). */
export function validate(file: string, value: unknown): string[] {
  const errors: string[] = [];
  check(load(file), file, value, "$", errors);
  return errors;
}
