import { Readable } from "node:stream";
import busboy from "busboy";
import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import type { UploadOutcome } from "../../library/uploads.ts";
import { ApiError, api, apiUser } from "./guard.ts";

const MAX_FILES = 100;

/** POST /api/v1/uploads — multipart, several files, each streamed to disk, then imported by a job. */
export function uploadRoutes(ctx: AppContext) {
  return new Elysia({ name: "api-uploads" }).post(
    "/api/v1/uploads",
    ({ request, set }) =>
      api(async () => {
        const user = await apiUser(ctx, request);
        const type = request.headers.get("content-type") ?? "";
        if (!type.startsWith("multipart/form-data") || !request.body) {
          throw new ApiError(400, "invalid", "send multipart/form-data with one or more files");
        }
        const intake = await ctx.library.intake();
        const outcomes: Promise<UploadOutcome>[] = [];
        await new Promise<void>((resolve, reject) => {
          let parser: busboy.Busboy;
          try {
            parser = busboy({
              headers: Object.fromEntries(request.headers),
              limits: { files: MAX_FILES, fileSize: ctx.config.uploadMaxBytes + 1, fields: 20 },
            });
          } catch {
            reject(new ApiError(400, "invalid", "malformed multipart body"));
            return;
          }
          parser.on("file", (_field, stream, info) => {
            outcomes.push(intake.receive(info.filename ?? "upload", stream, user.username));
          });
          parser.on("close", resolve);
          parser.on("error", () =>
            reject(new ApiError(400, "invalid", "malformed multipart body")),
          );
          Readable.fromWeb(request.body as never).pipe(parser);
        });
        const files = await Promise.all(outcomes);
        if (files.length === 0) throw new ApiError(400, "invalid", "no file in the upload");
        const results = [];
        for (const f of files) {
          if (f.status !== "accepted") {
            results.push(f);
            continue;
          }
          const job = await ctx.jobs.enqueue(
            "import",
            { folderId: intake.folderId, relPath: f.path, contentHash: f.contentHash },
            { dedupId: `import:${f.contentHash}` },
          );
          results.push({ ...f, jobId: job.id });
        }
        set.status = 202;
        return Response.json({ files: results }, { status: 202 });
      }),
    { parse: "none" },
  );
}
