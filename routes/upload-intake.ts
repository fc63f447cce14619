import { Readable } from "node:stream";
import busboy from "busboy";
import type { AppContext } from "../context.ts";
import { DomainError } from "../errors.ts";
import type { UploadIntake, UploadOutcome } from "../library/uploads.ts";

/** Files one request may carry. */
export const MAX_FILES = 100;

/** What an upload request answers per file: the intake's outcome, plus the import job of a new file. */
export type UploadResult = UploadOutcome & { jobId?: string };

type Part = { stream: Readable; name: string };

const malformed = () => new DomainError("invalid", "malformed multipart body");

/**
 * A multipart request being read. `openMultipart` reads only up to the first file, so the form
 * fields before it (a plain form's `_csrf`) are known — and checked — before a byte is stored.
 * Shared by the JSON API (`POST /api/v1/uploads`) and the web form (`POST /upload`).
 */
export class MultipartUpload {
  /** The form fields that came before the first file (the ones a check may rely on). */
  fields: Record<string, string> = {};
  private readonly seen: Record<string, string> = {};
  private started = false;
  private readonly queued: Part[] = [];
  private take?: (part: Part) => void;
  private failure?: DomainError;
  private consumed = false;
  private readonly ended: Promise<void>;
  /** Resolves at the first file or at the end of the body. */
  readonly ready: Promise<void>;

  constructor(
    private readonly parser: busboy.Busboy,
    private readonly source: Readable,
    ignoreUnnamed: boolean,
  ) {
    let end = () => {};
    let start = () => {};
    this.ended = new Promise((resolve) => {
      end = resolve;
    });
    this.ready = new Promise((resolve) => {
      start = resolve;
    });
    const fail = (err: DomainError) => {
      this.failure ??= err;
      end();
      start();
    };
    parser.on("field", (name, value) => {
      this.seen[name] = value;
      if (!this.started) this.fields = { ...this.seen };
    });
    parser.on("file", (_field, stream, info) => {
      // A browser's file input left empty still sends a part, without a file name: not a file.
      if (ignoreUnnamed && !info.filename) {
        stream.resume();
        return;
      }
      this.started = true;
      // A body that breaks off destroys the file being read with an error: the intake's read
      // sees it; this listener only keeps it from being thrown before that read starts.
      stream.on("error", () => {});
      const part = { stream, name: info.filename || "upload" };
      if (this.take) this.take(part);
      else this.queued.push(part);
      start();
    });
    parser.on("filesLimit", () =>
      fail(new DomainError("invalid", `at most ${MAX_FILES} files per upload`)),
    );
    parser.on("close", () => {
      end();
      start();
    });
    parser.on("error", () => fail(malformed()));
    source.on("error", (err) => {
      fail(malformed());
      // Ends the file being read too, so its half is removed rather than waited on.
      parser.destroy(err);
    });
    source.pipe(parser);
  }

  /**
   * Streams every file through the intake. If the request as a whole fails (malformed, too many
   * files, the client went away), the files it already stored are removed and the error thrown:
   * an upload is taken whole or not at all.
   */
  async receive(intake: UploadIntake, owner: string): Promise<UploadOutcome[]> {
    this.consumed = true;
    const outcomes: Promise<UploadOutcome>[] = [];
    const take = (part: Part) => {
      outcomes.push(intake.receive(part.name, part.stream, owner));
    };
    for (const part of this.queued.splice(0)) take(part);
    this.take = take;
    await this.ended;
    const settled = await Promise.allSettled(outcomes);
    const failed = settled.find((s) => s.status === "rejected");
    if (this.failure || failed) {
      for (const s of settled) {
        if (s.status === "fulfilled" && s.value.status === "accepted") {
          await intake.remove(s.value.path);
        }
      }
      if (this.failure) throw this.failure;
      throw (failed as PromiseRejectedResult).reason;
    }
    return settled.map((s) => (s as PromiseFulfilledResult<UploadOutcome>).value);
  }

  /** Stops reading a request whose files will not be taken (refused, or already done). */
  discard(): void {
    if (this.consumed) return;
    this.consumed = true;
    this.source.unpipe(this.parser);
    this.source.destroy();
    for (const part of this.queued.splice(0)) part.stream.resume();
    this.take = (part) => part.stream.resume();
  }
}

/**
 * Starts reading a multipart upload; resolves once its first file (or its end) is reached.
 * `ignoreUnnamed` skips parts without a file name (what a form's empty file input sends).
 */
export async function openMultipart(
  request: Request,
  maxBytes: number,
  options: { ignoreUnnamed?: boolean } = {},
): Promise<MultipartUpload> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.startsWith("multipart/form-data") || !request.body) {
    throw new DomainError("invalid", "send multipart/form-data with one or more files");
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: Object.fromEntries(request.headers),
      limits: { files: MAX_FILES, fileSize: maxBytes + 1, fields: 20, fieldSize: 4096 },
    });
  } catch {
    throw malformed();
  }
  const upload = new MultipartUpload(
    parser,
    Readable.fromWeb(request.body as never),
    options.ignoreUnnamed ?? false,
  );
  await upload.ready;
  return upload;
}

/**
 * Takes the files of an upload into the library: each is stored by the intake (checked to be
 * audio and new), then imported by a job. Returns one result per file.
 */
export async function receiveUploads(
  ctx: AppContext,
  upload: MultipartUpload,
  owner: string,
): Promise<UploadResult[]> {
  const intake = await ctx.library.intake();
  const files = await upload.receive(intake, owner);
  if (files.length === 0) throw new DomainError("invalid", "no file in the upload");
  const results: UploadResult[] = [];
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
  return results;
}
