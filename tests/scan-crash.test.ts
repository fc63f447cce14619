import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { generateLibrary } from "../scripts/generate-library.ts";
import { tempDir } from "./helpers/app.ts";
import { runCli, type ServerProcess, startServer } from "./helpers/process.ts";

const dir = tempDir("bandstand-crash-");
const env = {
  BANDSTAND_DATA_DIR: join(dir, "data"),
  BANDSTAND_MUSIC_DIR: join(dir, "music"),
  // A short delivery timeout: the chunk a killed process held is redelivered after ~11 s.
  BANDSTAND_JOB_TIMEOUT: "6",
  BANDSTAND_AUTO_ANALYZE: "false",
};
let server: ServerProcess | undefined;
afterAll(async () => {
  if (server && server.proc.exitCode === null) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Job {
  id: string;
  state: string;
  done: number;
  total: number | null;
}

async function scanJobs(url: string, key: string): Promise<Job[]> {
  const res = await fetch(`${url}/api/v1/jobs?name=scan`, { headers: { "X-API-Key": key } });
  return ((await res.json()) as { items: Job[] }).items;
}

test("SIGKILL during a scan, then a start: the scan finishes, nothing missing, nothing twice", async () => {
  const lib = await generateLibrary(env.BANDSTAND_MUSIC_DIR, { tracks: 6000, seed: 3 });
  expect(
    (await runCli(["user", "add", "admin", "--admin", "--password", "admin-pw"], env)).code,
  ).toBe(0);
  const key = (await runCli(["apikey", "create", "admin"], env)).stdout.trim();

  server = await startServer(env); // the start enqueues a scan
  let seen: Job | undefined;
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    seen = (await scanJobs(server.url, key))[0];
    if (seen?.state === "started" && seen.done > 0) break;
    await Bun.sleep(5);
  }
  server.proc.kill("SIGKILL");
  await server.proc.exited;
  expect(seen?.state).toBe("started");
  expect(seen?.done ?? 0).toBeGreaterThan(0);

  const db = createClient({ url: `file:${join(env.BANDSTAND_DATA_DIR, "bandstand.db")}` });
  const partial = Number((await db.execute("SELECT count(*) AS n FROM tracks")).rows[0]?.n);
  db.close();
  expect(partial).toBeGreaterThan(0);
  expect(partial).toBeLessThan(lib.tracks.length);

  server = await startServer(env);
  let job: Job | undefined;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    job = (await scanJobs(server.url, key)).find((j) => j.id === seen?.id);
    if (job?.state === "finished" || job?.state === "failed") break;
    await Bun.sleep(100);
  }
  expect(job?.state).toBe("finished");
  // The start after the crash joined the unfinished scan instead of starting another.
  expect((await scanJobs(server.url, key)).length).toBe(1);

  const check = createClient({ url: `file:${join(env.BANDSTAND_DATA_DIR, "bandstand.db")}` });
  const rows = await check.execute("SELECT path FROM tracks");
  check.close();
  const paths = rows.rows.map((r) => String(r.path));
  expect(paths.length).toBe(lib.tracks.length);
  expect(new Set(paths)).toEqual(new Set(lib.tracks.map((t) => t.relPath)));
}, 180_000);
