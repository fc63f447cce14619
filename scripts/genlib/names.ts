// Deterministic randomness and made-up names for the synthetic library.

/** Small seeded PRNG (32-bit state, "mulberry"-style mixing); deterministic across platforms. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = (Math.floor(seed) ^ 0x5bd1e995) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from empty list");
    return items[Math.floor(this.next() * items.length)] as T;
  }

  weighted<T>(items: readonly T[], weight: (item: T) => number): T {
    const total = items.reduce((a, i) => a + weight(i), 0);
    let r = this.next() * total;
    for (const item of items) {
      r -= weight(item);
      if (r < 0) return item;
    }
    return items[items.length - 1] as T;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = Math.floor(this.next() * 4294967296);
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
    }
    return out;
  }

  uuid(): string {
    const b = this.bytes(16);
    b[6] = ((b[6] as number) & 0x0f) | 0x40;
    b[8] = ((b[8] as number) & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}

const ADJECTIVES = [
  "Velvet",
  "Silent",
  "Electric",
  "Golden",
  "Broken",
  "Hollow",
  "Crimson",
  "Distant",
  "Paper",
  "Neon",
  "Quiet",
  "Wild",
  "Burning",
  "Frozen",
  "Lonely",
  "Bright",
  "Midnight",
  "Restless",
  "Amber",
  "Glass",
  "Silver",
  "Wandering",
  "Hidden",
  "Fading",
  "Northern",
  "Sleepless",
  "Tender",
  "Radiant",
  "Rusty",
  "Violet",
  "Endless",
  "Secret",
  "Savage",
  "Lucky",
  "Sudden",
  "Weightless",
] as const;

const NOUNS = [
  "Harbor",
  "Lantern",
  "River",
  "Mirror",
  "Garden",
  "Signal",
  "Engine",
  "Orchard",
  "Comet",
  "Tide",
  "Canyon",
  "Ember",
  "Satellite",
  "Meadow",
  "Cathedral",
  "Machine",
  "Horizon",
  "Forest",
  "Island",
  "Thunder",
  "Window",
  "Station",
  "Desert",
  "Feather",
  "Ocean",
  "Winter",
  "Summer",
  "Highway",
  "Monument",
  "Circus",
  "Planet",
  "Shadow",
  "Ribbon",
  "Lighthouse",
  "Echo",
  "Valley",
] as const;

const PLURALS = [
  "Lanterns",
  "Foxes",
  "Wolves",
  "Strangers",
  "Machines",
  "Satellites",
  "Rivers",
  "Ghosts",
  "Sparrows",
  "Pilots",
  "Dreamers",
  "Tigers",
  "Comets",
  "Saints",
  "Echoes",
  "Giants",
  "Owls",
] as const;

const FIRST = [
  "Mira",
  "Jonas",
  "Ada",
  "Luca",
  "Nina",
  "Omar",
  "Elif",
  "Tomas",
  "Hana",
  "Felix",
  "Ines",
  "Kai",
  "Lena",
  "Mateo",
  "Priya",
  "Sven",
  "Yara",
  "Noah",
  "Zoë",
  "Aurélie",
  "Björn",
  "Chloé",
  "Dmitri",
  "Søren",
  "Ana",
  "Kenji",
  "Fatou",
  "Olu",
  "Rosa",
  "Théo",
] as const;

const LAST = [
  "Okafor",
  "Lindqvist",
  "Moreau",
  "Tanaka",
  "Novak",
  "Reyes",
  "Hartmann",
  "Costa",
  "Kowalski",
  "Ibarra",
  "Nakamura",
  "Fischer",
  "O'Brien",
  "Haddad",
  "Larsen",
  "Silva",
  "Duarte",
  "Ahn",
  "Brennan",
  "Petrović",
  "Jóhannsdóttir",
  "Müller",
  "Ferreira",
  "Kaur",
] as const;

/** Names with non-ASCII scripts, punctuation and path-unsafe characters, as real tags have. */
const SPECIAL_ARTISTS = [
  "Sigur Blá",
  "東京 Drift",
  "Ensemble Ça Va",
  "Mötley Lantern",
  "Ólafur & Dóttir",
  "AC/DB",
  "Guns N' Lanterns",
  "!!!Echo",
  "The The Band",
  "Пётр Иванов",
  "Café Tacvba Tribute",
  "Λάμψη",
  "Salt-N-Pepper Mill",
  "...And You Will Know Us",
  "L'Orchestre Étoile",
  "Sonny: Live",
] as const;

const SPECIAL_TITLES = [
  "What If?",
  "Up/Down",
  'Half "Quoted"',
  "Live: Part 1",
  "Star*Gazer",
  "<Untitled>",
  "Ça plane pour moi",
  "夜明け",
  "Ωmega",
  "Back | Forth",
  "Don't Stop",
  "100%",
  "Trailing Dot.",
] as const;

const COMMON_ALBUMS = [
  "Greatest Hits",
  "Live",
  "Demos",
  "Untitled",
  "B-Sides",
  "Unplugged",
] as const;
const COMMON_TITLES = ["Intro", "Interlude", "Outro", "Untitled", "Home", "Reprise"] as const;

export const GENRES = [
  "Rock",
  "Pop",
  "Jazz",
  "Electronic",
  "Hip-Hop",
  "Classical",
  "Folk",
  "Metal",
  "Blues",
  "Ambient",
  "Soul",
  "Reggae",
  "Punk",
  "Country",
  "Indie",
  "R&B",
  "Funk",
  "Post-Rock",
  "Techno",
  "Shoegaze",
  "Bossa Nova",
  "Drum & Bass",
] as const;

export function artistName(rng: Rng): string {
  const r = rng.next();
  if (r < 0.06) return rng.pick(SPECIAL_ARTISTS);
  if (r < 0.3) return `The ${rng.pick(ADJECTIVES)} ${rng.pick(PLURALS)}`;
  if (r < 0.6) return `${rng.pick(FIRST)} ${rng.pick(LAST)}`;
  if (r < 0.75) return `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`;
  if (r < 0.85) return `${rng.pick(FIRST)} & the ${rng.pick(PLURALS)}`;
  if (r < 0.92) return `DJ ${rng.pick(NOUNS)}`;
  return `${rng.pick(NOUNS)}${rng.pick(["", "s", " Club", " Collective", " Trio"])}`;
}

/** An album title; `artist` makes a self-titled album possible (pass undefined for compilations). */
export function albumTitle(rng: Rng, artist: string | undefined): string {
  const r = rng.next();
  if (r < 0.05) return rng.pick(COMMON_ALBUMS);
  if (r < 0.08 && artist) return artist; // self-titled
  if (r < 0.11) return rng.pick(SPECIAL_TITLES);
  if (r < 0.45) return `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`;
  if (r < 0.6) return `${rng.pick(NOUNS)} of ${rng.pick(NOUNS)}s`;
  if (r < 0.7) return `Songs for the ${rng.pick(NOUNS)}`;
  if (r < 0.8) return `${rng.pick(ADJECTIVES)} ${rng.pick(PLURALS)}`;
  return rng.pick(NOUNS) + rng.pick(["", " Sessions", " (Deluxe Edition)", " Vol. 2", " EP"]);
}

export function trackTitle(rng: Rng): string {
  const r = rng.next();
  if (r < 0.04) return rng.pick(COMMON_TITLES);
  if (r < 0.07) return rng.pick(SPECIAL_TITLES);
  if (r < 0.4) return `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`;
  if (r < 0.55) return rng.pick(NOUNS);
  if (r < 0.7) return `${rng.pick(NOUNS)} in the ${rng.pick(NOUNS)}`;
  if (r < 0.8) return `${rng.pick(ADJECTIVES)} ${rng.pick(PLURALS)}`;
  if (r < 0.9) return `Song for ${rng.pick(FIRST)}`;
  return `${rng.pick(NOUNS)} (${rng.pick(["Remix", "Live", "Acoustic", "Demo", "Radio Edit"])})`;
}

/**
 * A file-system-safe path component: `/ \ : * ? " < > |` become "_", control characters go,
 * leading/trailing dots and spaces are trimmed, length is capped. Tags keep the original text.
 */
export function safeName(s: string): string {
  let out = "";
  for (const ch of s.normalize("NFC")) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x20) continue;
    out += '/\\:*?"<>|'.includes(ch) ? "_" : ch;
  }
  out = out.replace(/^[\s.]+|[\s.]+$/g, "");
  if (out.length > 80) out = out.slice(0, 80).trimEnd();
  return out || "_";
}
