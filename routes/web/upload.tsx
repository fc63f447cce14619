import { Elysia } from "elysia";
import { randomToken } from "../../auth/tokens.ts";
import type { User } from "../../auth/users.ts";
import type { AppContext } from "../../context.ts";
import { DomainError } from "../../errors.ts";
import type { ImportPayload } from "../../jobs/library-jobs.ts";
import type { JobRow } from "../../jobs/types.ts";
import { albumOfImport } from "../../library/imports.ts";
import { sizeText, tooLargeMessage } from "../../library/uploads.ts";
import { ImportStatus, ImportStatusBody } from "../../views/jobs.tsx";
import { Layout } from "../../views/layout.tsx";
import { openMultipart, receiveUploads, type UploadResult } from "../upload-intake.ts";
import { guarded, html } from "./page.ts";
import { redirect } from "./session.ts";

const JOB_ID = /^job_[0-9a-f-]{36}$/;
/** The outcome of a form upload, kept for the page the form is sent to. */
interface UploadBatch {
  userId: number;
  results: UploadResult[];
}
const BATCH_ID = /^[A-Za-z0-9_-]{16,64}$/;
const BATCH_TTL_SECONDS = 3600;
const batchKey = (id: string) => `upload-batch:${id}`;

/** What a person reads about one uploaded file. */
export function outcomeText(r: UploadResult): string {
  if (r.status === "accepted") return "Uploaded";
  if (r.status === "duplicate") return `Duplicate: ${r.message}`;
  return `Rejected: ${r.message}`;
}

/** The file an import job brings in, by its base name. */
const importFile = (job: JobRow) => {
  const payload = JSON.parse(job.payload) as Partial<ImportPayload>;
  return String(payload.relPath ?? "upload")
    .split("/")
    .pop() as string;
};

async function importStatus(ctx: AppContext, job: JobRow) {
  const album =
    job.state === "finished" ? await albumOfImport(ctx.database, job.payload) : undefined;
  return { job, file: importFile(job), album };
}

function UploadItem(props: {
  result: UploadResult;
  status?: Awaited<ReturnType<typeof importStatus>>;
}) {
  const { result: r, status } = props;
  return (
    <li class={`upload-item outcome-${r.status}`}>
      <span class="file-name" safe>
        {r.name}
      </span>
      <span class="outcome" safe>
        {outcomeText(r)}
      </span>
      {status && <ImportStatus {...status} />}
    </li>
  );
}

function UploadPage(props: {
  user: User;
  csrfToken: string;
  maxBytes: number;
  items?: JSX.Element[];
  error?: string;
}) {
  return (
    <Layout title="Upload" user={props.user} csrfToken={props.csrfToken} section="upload">
      <h1>Upload</h1>
      <p class="hint">
        {`Audio files of up to ${sizeText(props.maxBytes)} each. Every file is checked by its content, then imported into the library.`}
      </p>
      <form
        class="upload"
        method="post"
        action="/upload"
        enctype="multipart/form-data"
        hx-boost="false"
        data-upload
        data-max-bytes={String(props.maxBytes)}
        data-too-large={`Rejected: ${tooLargeMessage(props.maxBytes)}`}
      >
        <input type="hidden" name="_csrf" value={props.csrfToken} />
        <fieldset class="dropzone" data-dropzone aria-label="Drop zone for audio files">
          <label for="upload-files">Choose audio files</label>
          <input
            id="upload-files"
            type="file"
            name="file"
            multiple
            accept="audio/*,.mp3,.flac,.ogg,.oga,.opus,.m4a,.aac,.wav,.aiff,.aif,.wv,.ape,.wma"
          />
          <p class="drop-hint" aria-hidden="true">
            or drop them here
          </p>
        </fieldset>
        <button type="submit" data-upload-submit>
          Upload
        </button>
      </form>
      {props.error && (
        <p class="error" role="alert" safe>
          {props.error}
        </p>
      )}
      <section aria-labelledby="uploads-heading" class="uploads">
        <h2 id="uploads-heading">Uploaded files</h2>
        <ul id="upload-list" class="upload-list" aria-label="Uploaded files">
          {props.items ?? ""}
        </ul>
      </section>
      <script src="/public/upload.js"></script>
    </Layout>
  );
}

/**
 * /upload: files by drag and drop or the file picker, each with a progress bar (public/upload.js
 * posts them one by one to POST /api/v1/uploads), then its outcome and its import's live status.
 * With JavaScript off the form posts here as one multipart request; the answer redirects to the
 * outcome (`/upload?batch=…`, kept an hour for the uploader alone).
 */
export function uploadPageRoutes(ctx: AppContext) {
  const maxBytes = ctx.config.uploadMaxBytes;
  return new Elysia({ name: "web-upload" })
    .get("/upload", ({ request }) =>
      guarded(ctx, { request }, async ({ session, url }) => {
        const batch = url.searchParams.get("batch");
        const kept =
          batch && BATCH_ID.test(batch)
            ? await ctx.edge.cache.get<UploadBatch>(batchKey(batch))
            : undefined;
        const results = kept?.userId === session.user.id ? kept.results : undefined;
        const items = [];
        for (const r of results ?? []) {
          const job = r.jobId ? await ctx.jobs.get(r.jobId) : undefined;
          items.push(<UploadItem result={r} status={job && (await importStatus(ctx, job))} />);
        }
        return (
          <UploadPage
            user={session.user}
            csrfToken={session.csrfToken}
            maxBytes={maxBytes}
            items={items}
            error={
              batch && !results
                ? "These upload results are no longer kept; the Jobs page lists every import."
                : undefined
            }
          />
        );
      }),
    )
    .post(
      "/upload",
      async ({ request }) => {
        // Read up to the first file: the form's `_csrf` comes before it, so the token is
        // checked (by `guarded`) before a byte of any file is stored.
        let upload: Awaited<ReturnType<typeof openMultipart>> | undefined;
        let problem: DomainError | undefined;
        try {
          upload = await openMultipart(request, maxBytes, { ignoreUnnamed: true });
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          problem = err;
        }
        try {
          return await guarded(
            ctx,
            { request, body: upload?.fields ?? {} },
            async ({ session }) => {
              const page = (props: { error?: string }) => (
                <UploadPage
                  user={session.user}
                  csrfToken={session.csrfToken}
                  maxBytes={maxBytes}
                  {...props}
                />
              );
              let results: UploadResult[];
              try {
                if (!upload) throw problem ?? new DomainError("invalid", "no file in the upload");
                results = await receiveUploads(ctx, upload, session.user.username);
              } catch (err) {
                if (!(err instanceof DomainError) || err.kind !== "invalid") throw err;
                const message =
                  err.message === "no file in the upload"
                    ? "Choose at least one audio file to upload."
                    : `The upload failed: ${err.message}. Nothing was stored.`;
                return html(await page({ error: message }), 400);
              }
              // Post/redirect/get: the outcome is a page of its own, so a reload shows it
              // again instead of sending the files twice.
              const batch = randomToken(18);
              const kept: UploadBatch = { userId: session.user.id, results };
              await ctx.edge.cache.set(batchKey(batch), kept, BATCH_TTL_SECONDS);
              return redirect(`/upload?batch=${batch}`);
            },
          );
        } finally {
          upload?.discard();
        }
      },
      { parse: "none" },
    )
    .get("/upload/imports/:id", ({ request, params }) =>
      guarded(ctx, { request }, async ({ url }) => {
        const job = JOB_ID.test(params.id) ? await ctx.jobs.get(params.id) : undefined;
        if (job?.name !== "import") throw new DomainError("not_found", "no such import");
        // Without htmx this is the job's page.
        if (!request.headers.has("hx-request") && url.searchParams.get("part") !== "status") {
          return redirect(`/jobs/${job.id}`);
        }
        const status = await importStatus(ctx, job);
        return url.searchParams.get("part") === "status" ? (
          <ImportStatus {...status} />
        ) : (
          <ImportStatusBody {...status} />
        );
      }),
    );
}
