/**
 * A lean HTTP/1.1 load client: one keep-alive TCP connection per simulated client, one request
 * in flight on it, every response read to its last byte (Content-Length or chunked). It does
 * per request what `fetch` + `arrayBuffer()` does, minus the Request/Response/Headers objects
 * and the connection pool: on a 2-core machine the load generator shares the CPU with the
 * server, and `fetch` spends about as much of it per request as a cached Subsonic answer does.
 */

export interface Answer {
  status: number;
  /** Body bytes received (after de-chunking). */
  bytes: number;
}

const CRLF = 0x0d0a;
const decoder = new TextDecoder();

/** One connection; `send` waits for the whole answer before the next request may go. */
export class HttpConnection {
  private socket: Awaited<ReturnType<typeof Bun.connect>> | undefined;
  private pending:
    | { resolve: (a: Answer) => void; reject: (e: Error) => void; parser: Parser }
    | undefined;

  private constructor(private readonly url: URL) {}

  static async open(url: string | URL): Promise<HttpConnection> {
    const c = new HttpConnection(new URL(url));
    await c.connect();
    return c;
  }

  private async connect(): Promise<void> {
    this.socket = await Bun.connect({
      hostname: this.url.hostname,
      port: Number(this.url.port || 80),
      socket: {
        data: (_s, chunk) => {
          const p = this.pending;
          if (!p) return;
          try {
            if (p.parser.push(chunk)) {
              this.pending = undefined;
              if (p.parser.close) this.socket = undefined;
              p.resolve({ status: p.parser.status, bytes: p.parser.bodyBytes });
            }
          } catch (err) {
            this.pending = undefined;
            p.reject(err as Error);
          }
        },
        close: () => {
          this.socket = undefined;
          const p = this.pending;
          this.pending = undefined;
          p?.reject(new Error("connection closed before the answer ended"));
        },
        error: (_s, err) => {
          const p = this.pending;
          this.pending = undefined;
          p?.reject(err);
        },
      },
    });
  }

  /** GETs `path` (with its query) and reads the whole answer. */
  async send(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    if (this.pending) throw new Error("one request at a time per connection");
    if (!this.socket) await this.connect();
    let head = `GET ${path} HTTP/1.1\r\nHost: ${this.url.host}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    return new Promise<Answer>((resolve, reject) => {
      this.pending = { resolve, reject, parser: new Parser() };
      this.socket?.write(`${head}\r\n`);
    });
  }

  close(): void {
    this.socket?.end();
    this.socket = undefined;
  }
}

/** Incremental parser of one response: head, then a sized or chunked body. */
class Parser {
  status = 0;
  bodyBytes = 0;
  close = false;
  private head: Uint8Array | undefined = new Uint8Array(0);
  private remaining = -1; // body bytes still expected (sized), or of the current chunk
  private chunked = false;
  private trailer = new Uint8Array(0); // chunked framing bytes not yet complete

  /** Takes received bytes; true once the answer is complete. */
  push(chunk: Uint8Array): boolean {
    let data = chunk;
    if (this.head) {
      const joined = concat(this.head, data);
      const end = indexOfHeadEnd(joined);
      if (end < 0) {
        this.head = joined;
        return false;
      }
      this.readHead(decoder.decode(joined.subarray(0, end)));
      this.head = undefined;
      data = joined.subarray(end + 4);
      if (!this.chunked && this.remaining === 0) return true;
    }
    return this.chunked ? this.pushChunked(data) : this.pushSized(data);
  }

  private readHead(text: string): void {
    const lines = text.split("\r\n");
    this.status = Number(lines[0]?.slice(9, 12));
    let length: number | undefined;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line
        .slice(colon + 1)
        .trim()
        .toLowerCase();
      if (name === "content-length") length = Number(value);
      else if (name === "transfer-encoding" && value.includes("chunked")) this.chunked = true;
      else if (name === "connection" && value === "close") this.close = true;
    }
    if (!this.chunked) {
      if (length === undefined) throw new Error("answer without Content-Length or chunks");
      this.remaining = length;
    }
  }

  private pushSized(data: Uint8Array): boolean {
    this.bodyBytes += data.length;
    this.remaining -= data.length;
    if (this.remaining < 0) throw new Error("more bytes than Content-Length");
    return this.remaining === 0;
  }

  private pushChunked(data: Uint8Array): boolean {
    let buf = this.trailer.length ? concat(this.trailer, data) : data;
    this.trailer = new Uint8Array(0);
    for (;;) {
      if (this.remaining === -3) {
        // After the last (empty) chunk: the CRLF of the empty trailer section.
        if (buf.length < 2) {
          this.trailer = buf.slice();
          return false;
        }
        return true;
      }
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, buf.length);
        this.bodyBytes += take;
        this.remaining -= take;
        buf = buf.subarray(take);
        if (this.remaining > 0) return false;
        this.remaining = -2; // the CRLF after the chunk's data
      }
      if (this.remaining === -2) {
        if (buf.length < 2) {
          this.trailer = buf.slice();
          return false;
        }
        buf = buf.subarray(2);
        this.remaining = -1;
      }
      // A chunk size line: hex, optional extensions, CRLF.
      const eol = indexOfCrlf(buf);
      if (eol < 0) {
        this.trailer = buf.slice();
        return false;
      }
      const size = Number.parseInt(decoder.decode(buf.subarray(0, eol)).split(";")[0] ?? "", 16);
      if (!Number.isFinite(size)) throw new Error("bad chunk size");
      buf = buf.subarray(eol + 2);
      // The last chunk: then an empty trailer section (no trailers are sent to us).
      this.remaining = size === 0 ? -3 : size;
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function indexOfHeadEnd(b: Uint8Array): number {
  for (let i = 0; i + 3 < b.length; i++) {
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  }
  return -1;
}

function indexOfCrlf(b: Uint8Array): number {
  for (let i = 0; i + 1 < b.length; i++) {
    if (((b[i] ?? 0) << 8) + (b[i + 1] ?? 0) === CRLF) return i;
  }
  return -1;
}
