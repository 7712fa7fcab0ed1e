import type { CloudEventJson } from './cloudevent-frame.ts';
import { type EventFilter, matchesFilter } from './event-filter.ts';

export interface RateSeries {
  readonly type: string;
  /** Events per second, one per bucket, oldest first. */
  readonly rates: readonly number[];
  readonly total: number;
}

export interface RateWindow {
  /** Start of the first bucket (ms since the Unix epoch). */
  readonly from: number;
  readonly bucketMs: number;
  /** The busiest types first; the rest summed up as `other types`. */
  readonly series: readonly RateSeries[];
  readonly peak: number;
}

interface Sample {
  readonly at: number;
  readonly event: CloudEventJson;
}

export interface RateTimelineOptions {
  readonly buckets: number;
  readonly bucketMs: number;
  /** Types drawn on their own; the others are summed. */
  readonly maxSeries: number;
}

export const OTHER_TYPES = 'other types';

/**
 * Arrival rates per CloudEvent type over a sliding window. Samples older than the window are
 * dropped as new ones come, so memory follows the rate, not the run time; the window is computed
 * on demand (the page asks at most once a second) with the filters applied.
 */
export class RateTimeline {
  readonly #options: RateTimelineOptions;
  #samples: Sample[] = [];
  #start = 0;

  constructor(options: RateTimelineOptions) {
    this.#options = options;
  }

  add(event: CloudEventJson, at: number): void {
    this.#samples.push({ at, event });
    // Dropped lazily in slices: shifting one at a time would make a burst quadratic.
    const span = this.#options.buckets * this.#options.bucketMs;
    while (this.#start < this.#samples.length && this.#samples[this.#start]!.at <= at - span) this.#start++;
    if (this.#start > 4_096 && this.#start * 2 > this.#samples.length) {
      this.#samples = this.#samples.slice(this.#start);
      this.#start = 0;
    }
  }

  clear(): void {
    this.#samples = [];
    this.#start = 0;
  }

  window(now: number, filter: EventFilter): RateWindow {
    const { buckets, bucketMs, maxSeries } = this.#options;
    const end = Math.floor(now / bucketMs) * bucketMs + bucketMs;
    const from = end - buckets * bucketMs;
    const counts = new Map<string, number[]>();
    for (let i = this.#start; i < this.#samples.length; i++) {
      const { at, event } = this.#samples[i]!;
      if (at < from || at >= end || !matchesFilter(event, filter)) continue;
      const type = typeof event.type === 'string' ? event.type : '';
      let row = counts.get(type);
      if (!row) {
        row = new Array<number>(buckets).fill(0);
        counts.set(type, row);
      }
      row[Math.floor((at - from) / bucketMs)]!++;
    }
    const perSecond = 1000 / bucketMs;
    const all = [...counts].map(([type, row]) => ({
      type,
      rates: row.map((count) => count * perSecond),
      total: row.reduce((sum, count) => sum + count, 0),
    }));
    all.sort((a, b) => b.total - a.total || a.type.localeCompare(b.type));
    const series: RateSeries[] = all.slice(0, maxSeries);
    const rest = all.slice(maxSeries);
    if (rest.length > 0) {
      series.push({
        type: OTHER_TYPES,
        rates: rest[0]!.rates.map((_, i) => rest.reduce((sum, one) => sum + one.rates[i]!, 0)),
        total: rest.reduce((sum, one) => sum + one.total, 0),
      });
    }
    const peak = Math.max(0, ...series.flatMap((one) => one.rates));
    return { from, bucketMs, series, peak };
  }
}
