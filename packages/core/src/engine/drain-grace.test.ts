import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { endWithinGrace } from './drain-grace.ts';
import type { SseSink } from './types.ts';

/** A sink whose unsent bytes the test sets, as a client reading (or not) would. */
function fakeSink(unsent: number, withAbort = true) {
  const calls: string[] = [];
  const sink: SseSink & { unsent: number } = {
    unsent,
    write: () => false,
    drain: () => Promise.resolve(),
    get bufferedBytes() {
      return sink.unsent;
    },
    closed: false,
    end: () => calls.push('end'),
    ...(withAbort && { abort: () => calls.push('abort') }),
  };
  return { sink, calls };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('endWithinGrace', () => {
  it('ends at once and starts no timer when nothing is unsent', () => {
    const { sink, calls } = fakeSink(0);
    endWithinGrace(sink, 1_000);
    expect(calls).toEqual(['end']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops a connection whose unsent bytes did not shrink for a whole grace', () => {
    const { sink, calls } = fakeSink(50_000);
    endWithinGrace(sink, 1_000);
    vi.advanceTimersByTime(999);
    expect(calls).toEqual(['end']);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['end', 'abort']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never drops a client that keeps reading, however long the drain takes', () => {
    const { sink, calls } = fakeSink(50_000);
    endWithinGrace(sink, 1_000);
    for (let i = 0; i < 20; i++) {
      sink.unsent -= 2_000;
      vi.advanceTimersByTime(1_000);
    }
    expect(calls).toEqual(['end']);
    sink.unsent = 0;
    vi.advanceTimersByTime(1_000);
    expect(calls).toEqual(['end']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops a client that read for a while, then stopped', () => {
    const { sink, calls } = fakeSink(50_000);
    endWithinGrace(sink, 1_000);
    sink.unsent = 30_000;
    vi.advanceTimersByTime(1_000);
    vi.advanceTimersByTime(1_000);
    expect(calls).toEqual(['end', 'abort']);
  });

  it('only ends a sink that cannot be dropped', () => {
    const { sink, calls } = fakeSink(50_000, false);
    endWithinGrace(sink, 1_000);
    expect(calls).toEqual(['end']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
