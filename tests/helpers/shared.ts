import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * The shared reference material (../shared next to the checkout, or /work/shared
 * for a clone made elsewhere; BANDSTAND_SHARED_DIR wins). Missing material is an
 * error, never a silently skipped check.
 */
function findShared(): string {
  const candidates = [
    process.env.BANDSTAND_SHARED_DIR,
    join(import.meta.dir, "..", "..", "..", "shared"),
    "/work/shared",
  ].filter((c): c is string => !!c);
  const found = candidates.find((c) => existsSync(join(c, "subsonic")));
  if (!found) {
    throw new Error(`shared reference material not found (tried ${candidates.join(", ")})`);
  }
  return found;
}

export const SHARED_DIR = findShared();
export const OPENAPI_ENDPOINTS = join(SHARED_DIR, "subsonic/opensubsonic/openapi/endpoints");
export const SUBSONIC_XSD = join(SHARED_DIR, "subsonic/subsonic-rest-api-1.16.1.xsd");
