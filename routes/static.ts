import { join, normalize, sep } from "node:path";
import { Elysia } from "elysia";

const PUBLIC_DIR = join(import.meta.dir, "..", "public");

const TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
};

/** Files under public/; a path that normalises outside it is a 404. */
export function staticRoutes() {
  return new Elysia({ name: "static" }).get("/public/*", async ({ params, set }) => {
    const path = normalize(join(PUBLIC_DIR, params["*"]));
    const file = Bun.file(path);
    if (!path.startsWith(PUBLIC_DIR + sep) || !(await file.exists())) {
      set.status = 404;
      return "Not found";
    }
    const ext = path.split(".").pop() ?? "";
    set.headers["content-type"] =
      (Object.hasOwn(TYPES, ext) && TYPES[ext]) || "application/octet-stream";
    set.headers["cache-control"] = "public, max-age=3600";
    return file;
  });
}
