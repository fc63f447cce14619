/// <reference lib="webworker" />
/**
 * Reads tags off the main thread. The tag reader does synchronous file reads
 * (see file-tokenizer.ts), so parsing in workers both uses every core and keeps
 * the event loop free while a scan runs. Requests and replies travel in
 * batches: one message per batch costs far less than one per file.
 */
import {
  type ReadOptions,
  readTags,
  TagError,
  type TagErrorReason,
  type TrackTags,
} from "./tags.ts";

declare const self: Worker;

/**
 * BANDSTAND_TAG_ENGINE=music-metadata makes music-metadata read every file (benchmarks compare
 * the engines end to end with it); unset, readTags picks (the fast path where it applies).
 */
const ENGINE = process.env.BANDSTAND_TAG_ENGINE === "music-metadata" ? "music-metadata" : undefined;

export interface TagRequest {
  id: number;
  path: string;
  options: ReadOptions;
}

export interface TagReply {
  id: number;
  tags?: TrackTags;
  error?: { reason: TagErrorReason; message: string };
}

self.onmessage = async (event: MessageEvent<string>) => {
  const requests = JSON.parse(event.data) as TagRequest[];
  const replies: TagReply[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const { id, path, options } of requests) {
    try {
      const tags = await readTags(path, ENGINE ? { ...options, engine: ENGINE } : options);
      if (tags.picture) transfer.push(tags.picture.data.buffer as ArrayBuffer);
      replies.push({ id, tags });
    } catch (err) {
      const reason = err instanceof TagError ? err.reason : "unreadable";
      replies.push({
        id,
        error: { reason, message: err instanceof Error ? err.message : String(err) },
      });
    }
  }
  // Plain results go as one JSON string: cheaper to pass than a structured clone.
  self.postMessage(transfer.length ? replies : JSON.stringify(replies), transfer);
};
