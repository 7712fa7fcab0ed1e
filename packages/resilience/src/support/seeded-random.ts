/**
 * A small seeded PRNG (mulberry32): the same seed gives the same disconnect points, kill points
 * and fuzz inputs on every run, so a failure can be replayed by its seed.
 */
export interface SeededRandom {
  readonly seed: number;
  /** In [0, 1). */
  next(): number;
  /** A whole number in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** `count` distinct whole numbers in [min, max], ascending. */
  distinct(count: number, min: number, max: number): number[];
}

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    pick: (items) => items[int(0, items.length - 1)]!,
    distinct(count, min, max) {
      if (max - min + 1 < count) throw new Error(`cannot pick ${count} distinct numbers in [${min}, ${max}]`);
      const chosen = new Set<number>();
      while (chosen.size < count) chosen.add(int(min, max));
      return [...chosen].sort((a, b) => a - b);
    },
  };
}

/** The seed of this run: `RESILIENCE_SEED` when set (to replay a failure), else `fallback`. */
export function runSeed(fallback: number): number {
  const raw = process.env.RESILIENCE_SEED;
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : fallback;
}
