import { expect } from "bun:test";
import { join } from "node:path";
import type { TestApp } from "./app.ts";
import { validate } from "./json-schema.ts";
import { OPENAPI_ENDPOINTS } from "./shared.ts";

// Answers are walked loosely in assertions; the schema check guards their shape.
// biome-ignore lint/suspicious/noExplicitAny: see above.
export type Json = { [k: string]: any };

/**
 * JSON Subsonic calls against a test app. `defaultKey` is read at call time,
 * so it may be set in beforeAll. `ok` also checks the answer against its
 * OpenSubsonic schema where one exists.
 */
export function subsonicCaller(app: () => TestApp, defaultKey: () => string, client = "test") {
  const call = async (method: string, query = "", apiKey = defaultKey()): Promise<Json> => {
    const res = await app().request(`/rest/${method}?f=json&c=${client}&apiKey=${apiKey}&${query}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { "subsonic-response": Json })["subsonic-response"];
  };
  const ok = async (method: string, query = "", apiKey = defaultKey()): Promise<Json> => {
    const r = await call(method, query, apiKey);
    if (r.status !== "ok") throw new Error(`${method}: ${JSON.stringify(r.error)}`);
    const name = `${method[0]?.toUpperCase()}${method.slice(1)}`;
    const file = join(OPENAPI_ENDPOINTS, method, `${name}Response.json`);
    if (await Bun.file(file).exists()) {
      expect(validate(file, { "subsonic-response": r })).toEqual([]);
    }
    return r;
  };
  const code = async (method: string, query = "", apiKey = defaultKey()) => {
    const r = await call(method, query, apiKey);
    expect(r.status).toBe("failed");
    return r.error?.code as number | undefined;
  };
  return { call, ok, code };
}
