import { Elysia } from "elysia";
import type { AppContext } from "../../context.ts";
import { guarded } from "./page.ts";

/** Jobs whose finish changes what library pages show. */
const LIBRARY_JOBS = new Set(["scan", "import", "refresh-metadata", "analyze", "analyze-library"]);
const HEARTBEAT_MS = 25_000;

type Send = (event: string, data: string) => void;

/**
 * One pub/sub subscription per process, fanned out to every open tab: a Redis or Upstash
 * adapter then holds one connection however many browsers listen.
 */
class EventHub {
  private readonly tabs = new Set<Send>();
  private subscribed?: Promise<unknown>;

  constructor(private readonly ctx: AppContext) {}

  async add(send: Send): Promise<() => void> {
    this.subscribed ??= this.ctx.edge.pubsub.subscribe("jobs", (message) => this.fan(message));
    await this.subscribed;
    this.tabs.add(send);
    return () => this.tabs.delete(send);
  }

  private fan(message: string): void {
    let job: { name?: string; state?: string };
    try {
      job = JSON.parse(message);
    } catch {
      return;
    }
    const library = job.state === "finished" && LIBRARY_JOBS.has(String(job.name));
    for (const send of this.tabs) {
      send("job", message);
      if (library) send("library", message);
    }
  }
}

const hubs = new WeakMap<AppContext, EventHub>();

/**
 * GET /events: the one SSE stream per tab (htmx's hx-sse). Named events only — `job` on every
 * job transition, `library` when a scan or import finished — and page parts listen with
 * `hx-trigger="job from:body"` to refresh themselves.
 */
export function eventRoutes(ctx: AppContext) {
  let hub = hubs.get(ctx);
  if (!hub) {
    hub = new EventHub(ctx);
    hubs.set(ctx, hub);
  }
  const events = hub;
  return new Elysia({ name: "web-events" }).get("/events", ({ request }) =>
    guarded(ctx, { request }, async () => {
      const encoder = new TextEncoder();
      let stop = () => {};
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          const write = (text: string) => {
            try {
              controller.enqueue(encoder.encode(text));
            } catch {
              stop();
            }
          };
          const send: Send = (event, data) => write(`event: ${event}\ndata: ${data}\n\n`);
          const remove = await events.add(send);
          const beat = setInterval(() => write(": ping\n\n"), HEARTBEAT_MS);
          stop = () => {
            clearInterval(beat);
            remove();
          };
          request.signal.addEventListener("abort", () => {
            stop();
            try {
              controller.close();
            } catch {}
          });
          write(": connected\n\n");
        },
        cancel() {
          stop();
        },
      });
      return new Response(body, {
        headers: {
          "content-type": "text/event-stream",
          "cache-control": "no-store",
          "x-accel-buffering": "no",
        },
      });
    }),
  );
}
