/**
 * Medians over runs, and ratios taken within each run before the median: a ratio compares two
 * contenders measured minutes apart on the same machine state, never across runs.
 */

import type { Samples } from '../bench.ts';
import { median } from '../harness/stats.ts';

export function medianOf<T>(samples: Samples<T>, key: string, metric: (sample: T) => number): number {
  return median((samples[key] ?? []).map((sample) => (sample ? metric(sample) : Number.NaN)));
}

/** Median over runs of `metric(a) / metric(b)`, using only runs where both were measured. */
export function ratioOf<T>(samples: Samples<T>, a: string, b: string, metric: (sample: T) => number): number {
  const left = samples[a] ?? [];
  const right = samples[b] ?? [];
  const ratios: number[] = [];
  for (let run = 0; run < Math.min(left.length, right.length); run += 1) {
    const x = left[run];
    const y = right[run];
    if (x && y) ratios.push(metric(x) / metric(y));
  }
  return median(ratios);
}
