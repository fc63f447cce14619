import { DomainError } from "../errors.ts";

/**
 * Edits of an ordered list of entries (a playlist's tracks, the play queue), as plain functions
 * over positions: the web pages move, remove and reorder entries with them, then store the
 * result through library/playlists.ts or library/playqueue.ts.
 */

/** The entry at `index` must still be `expected` (the page the user acted on may be stale). */
export function entryAt(list: readonly number[], index: number, expected: number): number {
  if (
    !Number.isSafeInteger(index) ||
    index < 0 ||
    index >= list.length ||
    list[index] !== expected
  ) {
    throw new DomainError("not_found", "That track is not at that place in the list (any more).");
  }
  return index;
}

/** A copy of `list` with the entry at `from` moved to position `to`. */
export function moveEntry<T>(list: readonly T[], from: number, to: number): T[] {
  if (from < 0 || from >= list.length || to < 0 || to >= list.length) {
    throw new DomainError("invalid", "That move goes past the end of the list.");
  }
  const out = list.slice();
  const [item] = out.splice(from, 1);
  out.splice(to, 0, item as T);
  return out;
}

/** A copy of `list` without the entry at `index`. */
export function removeEntry<T>(list: readonly T[], index: number): T[] {
  return list.filter((_, i) => i !== index);
}

/**
 * `order` names every old position exactly once, in the new order (what a drag and drop sends);
 * anything else is refused.
 */
export function reorderEntries<T>(list: readonly T[], order: readonly number[]): T[] {
  const seen = new Set<number>();
  for (const p of order) {
    if (!Number.isSafeInteger(p) || p < 0 || p >= list.length || seen.has(p)) break;
    seen.add(p);
  }
  if (seen.size !== list.length || order.length !== list.length) {
    throw new DomainError("invalid", "The new order must name every entry once.");
  }
  return order.map((p) => list[p] as T);
}

/** Where the entry that was at `index` is after moving `from` to `to`. */
export function indexAfterMove(index: number, from: number, to: number): number {
  if (index === from) return to;
  if (from < index && to >= index) return index - 1;
  if (from > index && to <= index) return index + 1;
  return index;
}

/** Where the entry that was at `index` is after a reorder (see reorderEntries). */
export function indexAfterReorder(index: number, order: readonly number[]): number {
  const at = order.indexOf(index);
  return Math.max(at, 0);
}

/**
 * The current entry after removing `removed`: an earlier removal shifts it up; removing the
 * current entry itself makes the next one current (or the new last one).
 */
export function indexAfterRemove(index: number, removed: number, newLength: number): number {
  if (removed < index) return index - 1;
  return Math.max(0, Math.min(index, newLength - 1));
}

/** A comma-separated list of non-negative integers ("" is an empty list), else a 400. */
export function intList(raw: string, what: string): number[] {
  if (raw === "") return [];
  const parts = raw.split(",");
  if (parts.length > 10_000 || !parts.every((p) => /^\d{1,15}$/.test(p.trim()))) {
    throw new DomainError("invalid", `${what} must be a list of numbers`);
  }
  return parts.map((p) => Number(p.trim()));
}
