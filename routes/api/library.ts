import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { api, apiUser, intParam } from "./guard.ts";

/** /api/v1/library: files the scanner could not read, and why. */
export function libraryApiRoutes(ctx: AppContext) {
  return new Elysia({ name: "api-library" }).get("/api/v1/library/problems", ({ request }) =>
    api(async () => {
      await apiUser(ctx, request);
      const q = new URL(request.url).searchParams;
      const items = await ctx.library.problems(
        intParam(q.get("limit"), "limit", 1, 5000, 500),
        intParam(q.get("offset"), "offset", 0, 1_000_000_000, 0),
      );
      return { items };
    }),
  );
}
