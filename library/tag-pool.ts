import type { TagReply, TagRequest } from "./tag-worker.ts";
import { type ReadOptions, TagError, type TrackTags } from "./tags.ts";

interface Slot {
  worker: Worker;
  busy: number;
  /** Requests gathered during this tick, sent as one message. */
  outbox: TagRequest[];
}

interface Waiting {
  resolve: (t: TrackTags) => void;
  reject: (e: Error) => void;
  slot: Slot;
}

/** Most requests a worker gets in one message. */
const BATCH = 16;

/**
 * A fixed set of tag-reading workers, created on first use and reused.
 * Requests go to the least busy worker, batched per tick; errors come back as TagError.
 */
export class TagPool {
  private slots: Slot[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();

  constructor(private readonly size = Math.max(1, navigator.hardwareConcurrency || 2)) {}

  private start(): void {
    for (let i = 0; i < this.size; i++) {
      // Bun's workers do not keep the process alive by default (ref: false).
      const worker = new Worker(new URL("./tag-worker.ts", import.meta.url).href);
      const slot: Slot = { worker, busy: 0, outbox: [] };
      worker.onmessage = (event: MessageEvent<TagReply[] | string>) => {
        const replies: TagReply[] =
          typeof event.data === "string" ? JSON.parse(event.data) : event.data;
        for (const { id, tags, error } of replies) {
          const pending = this.waiting.get(id);
          if (!pending) continue;
          this.waiting.delete(id);
          slot.busy -= 1;
          if (tags) pending.resolve(tags);
          else
            pending.reject(
              new TagError(error?.reason ?? "unreadable", error?.message ?? "unknown"),
            );
        }
      };
      worker.onerror = (event) => {
        // A crashed worker fails what it held; the next request starts a fresh pool.
        for (const [id, pending] of this.waiting) {
          if (pending.slot !== slot) continue;
          this.waiting.delete(id);
          pending.reject(new TagError("unreadable", `tag worker failed: ${event.message}`));
        }
        this.close();
      };
      this.slots.push(slot);
    }
  }

  read(path: string, options: ReadOptions = {}): Promise<TrackTags> {
    if (this.slots.length === 0) this.start();
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    slot.busy += 1;
    return new Promise<TrackTags>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, slot });
      slot.outbox.push({ id, path, options });
      if (slot.outbox.length >= BATCH) this.send(slot);
      else if (slot.outbox.length === 1) queueMicrotask(() => this.send(slot));
    });
  }

  private send(slot: Slot): void {
    if (slot.outbox.length === 0) return;
    slot.worker.postMessage(JSON.stringify(slot.outbox.splice(0)));
  }

  close(): void {
    for (const slot of this.slots) slot.worker.terminate();
    this.slots = [];
  }
}
