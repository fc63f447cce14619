/// <reference lib="webworker" />
/**
 * Reads tags off the main thread. The tag reader does synchronous file reads
 * (see file-tokenizer.ts), so parsing in workers both uses every core and keeps
 * the event loop free while a scan runs.
 */
import { type ReadOptions, readTags, TagError } from "./tags.ts";

declare const self: Worker;

export interface TagRequest {
  id: number;
  path: string;
  options: ReadOptions;
}

self.onmessage = async (event: MessageEvent<TagRequest>) => {
  const { id, path, options } = event.data;
  try {
    const tags = await readTags(path, options);
    const transfer = tags.picture ? [tags.picture.data.buffer as ArrayBuffer] : [];
    self.postMessage({ id, tags }, transfer);
  } catch (err) {
    const reason = err instanceof TagError ? err.reason : "unreadable";
    const message = err instanceof Error ? err.message : String(err);
    self.postMessage({ id, error: { reason, message } });
  }
};
