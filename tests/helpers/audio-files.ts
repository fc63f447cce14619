import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** Renders an ffmpeg lavfi source (tone, noise …) into `path` through the real ffmpeg. */
export async function renderLavfi(
  path: string,
  source: string,
  args: string[] = [],
): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  const proc = Bun.spawn(
    ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", source, ...args, path],
    {
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  if ((await proc.exited) !== 0) {
    throw new Error(`ffmpeg failed for ${path}: ${await new Response(proc.stderr).text()}`);
  }
  return path;
}

/** Encodes a short tone with tags. */
export function makeTone(
  path: string,
  opts: {
    frequency?: number;
    seconds?: number;
    tags?: Record<string, string>;
    args?: string[];
  } = {},
): Promise<string> {
  const meta = Object.entries(opts.tags ?? {}).flatMap(([k, v]) => ["-metadata", `${k}=${v}`]);
  return renderLavfi(
    path,
    `sine=frequency=${opts.frequency ?? 440}:duration=${opts.seconds ?? 1}`,
    [...meta, ...(opts.args ?? [])],
  );
}
