/**
 * Fixed-size pool of Bun Workers for audio analysis (DESIGN: created once and reused, no
 * create/terminate churn; buffers transferred, never copied; the main thread keeps DB writes).
 *
 * One task per worker at a time, the rest wait in a FIFO queue. Each task settles on its own:
 * a DecodeError in one file rejects that call only. A worker that dies (crash, OOM) fails its
 * task and is replaced, so the pool keeps its size. Idle workers are unref'd: a CLI that forgets
 * `close()` still exits; busy ones are ref'd so a pending analysis keeps the process alive.
 * An AbortSignal (a canceled job) drops a queued task or kills the worker's ffmpeg.
 */
import type { AnalysisResult, AnalyzeOptions } from "./analyze.ts";
import { DecodeError, type DecodeFailure } from "./decode.ts";

export type { AnalysisResult, AnalyzeOptions } from "./analyze.ts";

/** Options crossing to the worker: everything but the signal (not cloneable). */
type WireOptions = Omit<AnalyzeOptions, "signal">;

export type WorkerRequest =
  | { id: number; kind: "file"; path: string; opts: WireOptions }
  | {
      id: number;
      kind: "pcm";
      pcm: { sampleRate: number; samples: Float32Array[] };
      opts: WireOptions;
    }
  | { id: number; kind: "abort" };

export interface SerializedError {
  name: string;
  message: string;
  reason?: DecodeFailure;
  stderr?: string;
  exitCode?: number | null;
}

export type WorkerReply =
  | { id: number; ok: true; result: AnalysisResult }
  | { id: number; ok: false; error: SerializedError };

export interface AudioPoolOptions {
  /** Worker count; default one less than the cores (at least 1): each task also runs ffmpeg. */
  size?: number;
}

interface Task {
  request: WorkerRequest;
  transfer: ArrayBuffer[];
  resolve: (r: AnalysisResult) => void;
  reject: (e: Error) => void;
}

/** With lib "DOM", `Worker` is the browser type; Bun's adds ref/unref. */
type BunWorker = Worker & { ref(): void; unref(): void };

interface Slot {
  worker: BunWorker;
  task: Task | undefined;
  /** Called on the worker's next reply (close() waits for aborted tasks to wind down). */
  onReply?: () => void;
}

const WORKER_URL = new URL("./worker.ts", import.meta.url).href;
/** How long close() lets running tasks kill their ffmpeg before terminating the workers. */
const CLOSE_GRACE_MS = 1000;

export class PoolClosedError extends Error {
  constructor() {
    super("audio pool is closed");
    this.name = "PoolClosedError";
  }
}

export class AudioPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  /** Worker deaths since the last answered task; past a bound the pool stops respawning. */
  private deaths = 0;
  private broken: Error | undefined;

  constructor(opts: AudioPoolOptions = {}) {
    this.size = opts.size ?? Math.max(1, navigator.hardwareConcurrency - 1);
    if (!Number.isInteger(this.size) || this.size < 1) throw new RangeError("size must be ≥ 1");
    for (let i = 0; i < this.size; i++) {
      const slot: Slot = { worker: undefined as unknown as BunWorker, task: undefined };
      this.spawn(slot);
      this.slots.push(slot);
    }
  }

  /** Decodes (ffmpeg inside the worker) and analyses one file. Rejects with DecodeError. */
  analyze(path: string, opts: AnalyzeOptions = {}): Promise<AnalysisResult> {
    const { signal, ...wire } = opts;
    return this.submit({ id: this.nextId++, kind: "file", path, opts: wire }, [], signal);
  }

  /** Analyses PCM already in memory. Its buffers are transferred: the caller's arrays detach. */
  analyzePcm(
    pcm: { sampleRate: number; samples: Float32Array[] },
    opts: AnalyzeOptions = {},
  ): Promise<AnalysisResult> {
    const { signal, ...wire } = opts;
    const transfer = [...new Set(pcm.samples.map((s) => s.buffer as ArrayBuffer))];
    return this.submit({ id: this.nextId++, kind: "pcm", pcm, opts: wire }, transfer, signal);
  }

  /** Tasks waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Tasks running now. */
  get running(): number {
    return this.slots.filter((s) => s.task).length;
  }

  /**
   * Rejects queued and running tasks with PoolClosedError, lets running ones kill their ffmpeg
   * (so no child is left behind), then terminates the workers.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new PoolClosedError();
    for (const task of this.queue.splice(0)) task.reject(error);
    const winding: Promise<void>[] = [];
    for (const slot of this.slots) {
      const task = slot.task;
      if (!task) continue;
      slot.task = undefined;
      task.reject(error);
      winding.push(new Promise((done) => (slot.onReply = done)));
      slot.worker.postMessage({ id: task.request.id, kind: "abort" } satisfies WorkerRequest);
    }
    if (winding.length > 0) await Promise.race([Promise.all(winding), Bun.sleep(CLOSE_GRACE_MS)]);
    for (const slot of this.slots) slot.worker.terminate();
  }

  private submit(
    request: WorkerRequest,
    transfer: ArrayBuffer[],
    signal: AbortSignal | undefined,
  ): Promise<AnalysisResult> {
    if (this.closed) return Promise.reject(new PoolClosedError());
    if (this.broken) return Promise.reject(this.broken);
    if (signal?.aborted) return Promise.reject(aborted());
    return new Promise((resolve, reject) => {
      const task: Task = { request, transfer, resolve, reject };
      if (signal) {
        const onAbort = () => this.abort(task);
        signal.addEventListener("abort", onAbort, { once: true });
        const off = () => signal.removeEventListener("abort", onAbort);
        task.resolve = (r) => {
          off();
          resolve(r);
        };
        task.reject = (e) => {
          off();
          reject(e);
        };
      }
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** A queued task is dropped; a running one is told to kill its ffmpeg (it then rejects). */
  private abort(task: Task): void {
    const at = this.queue.indexOf(task);
    if (at >= 0) {
      this.queue.splice(at, 1);
      task.reject(aborted());
      return;
    }
    const slot = this.slots.find((s) => s.task === task);
    slot?.worker.postMessage({ id: task.request.id, kind: "abort" } satisfies WorkerRequest);
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.task) continue;
      const task = this.queue.shift() as Task;
      slot.task = task;
      slot.worker.ref();
      slot.worker.postMessage(task.request, task.transfer);
    }
  }

  /** (Re)creates the slot's worker; a dead one fails its task and is replaced in place. */
  private spawn(slot: Slot): void {
    const worker = new Worker(WORKER_URL) as BunWorker;
    worker.unref();
    slot.worker = worker;
    let dead = false;
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      slot.onReply?.();
      slot.onReply = undefined;
      const task = slot.task;
      const reply = event.data;
      if (dead || !task || task.request.id !== reply.id) return;
      slot.task = undefined;
      worker.unref();
      this.deaths = 0;
      if (reply.ok) task.resolve(reply.result);
      else task.reject(revive(reply.error));
      this.dispatch();
    };
    const fail = (message: string) => {
      if (dead || this.closed) return;
      dead = true;
      const task = slot.task;
      slot.task = undefined;
      const error = new Error(`audio worker failed: ${message}`);
      task?.reject(error);
      worker.terminate();
      // A worker that cannot even start (bad deploy) must not respawn in a tight loop.
      if (++this.deaths > 2 * this.size) {
        this.broken = error;
        for (const queued of this.queue.splice(0)) queued.reject(error);
        return;
      }
      this.spawn(slot);
      this.dispatch();
    };
    worker.addEventListener("error", (e) => fail((e as ErrorEvent).message || "error"));
    worker.addEventListener("close", () => fail("exited"));
  }
}

function aborted(): DecodeError {
  return new DecodeError("analysis aborted", "aborted");
}

function revive(e: SerializedError): Error {
  if (e.name === "DecodeError" && e.reason) {
    return DecodeError.revive(e.message, e.reason, e.stderr ?? "", e.exitCode ?? null);
  }
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
