import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, fullJitterDelay } from './backoff.ts';

describe('fullJitterDelay', () => {
  it('defaults: ceilings 3 s doubling to a 30 s cap', () => {
    const almostOne = () => 0.999_999;
    const delays = [0, 1, 2, 3, 4, 5, 50].map((attempt) =>
      fullJitterDelay(attempt, DEFAULT_BACKOFF, almostOne),
    );
    expect(delays).toEqual([2999, 5999, 11_999, 23_999, 29_999, 29_999, 29_999]);
  });

  it('random 0 gives 0 (full jitter reaches down to no wait)', () => {
    expect(fullJitterDelay(7, DEFAULT_BACKOFF, () => 0)).toBe(0);
  });

  it('stays within [0, min(maxMs, initialMs × factor^attempt)) for any random in [0, 1)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        (attempt, r, initialMs, maxMs, factor) => {
          const delay = fullJitterDelay(attempt, { initialMs, maxMs, factor }, () => r);
          const ceiling = Math.min(maxMs, initialMs * factor ** attempt);
          return Number.isInteger(delay) && delay >= 0 && delay < ceiling;
        },
      ),
    );
  });
});
