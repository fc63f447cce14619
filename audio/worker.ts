/**
 * Pool worker: one analysis at a time (the pool never sends a second before the first answers),
 * plus "abort" messages that kill the running task's ffmpeg. It spawns ffmpeg itself, so PCM
 * never crosses to the main thread; only the small result buffers are transferred back.
 */
import { analyzeFile, analyzePcm, transferables } from "./analyze.ts";
import { DecodeError } from "./decode.ts";
import type { WorkerReply, WorkerRequest } from "./pool.ts";

declare var self: Worker;

let current: { id: number; controller: AbortController } | undefined;

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const req = event.data;
  if (req.kind === "abort") {
    if (current?.id === req.id) current.controller.abort();
    return;
  }
  void run(req);
};

async function run(req: Exclude<WorkerRequest, { kind: "abort" }>): Promise<void> {
  const controller = new AbortController();
  current = { id: req.id, controller };
  try {
    const result =
      req.kind === "file"
        ? await analyzeFile(req.path, { ...req.opts, signal: controller.signal })
        : analyzePcm(req.pcm, req.opts);
    self.postMessage({ id: req.id, ok: true, result } satisfies WorkerReply, transferables(result));
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const reply: WorkerReply = {
      id: req.id,
      ok: false,
      error: {
        name: e.name,
        message: e.message,
        ...(e instanceof DecodeError
          ? { reason: e.reason, stderr: e.stderr, exitCode: e.exitCode }
          : {}),
      },
    };
    self.postMessage(reply);
  } finally {
    current = undefined;
  }
}
