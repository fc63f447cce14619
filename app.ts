import { html } from "@elysiajs/html";
import { Elysia } from "elysia";
import type { AppContext } from "./context.ts";
import { jobApiRoutes } from "./routes/api/jobs.ts";
import { libraryApiRoutes } from "./routes/api/library.ts";
import { uploadRoutes } from "./routes/api/uploads.ts";
import { healthRoutes } from "./routes/health.ts";
import { imageRoutes } from "./routes/images.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { staticRoutes } from "./routes/static.ts";
import { subsonicRoutes } from "./routes/subsonic/index.ts";
import { webRoutes } from "./routes/web/index.ts";

/** The whole HTTP surface; `server.ts` listens, tests call `app.handle()`. */
export function createApp(ctx: AppContext) {
  return new Elysia()
    .use(html())
    .onError(({ error, code, set }) => {
      if (code === "NOT_FOUND") {
        set.status = 404;
        return { error: "not found" };
      }
      if (code === "PARSE") {
        set.status = 400;
        return { error: "malformed request body" };
      }
      ctx.log.error("request failed", { code: String(code), error: String(error) });
      set.status = 500;
      return { error: "internal error" };
    })
    .use(healthRoutes(ctx))
    .use(staticRoutes())
    .use(imageRoutes(ctx))
    .use(jobRoutes(ctx))
    .use(subsonicRoutes(ctx))
    .use(jobApiRoutes(ctx))
    .use(libraryApiRoutes(ctx))
    .use(uploadRoutes(ctx))
    .use(webRoutes(ctx));
}

export type App = ReturnType<typeof createApp>;
