import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../store/types.ts';
import { REPLAY_FRAME_MAX_CACHED_BYTES, ReplayFrameCache } from './replay-frames.ts';

const event = (offset: number): StoredEvent => ({
  offset,
  event: undefined,
  data: `e${offset}`,
  time: offset,
});
const bytes = (size: number) => new Uint8Array(size);

describe('replayed frames kept for other connections', () => {
  it('gives back the frame kept for the same event object in the same epoch only', () => {
    const cache = new ReplayFrameCache();
    const first = event(1);
    const frame = bytes(10);
    cache.keep(first, 'epoch-a', frame);
    expect(cache.get(first, 'epoch-a')).toBe(frame);
    // Another epoch's cursor is another frame; an equal event read again is another object.
    expect(cache.get(first, 'epoch-b')).toBeUndefined();
    expect(cache.get(event(1), 'epoch-a')).toBeUndefined();
  });

  it('holds at most its budget of bytes, dropping the oldest frames first', () => {
    const cache = new ReplayFrameCache(1_000);
    const events = Array.from({ length: 5_000 }, (_, n) => event(n + 1));
    for (const kept of events) cache.keep(kept, 'e', bytes(100));
    expect(cache.bytes).toBe(1_000);
    expect(cache.get(events[4_989]!, 'e')).toBeUndefined();
    for (const recent of events.slice(-10)) expect(cache.get(recent, 'e')).toBeDefined();
  });

  it('counts a frame kept again for another epoch once', () => {
    const cache = new ReplayFrameCache(1_000);
    const kept = event(1);
    cache.keep(kept, 'a', bytes(100));
    cache.keep(kept, 'b', bytes(300));
    expect(cache.bytes).toBe(300);
    expect(cache.get(kept, 'b')?.byteLength).toBe(300);
    for (let n = 2; n <= 8; n++) cache.keep(event(n), 'b', bytes(100));
    expect(cache.bytes).toBe(1_000);
    cache.keep(event(9), 'b', bytes(100));
    expect(cache.get(kept, 'b')).toBeUndefined();
    expect(cache.bytes).toBe(800);
  });

  it('does not keep a frame too big to share: one big event would push out many small ones', () => {
    const cache = new ReplayFrameCache();
    const small = event(1);
    cache.keep(small, 'e', bytes(100));
    const big = event(2);
    cache.keep(big, 'e', bytes(REPLAY_FRAME_MAX_CACHED_BYTES + 1));
    expect(cache.get(big, 'e')).toBeUndefined();
    expect(cache.get(small, 'e')).toBeDefined();
    expect(cache.bytes).toBe(100);
  });
});
