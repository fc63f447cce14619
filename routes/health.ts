import { Elysia } from "elysia";
import type { AppContext } from "../context.ts";

/** /healthz: the process answers. /readyz: the database answers, migrations applied. */
export function healthRoutes(ctx: AppContext) {
  return new Elysia({ name: "health" })
    .get("/healthz", () => ({ status: "ok" }))
    .get("/readyz", async ({ set }) => {
      if (await ctx.database.ready()) return { status: "ready" };
      set.status = 503;
      return { status: "not ready" };
    });
}
