/**
 * TEST-ONLY stand-in for Upstash's REST API, in front of a real redis-server,
 * speaking just what @upstash/redis and @upstash/ratelimit send:
 *   POST /            ["CMD", ...args]        -> {result} | 400 {error}
 *   POST /pipeline    [[...], [...]]          -> [{result} | {error}, ...]
 *   POST /multi-exec  [[...], [...]]          -> same, run inside MULTI/EXEC
 * Authorization: Bearer <token> is required (401 otherwise). With the header
 * "Upstash-Encoding: base64" (the client's default) every string in a result
 * is base64-encoded, recursively through arrays; numbers and null stay as-is.
 */
import { RedisClient } from "bun";

export interface UpstashShim {
  url: string;
  token: string;
  stop(): Promise<void>;
}

type Reply = { result: unknown } | { error: string };

export async function startUpstashShim(
  redisUrl: string,
  token = "test-token",
): Promise<UpstashShim> {
  const redis = new RedisClient(redisUrl);
  await redis.connect();
  // MULTI/EXEC needs a connection of its own, used by one transaction at a time.
  const txClient = await redis.duplicate();
  let txQueue: Promise<unknown> = Promise.resolve();
  // @upstash/ratelimit's scripts start with "#!lua flags=allow-key-locking", a flag
  // redis-server 7 rejects. We strip that line, so remember each original SHA1's
  // stripped twin for EVALSHA.
  const shaAliases = new Map<string, string>();

  /** Arguments as redis-server expects them: strings, shebang removed from scripts. */
  function prepare(command: unknown[]): [string, string[]] {
    const [name = "", ...args] = command.map((part) => String(part));
    const cmd = name.toUpperCase();
    const scriptAt =
      cmd === "EVAL" || cmd === "EVAL_RO"
        ? 0
        : cmd === "SCRIPT" && args[0]?.toUpperCase() === "LOAD"
          ? 1
          : -1;
    const script = args[scriptAt];
    if (script?.startsWith("#!")) {
      const stripped = script.slice(script.indexOf("\n") + 1);
      shaAliases.set(sha1(script), sha1(stripped));
      args[scriptAt] = stripped;
    }
    if ((cmd === "EVALSHA" || cmd === "EVALSHA_RO") && args[0]) {
      args[0] = shaAliases.get(args[0].toLowerCase()) ?? args[0];
    }
    return [cmd, args];
  }

  async function run(client: RedisClient, command: unknown[]): Promise<Reply> {
    try {
      const [cmd, args] = prepare(command);
      return { result: fromResp3(await client.send(cmd, args)) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  async function multiExec(commands: unknown[][]): Promise<Reply[]> {
    await txClient.send("MULTI", []);
    for (const command of commands) {
      const queued = await run(txClient, command);
      if ("error" in queued) {
        await txClient.send("DISCARD", []);
        return commands.map(() => queued);
      }
    }
    const results: unknown[] = await txClient.send("EXEC", []);
    return results.map((r) =>
      r instanceof Error ? { error: r.message } : { result: fromResp3(r) },
    );
  }

  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      if (req.headers.get("authorization") !== `Bearer ${token}`) {
        return Response.json({ error: "Unauthorized" }, { status: 401 });
      }
      const base64 = req.headers.get("upstash-encoding")?.toLowerCase() === "base64";
      const encode = (reply: Reply): Reply =>
        "result" in reply && base64 ? { result: toBase64(reply.result) } : reply;
      const body: unknown = await req.json().catch(() => null);
      if (!Array.isArray(body))
        return Response.json({ error: "ERR body must be a JSON array" }, { status: 400 });
      const path = new URL(req.url).pathname;

      if (path === "/" || path === "") {
        const reply = await run(redis, body);
        return Response.json(encode(reply), { status: "error" in reply ? 400 : 200 });
      }
      if (!body.every(Array.isArray))
        return Response.json({ error: "ERR expected an array of commands" }, { status: 400 });
      if (path === "/pipeline") {
        // Sent in order on one connection, so they run in order.
        const replies = await Promise.all(body.map((command) => run(redis, command)));
        return Response.json(replies.map(encode));
      }
      if (path === "/multi-exec") {
        const tx = txQueue.then(() => multiExec(body));
        txQueue = tx.catch(() => {});
        return Response.json((await tx).map(encode));
      }
      return Response.json({ error: `ERR unknown path ${path}` }, { status: 404 });
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    token,
    async stop() {
      await server.stop(true);
      txClient.close();
      redis.close();
    },
  };
}

function sha1(text: string): string {
  return new Bun.CryptoHasher("sha1").update(text).digest("hex");
}

/**
 * Bun speaks RESP3; Upstash answers like RESP2. Maps become flat [k, v, ...]
 * arrays, booleans 1/0, and non-integer doubles strings (integral doubles such
 * as ZSCORE 1 can't be told from integers, so they stay numbers).
 */
function fromResp3(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromResp3);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && !Number.isInteger(value)) return String(value);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => [k, fromResp3(v)]);
  }
  return value;
}

function toBase64(value: unknown): unknown {
  if (typeof value === "string") return Buffer.from(value, "utf8").toString("base64");
  if (Array.isArray(value)) return value.map(toBase64);
  return value;
}
