/**
 * Starts a throwaway redis-server for tests: random port, no persistence,
 * its own temp dir. Missing redis-server is an error, never a skip.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisClient } from "bun";

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const ATTEMPTS = 10;
const READY_TIMEOUT_MS = 5_000;

export async function startRedisServer(options: { bin?: string } = {}): Promise<RedisServer> {
  const bin = Bun.which(options.bin ?? "redis-server");
  if (!bin) {
    throw new Error(
      `${options.bin ?? "redis-server"} is not on PATH; the Redis/Upstash edge tests need it: apt-get install redis-server`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), "bandstand-redis-"));
  let lastError = "";
  // redis-server has no "--port 0": pick a random port, retry when it is taken.
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const logfile = join(dir, `redis-${port}.log`);
    const proc = Bun.spawn(
      [
        bin,
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--logfile",
        logfile,
      ],
      { stdin: "ignore", stdout: "ignore", stderr: "ignore" },
    );
    const url = `redis://127.0.0.1:${port}`;
    if (await answers(url, proc)) {
      return {
        url,
        port,
        async stop() {
          proc.kill();
          await proc.exited;
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    proc.kill();
    await proc.exited;
    lastError = await readFile(logfile, "utf8").catch(() => "(no log)");
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`redis-server did not start after ${ATTEMPTS} attempts; last log:\n${lastError}`);
}

/** True once `proc` itself answers PING on `url` (not some other server on that port). */
async function answers(url: string, proc: Bun.Subprocess): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && proc.exitCode === null) {
    const client = new RedisClient(url, {
      autoReconnect: false,
      enableOfflineQueue: false,
      connectionTimeout: 500,
    });
    try {
      await client.connect();
      if ((await client.send("PING", [])) === "PONG") {
        const info: string = await client.send("INFO", ["server"]);
        return info.includes(`process_id:${proc.pid}\r\n`);
      }
    } catch {
      // Not listening yet.
    } finally {
      client.close();
    }
    await Bun.sleep(25);
  }
  return false;
}
