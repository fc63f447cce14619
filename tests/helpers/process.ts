import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");

export function freePort(): number {
  const probe = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = probe.port ?? 0;
  probe.stop(true);
  return port;
}

export interface ServerProcess {
  url: string;
  proc: ReturnType<typeof Bun.spawn>;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Starts `bun run server.ts` as a real process and waits for /healthz. */
export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = freePort();
  const proc = Bun.spawn(["bun", "run", "server.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: "info", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += new TextDecoder().decode(chunk);
  };
  void collect(proc.stdout as ReadableStream<Uint8Array>);
  void collect(proc.stderr as ReadableStream<Uint8Array>);
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`server exited: ${text}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    await Bun.sleep(50);
  }
  return {
    url,
    proc,
    output: () => text,
    async stop(signal = "SIGTERM") {
      proc.kill(signal);
      return proc.exited;
    },
  };
}

export async function runCli(args: string[], env: Record<string, string>, stdin?: string) {
  const proc = Bun.spawn(["bun", "run", "cli.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}
