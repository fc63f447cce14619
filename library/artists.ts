/**
 * Splitting of multi-artist tag values.
 *
 * Separators come in three kinds, recognised by their text (surrounding spaces ignored, case
 * ignored):
 * - featuring markers: `feat.`, `feat`, `ft.`, `ft`, `featuring`, `with`;
 * - list separators: `&`, `,`, `and`, `+`, `x`, `vs.`, `vs` — these split ONLY the part of a value
 *   after a featuring marker. "&" and "," are part of many names ("Simon & Garfunkel",
 *   "Earth, Wind & Fire", "Crosby, Stills, Nash & Young"), so a main credit is never split on them,
 *   while a guest list is: "Alice feat. Bob & Carol" → Alice, Bob, Carol;
 *   "Simon & Garfunkel feat. Bob" → Simon & Garfunkel, Bob;
 * - every other separator (";", " / " …) splits everywhere.
 *
 * A bracketed featuring credit, "Alice (feat. Bob)" or "Alice [ft. Bob]", is treated like
 * "Alice feat. Bob" when that marker is among the separators.
 *
 * Bare "/" is not a default separator ("AC/DC"); " / " with spaces is.
 */

export const DEFAULT_ARTIST_SEPARATORS: string[] = [
  ";",
  " / ",
  " feat. ",
  " feat ",
  " ft. ",
  " ft ",
  " featuring ",
  " & ",
  ", ",
];

const FEATURING = new Set(["feat.", "feat", "ft.", "ft", "featuring", "with"]);
const LIST = new Set(["&", ",", "and", "+", "x", "vs.", "vs"]);
const MAX_VALUE_LENGTH = 10_000;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

interface Compiled {
  strong?: RegExp;
  strongKinds: Map<string, boolean>; // lower-cased separator → is featuring
  list?: RegExp;
  bracket?: RegExp;
}

const cache = new Map<string, Compiled>();
/** The last list compiled (a copy) and its result: the same list comes for every tag of a scan. */
let last: { separators: string[]; compiled: Compiled } | undefined;

function sameList(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function compile(separators: string[]): Compiled {
  if (last && sameList(separators, last.separators)) return last.compiled;
  const key = separators.join("\u0001");
  const hit = cache.get(key);
  if (hit) {
    last = { separators: [...separators], compiled: hit };
    return hit;
  }
  const strong: string[] = [];
  const list: string[] = [];
  const strongKinds = new Map<string, boolean>();
  const featuringWords: string[] = [];
  for (const sep of separators) {
    if (!sep) continue;
    const word = sep.trim().toLowerCase();
    if (LIST.has(word)) {
      list.push(sep);
    } else {
      strong.push(sep);
      const featuring = FEATURING.has(word);
      strongKinds.set(sep.toLowerCase(), featuring);
      if (featuring) featuringWords.push(word);
    }
  }
  // Longest first so " feat. " wins over " feat ".
  const alternation = (items: string[]) =>
    [...items]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join("|");
  const compiled: Compiled = {
    strongKinds,
    strong: strong.length ? new RegExp(`(${alternation(strong)})`, "i") : undefined,
    list: list.length ? new RegExp(alternation(list), "i") : undefined,
    bracket: featuringWords.length
      ? new RegExp(`\\s*[([]\\s*(${alternation(featuringWords)})\\s+([^)\\]]+?)\\s*[)\\]]`, "gi")
      : undefined,
  };
  if (cache.size > 32) cache.clear();
  cache.set(key, compiled);
  last = { separators: [...separators], compiled };
  return compiled;
}

function splitOne(value: string, c: Compiled, out: string[]): void {
  let v = value;
  if (c.bracket) v = v.replace(c.bracket, " $1 $2");
  if (!c.strong) {
    out.push(v);
    return;
  }
  // split() with a capturing group interleaves the matched separators.
  const parts = v.split(c.strong);
  let featured = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? "";
    if (i % 2 === 1) {
      featured = c.strongKinds.get(part.toLowerCase()) ?? false;
      continue;
    }
    if (featured && c.list) {
      for (const p of part.split(c.list)) out.push(p);
    } else {
      out.push(part);
    }
  }
}

/**
 * Splits artist values: every value of a multi-valued tag is kept and split further by the
 * separators; pieces are trimmed (NUL removed), empty ones dropped, duplicates removed
 * case-insensitively (first spelling and order kept).
 */
export function splitArtists(
  values: string[],
  separators: string[] = DEFAULT_ARTIST_SEPARATORS,
): string[] {
  const c = compile(separators);
  const pieces: string[] = [];
  for (const value of values) {
    if (typeof value !== "string") continue;
    const v = value.replaceAll("\u0000", "").trim();
    if (!v) continue;
    splitOne(v, c, pieces);
  }
  const seen = new Set<string>();
  const out: string[] = [];
  for (const piece of pieces) {
    const p = piece.trim().slice(0, MAX_VALUE_LENGTH);
    if (!p) continue;
    const key = p.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}
