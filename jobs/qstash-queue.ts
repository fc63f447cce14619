import { Client } from "@upstash/qstash";
import type { JobQueue, PublishOptions, ScheduleSpec } from "./queue.ts";

/** The job route QStash calls back when it gives up on a message (its DLQ hook). */
export const DEAD_LETTER_ROUTE = "_dead-letter";

/** Jobs through Upstash QStash: it calls PUBLIC_URL/jobs/<name>, signed. */
export class QStashQueue implements JobQueue {
  readonly adapter = "QStash";
  private readonly client: Client;

  constructor(
    private readonly publicUrl: string,
    options: { token: string; url?: string },
  ) {
    this.client = new Client({ token: options.token, baseUrl: options.url });
  }

  private url(name: string): string {
    return `${this.publicUrl}/jobs/${name}`;
  }

  async publish(name: string, body: unknown, options: PublishOptions = {}): Promise<string> {
    const res = await this.client.publishJSON({
      url: this.url(name),
      body: body ?? {},
      delay: options.delaySeconds,
      retries: options.retries,
      deduplicationId: options.deduplicationId,
      failureCallback: this.url(DEAD_LETTER_ROUTE),
    });
    return "messageId" in res ? res.messageId : String(res);
  }

  async schedule(spec: ScheduleSpec): Promise<void> {
    await this.client.schedules.create({
      scheduleId: spec.id,
      destination: this.url(spec.name),
      cron: spec.cron,
      body: JSON.stringify(spec.body ?? {}),
      headers: { "content-type": "application/json" },
    });
  }

  async unschedule(id: string): Promise<void> {
    await this.client.schedules.delete(id);
  }

  // QStash pushes; nothing to poll.
  start(): void {}
  async stop(): Promise<void> {}
}
