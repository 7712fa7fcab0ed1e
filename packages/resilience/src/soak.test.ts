/**
 * The short soak (≤ 60 s): 1,000 subscribers under a steady 20 events/s with 5 resumes per
 * second, sampled every second after a full GC. Fails on growth of live heap, RSS (less V8's
 * reserve) or open file descriptors between the two halves of the measured time — the limits and
 * why are in `soak/run-soak.ts` (`growthLimits`) — and on any gap, repeat or reset. The long run
 * is `pnpm soak` (30 minutes by default).
 */
import { describe, expect, it } from 'vitest';
import { describeSoak, runSoak } from './soak/run-soak.ts';
import { recordFigure } from './support/figures.ts';

describe('soak (short)', () => {
  it('holds 1,000 subscribers for 35 s without growth, loss or repeats', async () => {
    const report = await runSoak({
      subscribers: 1_000,
      warmUpMs: 10_000,
      durationMs: 35_000,
      eventsPerSecond: 20,
      churnPerSecond: 5,
      sampleEveryMs: 1_000,
      store: 'memory',
      log: (line) => console.log(line),
    });
    const text = describeSoak(report);
    console.log(text);
    recordFigure('soak short', text);
    expect(report.samples.length).toBeGreaterThanOrEqual(30);
    expect(report.samples.every((sample) => sample.connections >= 1_000 - 5)).toBe(true);
    expect(report.delivered).toBeGreaterThan(0.99 * report.published * 1_000);
    expect({ gaps: report.gaps, repeats: report.repeats, resets: report.resets }).toEqual({
      gaps: 0,
      repeats: 0,
      resets: 0,
    });
    expect(report.failures).toEqual([]);
  }, 60_000);
});
