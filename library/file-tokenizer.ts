/**
 * A random-access tokenizer for music-metadata that serves its many small reads from a few
 * block-sized file reads.
 *
 * music-metadata issues dozens of tiny reads per file (an MP3 frame scan is ~27 reads); with
 * strtok3's own FileTokenizer each is an async syscall round trip through the thread pool, which
 * made I/O ~85 % of the per-file cost. Here a read is served from a cached 64 KiB block, so a
 * typical file costs one read for the head and one for the tail. Reads are synchronous
 * (`readSync` on an fd): on a page-cached file each takes microseconds, far below the cost of
 * scheduling an async read; a scanner that must not block its event loop runs the reader in a
 * Worker.
 *
 * `close()` invalidates the tokenizer: any later read throws, which is how a timed-out parse is
 * stopped at its next read.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import {
  AbstractTokenizer,
  EndOfStreamError,
  type IRandomAccessFileInfo,
  type IReadChunkOptions,
} from "strtok3";

const BLOCK_SIZE = 64 * 1024;
/** Reads larger than this bypass the cache (e.g. a whole ID3v2 tag with a big cover). */
const DIRECT_READ_SIZE = 2 * BLOCK_SIZE;
const MAX_CACHED_BLOCKS = 8;

/**
 * Block buffers of closed tokenizers, for the next ones (per thread). A scan opens thousands of
 * files: allocating and freeing 64 KiB per file kept the allocator's scavenger thread busy.
 * Blocks never leave a tokenizer except as `view()`s, which live only while it is open.
 */
const freeBlocks: Uint8Array[] = [];
const MAX_FREE_BLOCKS = 16;

export class ClosedTokenizerError extends Error {
  constructor(message = "tokenizer closed (parse timed out or was abandoned)") {
    super(message);
    this.name = "ClosedTokenizerError";
  }
}

export class CachedFileTokenizer extends AbstractTokenizer {
  fileInfo: IRandomAccessFileInfo;
  /** `performance.now()` after which every read throws (stops a parser looping on bad input). */
  deadline = Number.POSITIVE_INFINITY;
  /** Reads or skips that ran past the end of the file (a parser expected more bytes). */
  shortReads = 0;
  private fd: number | undefined;
  private readonly blocks = new Map<number, Uint8Array>();

  private constructor(fd: number, fileInfo: IRandomAccessFileInfo, maxBufferSize: number) {
    super({ maxBufferSize });
    this.fd = fd;
    this.fileInfo = fileInfo;
  }

  /** Opens the file; throws the fs error (ENOENT, EACCES, EISDIR …) for the caller to classify. */
  static open(path: string, maxBufferSize: number): CachedFileTokenizer {
    // O_NONBLOCK: opening a FIFO must not block; regular files are unaffected.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) {
        const error = new Error(`not a regular file: ${path}`) as NodeJS.ErrnoException;
        error.code = "EISDIR";
        throw error;
      }
      return new CachedFileTokenizer(fd, { path, size: stat.size }, maxBufferSize);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  supportsRandomAccess(): boolean {
    return true;
  }

  setPosition(position: number): void {
    this.validateLength(position, "position");
    this.position = position;
  }

  /** Bytes [position, position + length) clipped to the file, copied into `target`. */
  readAt(target: Uint8Array, position: number, length: number): number {
    const fd = this.fd;
    if (fd === undefined) throw new ClosedTokenizerError();
    if (performance.now() > this.deadline) {
      this.closeNow();
      throw new ClosedTokenizerError("parsing timed out");
    }
    const end = Math.min(position + length, this.fileInfo.size);
    if (end <= position) return 0;
    if (end - position > DIRECT_READ_SIZE) {
      let done = 0;
      while (position + done < end) {
        const n = readSync(fd, target, done, end - position - done, position + done);
        if (n === 0) break;
        done += n;
      }
      return done;
    }
    let done = 0;
    while (position + done < end) {
      const at = position + done;
      const index = Math.floor(at / BLOCK_SIZE);
      const block = this.block(fd, index);
      const offset = at - index * BLOCK_SIZE;
      if (offset >= block.length) break; // file shrank under us
      const n = Math.min(block.length - offset, end - at);
      target.set(block.subarray(offset, offset + n), done);
      done += n;
    }
    return done;
  }

  /**
   * Bytes [position, position + length) without a copy when they lie in one cached block (else
   * undefined: use `readAt`). The view is valid until the tokenizer closes; do not write to it.
   */
  view(position: number, length: number): Uint8Array | undefined {
    const fd = this.fd;
    if (fd === undefined) throw new ClosedTokenizerError();
    if (position < 0 || position + length > this.fileInfo.size) return undefined;
    const index = Math.floor(position / BLOCK_SIZE);
    const offset = position - index * BLOCK_SIZE;
    if (offset + length > BLOCK_SIZE) return undefined;
    if (performance.now() > this.deadline) {
      this.closeNow();
      throw new ClosedTokenizerError("parsing timed out");
    }
    const block = this.block(fd, index);
    return offset + length <= block.length ? block.subarray(offset, offset + length) : undefined;
  }

  private block(fd: number, index: number): Uint8Array {
    const cached = this.blocks.get(index);
    if (cached) return cached;
    const start = index * BLOCK_SIZE;
    const size = Math.max(0, Math.min(BLOCK_SIZE, this.fileInfo.size - start));
    const data = freeBlocks.pop() ?? new Uint8Array(BLOCK_SIZE);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, data, done, size - done, start + done);
      if (n === 0) break;
      done += n;
    }
    const block = data.subarray(0, done);
    if (this.blocks.size >= MAX_CACHED_BLOCKS) {
      const oldest = this.blocks.keys().next().value;
      // (not recycled: a view of it may still be in use until the tokenizer closes)
      if (oldest !== undefined) this.blocks.delete(oldest);
    }
    this.blocks.set(index, block);
    return block;
  }

  async peekBuffer(target: Uint8Array, options?: IReadChunkOptions): Promise<number> {
    const o = this.normalizeOptions(target, options);
    const n = this.readAt(target, o.position, o.length);
    if (!o.mayBeLess && n < o.length) {
      this.shortReads++;
      throw new EndOfStreamError();
    }
    return n;
  }

  async readBuffer(target: Uint8Array, options?: IReadChunkOptions): Promise<number> {
    const o = this.normalizeOptions(target, options);
    const n = this.readAt(target, o.position, o.length);
    this.position = o.position + n;
    if (!o.mayBeLess && n < o.length) {
      this.shortReads++;
      throw new EndOfStreamError();
    }
    return n;
  }

  async ignore(length: number): Promise<number> {
    const n = await super.ignore(length);
    if (n < length) this.shortReads++;
    return n;
  }

  protected async closeOnce(): Promise<void> {
    this.closeNow();
    await super.closeOnce();
  }

  /** Synchronous close; safe to call more than once. */
  closeNow(): void {
    const fd = this.fd;
    this.fd = undefined;
    for (const block of this.blocks.values()) release(block);
    this.blocks.clear();
    if (fd !== undefined) closeSync(fd);
  }
}

function release(block: Uint8Array | undefined): void {
  if (block && freeBlocks.length < MAX_FREE_BLOCKS) {
    freeBlocks.push(new Uint8Array(block.buffer, 0, BLOCK_SIZE));
  }
}
