/**
 * A file as an HTTP answer with Range support. Bun.serve handles Range itself only for a whole
 * Bun.file(); slicing here gives the same 206 answers through `app.handle` (tests) and lets us
 * add headers, while Bun still sends the slice with sendfile.
 */

export interface FileAnswer {
  path: string;
  mime: string;
  size: number;
  mtimeMs: number;
  headers?: Record<string, string>;
}

type ByteRange = { start: number; end: number } | "unsatisfiable" | undefined;

/** One `bytes=` range (inclusive end); several ranges are answered as a whole (200). */
export function parseRange(header: string | null, size: number): ByteRange {
  const m = header?.match(/^bytes=(\d*)-(\d*)$/);
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

export function fileResponse(request: Request, f: FileAnswer): Response {
  const headers: Record<string, string> = {
    "Content-Type": f.mime,
    "Accept-Ranges": "bytes",
    "Last-Modified": new Date(f.mtimeMs).toUTCString(),
    ...f.headers,
  };
  const range = parseRange(request.headers.get("range"), f.size);
  if (range === "unsatisfiable") {
    return new Response(null, {
      status: 416,
      headers: { ...headers, "Content-Range": `bytes */${f.size}` },
    });
  }
  const file = Bun.file(f.path);
  if (!range) {
    return new Response(file, {
      headers: { ...headers, "Content-Length": String(f.size) },
    });
  }
  return new Response(file.slice(range.start, range.end + 1), {
    status: 206,
    headers: {
      ...headers,
      "Content-Length": String(range.end - range.start + 1),
      "Content-Range": `bytes ${range.start}-${range.end}/${f.size}`,
    },
  });
}
