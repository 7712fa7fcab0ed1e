import { describe, expect, it } from 'vitest';
import { NO_FILTER } from './event-filter.ts';
import { OTHER_TYPES, RateTimeline } from './rate-timeline.ts';

const event = (type: string, source = '/orders') => ({ specversion: '1.0', id: 'x', source, type });

describe('RateTimeline', () => {
  it('counts events per type per bucket as a rate, busiest first, filters applied', () => {
    const timeline = new RateTimeline({ buckets: 4, bucketMs: 500, maxSeries: 5 });
    const base = 10_000;
    for (let i = 0; i < 3; i++) timeline.add(event('a'), base + 100);
    timeline.add(event('b', '/returns'), base + 600);
    timeline.add(event('a'), base + 1_600);
    const window = timeline.window(base + 1_700, NO_FILTER);
    expect(window.from).toBe(base);
    expect(window.series).toEqual([
      { type: 'a', rates: [6, 0, 0, 2], total: 4 },
      { type: 'b', rates: [0, 2, 0, 0], total: 1 },
    ]);
    expect(window.peak).toBe(6);
    const filtered = timeline.window(base + 1_700, { type: '', source: 'RETURNS', subject: '' });
    expect(filtered.series.map((one) => one.type)).toEqual(['b']);
  });

  it('drops what left the window and sums the quiet types as other types', () => {
    const timeline = new RateTimeline({ buckets: 2, bucketMs: 1_000, maxSeries: 1 });
    timeline.add(event('old'), 0);
    timeline.add(event('a'), 5_000);
    timeline.add(event('a'), 5_100);
    timeline.add(event('b'), 5_200);
    timeline.add(event('c'), 5_300);
    const window = timeline.window(5_500, NO_FILTER);
    expect(window.series).toEqual([
      { type: 'a', rates: [0, 2], total: 2 },
      { type: OTHER_TYPES, rates: [0, 2], total: 2 },
    ]);
  });
});
