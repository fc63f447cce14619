/** `bun run bench`: every benchmark, one process each, in sequence. Nothing here is a test. */
import { join } from "node:path";

const BENCHES = [
  ["scan.bench.ts", "--runs", "3"],
  ["tags.bench.ts", "--runs", "3"],
  ["healthz.bench.ts", "--runs", "3"],
  ["loudness.bench.ts"],
  ["subsonic.bench.ts", "--runs", "3"],
  ["web.bench.ts", "--runs", "5"],
];
const only = process.argv[2];
for (const [file, ...args] of BENCHES) {
  if (only && !file?.startsWith(only)) continue;
  console.log(`\n# ${file}\n`);
  const proc = Bun.spawn(["bun", "run", join(import.meta.dir, file ?? ""), ...args], {
    stdout: "inherit",
    stderr: "inherit",
  });
  if ((await proc.exited) !== 0) process.exitCode = 1;
}
