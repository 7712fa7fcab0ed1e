import { describe, expect, it } from 'vitest';
import { createRecentIds } from './recent-ids.ts';

describe('createRecentIds', () => {
  it('remembers up to capacity ids and forgets the oldest first', () => {
    const ids = createRecentIds(2);
    ids.add('a');
    ids.add('b');
    ids.add('c');
    expect([ids.has('a'), ids.has('b'), ids.has('c')]).toEqual([false, true, true]);
  });

  it('compares ids exactly, as opaque strings', () => {
    const ids = createRecentIds(10);
    ids.add('ep.a');
    expect([ids.has('ep.a'), ids.has('ep.A'), ids.has('ep.a ')]).toEqual([true, false, false]);
  });

  it('clear() forgets everything; capacity 0 remembers nothing', () => {
    const ids = createRecentIds(10);
    ids.add('a');
    ids.clear();
    expect(ids.has('a')).toBe(false);
    const none = createRecentIds(0);
    none.add('a');
    expect(none.has('a')).toBe(false);
  });
});
