/** Pieces every benchmark shares: arguments, statistics, the cached generated library. */
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateLibrary } from "../scripts/generate-library.ts";

export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** A generated library of `tracks` tracks, made once and reused by every benchmark. */
export async function benchLibrary(tracks: number): Promise<string> {
  const music = join(tmpdir(), `bandstand-bench-library-${tracks}`);
  if (!existsSync(join(music, ".complete"))) {
    rmSync(music, { recursive: true, force: true });
    const t0 = performance.now();
    await generateLibrary(music, { tracks, seed: 1 });
    await Bun.write(join(music, ".complete"), "");
    console.log(`generated ${tracks} tracks in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return music;
}
