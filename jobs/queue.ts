/** Where job messages go: QStash when configured, else the built-in dispatcher. */
export interface PublishOptions {
  delaySeconds?: number;
  /** Deliveries after the first before giving up (QStash's `retries`). */
  retries?: number;
  /** A second publish with the same id is dropped while the first is known. */
  deduplicationId?: string;
}

export interface ScheduleSpec {
  /** Fixed id: registering it again replaces the schedule. */
  id: string;
  cron: string;
  name: string;
  body?: unknown;
}

export interface JobQueue {
  readonly adapter: string;
  /** Delivers `body` as JSON to POST PUBLIC_URL/jobs/<name>; returns a message id. */
  publish(name: string, body: unknown, options?: PublishOptions): Promise<string>;
  schedule(spec: ScheduleSpec): Promise<void>;
  unschedule(id: string): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

/** Headers of a job delivery, as QStash sets them. */
export const DELIVERY_HEADERS = {
  signature: "upstash-signature",
  messageId: "upstash-message-id",
  retried: "upstash-retried",
  nonRetryable: "Upstash-NonRetryable-Error",
} as const;
