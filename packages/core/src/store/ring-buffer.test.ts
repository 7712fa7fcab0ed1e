import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isResumableSseError } from '../errors.ts';
import { RingBuffer } from './ring-buffer.ts';

function filled(capacity: number, count: number): RingBuffer<string> {
  const ring = new RingBuffer<string>({ capacity });
  for (let n = 1; n <= count; n += 1) ring.append(`item-${n}`);
  return ring;
}

describe('RingBuffer', () => {
  it('starts empty: head 0, oldest null, size 0', () => {
    const ring = new RingBuffer<string>({ capacity: 3 });
    expect([ring.headOffset, ring.oldestOffset, ring.size, ring.bytes]).toEqual([0, null, 0, 0]);
    expect(ring.readAfter(0, 10)).toEqual([]);
    expect(ring.get(1)).toBeUndefined();
  });

  it('gives appended items consecutive offsets from 1', () => {
    const ring = new RingBuffer<string>({ capacity: 3 });
    expect([ring.append('a'), ring.append('b')]).toEqual([1, 2]);
    expect([ring.oldestOffset, ring.headOffset, ring.size]).toEqual([1, 2, 2]);
    expect(ring.get(1)).toBe('a');
    expect(ring.get(2)).toBe('b');
  });

  it('evicts the oldest when full and never reuses an offset', () => {
    const ring = filled(3, 7);
    expect([ring.oldestOffset, ring.headOffset, ring.size]).toEqual([5, 7, 3]);
    expect(ring.readAfter(0, 10)).toEqual(['item-5', 'item-6', 'item-7']);
    expect(ring.get(4)).toBeUndefined();
    expect(ring.append('next')).toBe(8);
  });

  it('reads after an offset with a limit, across the wrap-around point', () => {
    const ring = filled(4, 10);
    expect(ring.readAfter(7, 2)).toEqual(['item-8', 'item-9']);
    expect(ring.readAfter(8, 10)).toEqual(['item-9', 'item-10']);
    expect(ring.readAfter(2, 1)).toEqual(['item-7']);
    expect(ring.readAfter(10, 5)).toEqual([]);
    expect(ring.readAfter(99, 5)).toEqual([]);
    expect(ring.readAfter(5, 0)).toEqual([]);
    expect(ring.readAfter(5, Number.POSITIVE_INFINITY)).toEqual(['item-7', 'item-8', 'item-9', 'item-10']);
  });

  it('evicts by predicate from the old end only, stopping at the first item it keeps', () => {
    const ring = new RingBuffer<number>({ capacity: 10 });
    for (const value of [1, 2, 9, 3, 4]) ring.append(value);
    const seen: number[] = [];
    const evicted = ring.evictWhile((item, offset) => {
      seen.push(offset);
      return item < 5;
    });
    expect(evicted).toBe(2);
    expect(seen).toEqual([1, 2, 3]);
    expect(ring.readAfter(0, 10)).toEqual([9, 3, 4]);
    expect([ring.oldestOffset, ring.headOffset]).toEqual([3, 5]);
    expect(ring.evictWhile(() => true)).toBe(3);
    expect([ring.oldestOffset, ring.headOffset, ring.size]).toEqual([null, 5, 0]);
    expect(ring.append(10)).toBe(6);
  });

  it('keeps its byte total under maxBytes by evicting the oldest', () => {
    const ring = new RingBuffer<string>({ capacity: 100, maxBytes: 10, sizeOf: (item) => item.length });
    ring.append('aaaa');
    ring.append('bbbb');
    expect(ring.bytes).toBe(8);
    ring.append('cccc');
    expect(ring.readAfter(0, 10)).toEqual(['bbbb', 'cccc']);
    expect(ring.bytes).toBe(8);
    ring.append('dddddddddd');
    expect(ring.readAfter(0, 10)).toEqual(['dddddddddd']);
    expect([ring.bytes, ring.oldestOffset, ring.headOffset]).toEqual([10, 4, 4]);
  });

  it('refuses an item larger than maxBytes and changes nothing', () => {
    const ring = new RingBuffer<string>({ capacity: 5, maxBytes: 4, sizeOf: (item) => item.length });
    ring.append('ab');
    let error: unknown;
    try {
      ring.append('12345');
    } catch (caught) {
      error = caught;
    }
    expect(isResumableSseError(error, 'PAYLOAD_TOO_LARGE')).toBe(true);
    expect(ring.fits('12345')).toBe(false);
    expect([ring.size, ring.bytes, ring.headOffset]).toEqual([1, 2, 1]);
  });

  it('drops everything on clear but continues offsets', () => {
    const ring = new RingBuffer<string>({ capacity: 3, maxBytes: 100, sizeOf: (item) => item.length });
    ring.append('a');
    ring.append('b');
    ring.clear();
    expect([ring.size, ring.bytes, ring.oldestOffset, ring.headOffset]).toEqual([0, 0, null, 2]);
    expect(ring.append('c')).toBe(3);
    expect(ring.readAfter(0, 10)).toEqual(['c']);
  });

  it.each([
    [{ capacity: 0 }],
    [{ capacity: 1.5 }],
    [{ capacity: Number.NaN }],
    [{ capacity: 3, maxBytes: 10 }],
    [{ capacity: 3, maxBytes: 0, sizeOf: () => 1 }],
  ])('rejects invalid options %j with INVALID_OPTION', (options) => {
    expect(() => new RingBuffer<string>(options)).toThrowError(
      expect.objectContaining({ name: 'ResumableSseError', code: 'INVALID_OPTION' }),
    );
  });

  it('seeks by offset arithmetic: 20,000 random reads on a full 1,000,000-slot ring never touch other items', () => {
    const capacity = 1_000_000;
    const ring = new RingBuffer<number>({ capacity });
    const total = capacity + 123_457;
    for (let n = 1; n <= total; n += 1) ring.append(n);
    expect([ring.oldestOffset, ring.headOffset, ring.size]).toEqual([total - capacity + 1, total, capacity]);
    // A linear scan would make this loop take 2 * 10^10 steps; offset arithmetic makes it instant.
    let seed = 42;
    for (let read = 0; read < 20_000; read += 1) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const after = total - capacity + (seed % capacity);
      const items = ring.readAfter(after, 3);
      expect(items[0]).toBe(after + 1);
      expect(items.length).toBe(Math.min(3, total - after));
      expect(ring.get(after + 1)).toBe(after + 1);
    }
    expect(ring.readAfter(0, 2)).toEqual([total - capacity + 1, total - capacity + 2]);
    expect(ring.readAfter(total - 2, 10)).toEqual([total - 1, total]);
  });

  it('never inspects items to seek (items are opaque)', () => {
    const untouchable = (id: number) =>
      new Proxy(
        { id },
        {
          get() {
            throw new Error('the ring read an item while seeking');
          },
        },
      );
    const ring = new RingBuffer<object>({ capacity: 1_000 });
    const items = Array.from({ length: 2_500 }, (_, index) => untouchable(index + 1));
    for (const item of items) ring.append(item);
    const read = ring.readAfter(2_000, 3);
    expect(read.length).toBe(3);
    expect(read[0] === items[2_000]).toBe(true);
    expect(read[2] === items[2_002]).toBe(true);
  });
});

type Operation =
  | { readonly kind: 'append'; readonly size: number }
  | { readonly kind: 'read'; readonly after: number; readonly limit: number }
  | { readonly kind: 'evict'; readonly belowOffset: number }
  | { readonly kind: 'get'; readonly offset: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('append' as const), size: fc.integer({ min: 0, max: 12 }) }),
    weight: 5,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      after: fc.integer({ min: -3, max: 60 }),
      limit: fc.integer({ min: 0, max: 12 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('evict' as const),
      belowOffset: fc.integer({ min: 0, max: 60 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ kind: fc.constant('get' as const), offset: fc.integer({ min: -1, max: 60 }) }),
    weight: 1,
  },
);

interface ModelItem {
  readonly offset: number;
  readonly size: number;
}

describe('RingBuffer against a naive array model', () => {
  it('agrees on every append, readAfter, evictWhile and get', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.option(fc.integer({ min: 12, max: 40 }), { nil: undefined }),
        fc.array(operation, { maxLength: 80 }),
        (capacity, maxBytes, operations) => {
          const ring = new RingBuffer<ModelItem>({ capacity, maxBytes, sizeOf: (item) => item.size });
          let model: ModelItem[] = [];
          let head = 0;
          for (const op of operations) {
            if (op.kind === 'append') {
              head += 1;
              const item = { offset: head, size: op.size };
              expect(ring.append(item)).toBe(head);
              model.push(item);
              while (model.length > capacity) model.shift();
              const bytes = () => model.reduce((sum, kept) => sum + kept.size, 0);
              while (maxBytes !== undefined && bytes() > maxBytes) model.shift();
            } else if (op.kind === 'read') {
              const expected = model.filter((item) => item.offset > op.after).slice(0, op.limit);
              expect(ring.readAfter(op.after, op.limit)).toEqual(expected);
            } else if (op.kind === 'evict') {
              const keepFrom = model.findIndex((item) => item.offset >= op.belowOffset);
              const expectedEvicted = keepFrom === -1 ? model.length : keepFrom;
              expect(ring.evictWhile((_, offset) => offset < op.belowOffset)).toBe(expectedEvicted);
              model = model.slice(expectedEvicted);
            } else {
              expect(ring.get(op.offset)).toEqual(model.find((item) => item.offset === op.offset));
            }
            expect(ring.size).toBe(model.length);
            expect(ring.headOffset).toBe(head);
            expect(ring.oldestOffset).toBe(model[0]?.offset ?? null);
            expect(ring.bytes).toBe(model.reduce((sum, kept) => sum + kept.size, 0));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
