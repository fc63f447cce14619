import { Receiver } from "@upstash/qstash";
import { Elysia } from "elysia";
import type { AppContext } from "../context.ts";
import { DEAD_LETTER_ROUTE } from "../jobs/qstash-queue.ts";
import { DELIVERY_HEADERS } from "../jobs/queue.ts";

/**
 * POST /jobs/:name — the only way into a job. Every call must carry an
 * `Upstash-Signature` over the raw body for PUBLIC_URL + path (never the
 * request's own URL, which a proxy or attacker controls); 401 before any work.
 */
export function jobRoutes(ctx: AppContext) {
  // devMode false: the SDK's dev mode would swap in well-known keys.
  const receiver = new Receiver({ ...ctx.signingKeys, devMode: false });

  return new Elysia({ name: "jobs" }).post(
    "/jobs/:name",
    async ({ request, params, set }) => {
      const body = await request.text();
      const signature = request.headers.get(DELIVERY_HEADERS.signature);
      const url = `${ctx.config.publicUrl}/jobs/${encodeURIComponent(params.name)}`;
      const valid =
        !!signature && (await receiver.verify({ signature, body, url }).catch(() => false));
      if (!valid) {
        set.status = 401;
        return { error: "invalid or missing Upstash-Signature" };
      }

      if (params.name === DEAD_LETTER_ROUTE) {
        await deadLetter(ctx, body);
        return { ok: true };
      }
      const result = await ctx.jobs.deliver(params.name, body, {
        messageId: request.headers.get(DELIVERY_HEADERS.messageId) ?? undefined,
        retried: Number(request.headers.get(DELIVERY_HEADERS.retried) ?? 0) || 0,
      });
      set.status = result.status;
      if (result.status === 489) set.headers[DELIVERY_HEADERS.nonRetryable] = "true";
      return { message: result.message };
    },
    { parse: "none" },
  );
}

/** QStash's failure callback: { sourceBody: base64, status, … } of the message it gave up on. */
async function deadLetter(ctx: AppContext, body: string): Promise<void> {
  let failure: { sourceBody?: string; status?: number };
  try {
    failure = JSON.parse(body);
  } catch {
    return;
  }
  if (!failure.sourceBody) return;
  const source = Buffer.from(failure.sourceBody, "base64").toString("utf8");
  await ctx.jobs.deadLettered(source, `QStash gave up (HTTP ${failure.status ?? "?"})`);
}
