import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { openMultipart, receiveUploads } from "../upload-intake.ts";
import { api, apiUser } from "./guard.ts";

/** POST /api/v1/uploads — multipart, several files, each streamed to disk, then imported by a job. */
export function uploadRoutes(ctx: AppContext) {
  return new Elysia({ name: "api-uploads" }).post(
    "/api/v1/uploads",
    ({ request }) =>
      api(async () => {
        const user = await apiUser(ctx, request);
        const upload = await openMultipart(request, ctx.config.uploadMaxBytes);
        try {
          const files = await receiveUploads(ctx, upload, user.username);
          return Response.json({ files }, { status: 202 });
        } finally {
          upload.discard();
        }
      }),
    { parse: "none" },
  );
}
