import { ResumableSseError } from '../errors.ts';

export interface RingBufferOptions<T> {
  /** Most items kept; appending to a full ring evicts the oldest. A positive integer. */
  readonly capacity: number;
  /** Most bytes kept, as measured by `sizeOf`. @default undefined (no byte limit) */
  readonly maxBytes?: number | undefined;
  /** Size of one item in bytes. Required with `maxBytes`; called once per append. */
  readonly sizeOf?: ((item: T) => number) | undefined;
}

/**
 * A fixed-capacity log of items with consecutive offsets (first 1, +1 per append, never reused).
 *
 * Because retained offsets are consecutive, an offset maps to a slot by arithmetic, so seeking is
 * O(1) and reading k items after an offset is O(k). Backed by one preallocated array with a head
 * index, so appends never shift or reallocate.
 */
export class RingBuffer<T> {
  readonly capacity: number;
  readonly maxBytes: number | undefined;
  readonly #sizeOf: ((item: T) => number) | undefined;
  readonly #items: (T | undefined)[];
  /** Byte size per slot, kept so eviction need not measure again. Empty without `sizeOf`. */
  readonly #sizes: number[];
  /** Slot of the oldest retained item. */
  #start = 0;
  #size = 0;
  #bytes = 0;
  #head = 0;

  constructor(options: RingBufferOptions<T>) {
    const { capacity, maxBytes, sizeOf } = options;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new ResumableSseError(
        'INVALID_OPTION',
        `RingBuffer capacity must be a positive integer, got ${String(capacity)}.`,
      );
    }
    if (maxBytes !== undefined) {
      if (!(Number.isFinite(maxBytes) && maxBytes > 0)) {
        throw new ResumableSseError(
          'INVALID_OPTION',
          `RingBuffer maxBytes must be a positive number, got ${String(maxBytes)}.`,
        );
      }
      if (sizeOf === undefined) {
        throw new ResumableSseError(
          'INVALID_OPTION',
          'RingBuffer maxBytes needs a sizeOf(item) function to measure items.',
        );
      }
    }
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.#sizeOf = sizeOf;
    this.#items = new Array<T | undefined>(capacity);
    this.#sizes = sizeOf === undefined ? [] : new Array<number>(capacity).fill(0);
  }

  /** Items retained now. */
  get size(): number {
    return this.#size;
  }

  /** Bytes retained now, as measured by `sizeOf` (0 when there is no `sizeOf`). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Offset of the newest item ever appended; 0 before the first append. */
  get headOffset(): number {
    return this.#head;
  }

  /** Offset of the oldest retained item, or `null` when nothing is retained. */
  get oldestOffset(): number | null {
    return this.#size === 0 ? null : this.#head - this.#size + 1;
  }

  /** Size `item` would count for, so a caller can refuse it before appending anything. */
  measure(item: T): number {
    return this.#sizeOf === undefined ? 0 : this.#sizeOf(item);
  }

  /** True when `item` alone fits the byte limit (always true without one). */
  fits(item: T): boolean {
    return this.maxBytes === undefined || this.measure(item) <= this.maxBytes;
  }

  /**
   * Appends one item and returns its offset, evicting the oldest items while the ring is over
   * capacity. Throws `PAYLOAD_TOO_LARGE` (and changes nothing) when the item alone exceeds `maxBytes`.
   */
  append(item: T): number {
    const itemBytes = this.measure(item);
    if (this.maxBytes !== undefined) {
      if (itemBytes > this.maxBytes) {
        throw new ResumableSseError(
          'PAYLOAD_TOO_LARGE',
          `An item of ${itemBytes} bytes exceeds the ring's maxBytes of ${this.maxBytes}; raise maxBytes or send smaller events.`,
        );
      }
      while (this.#size > 0 && this.#bytes + itemBytes > this.maxBytes) this.#evictOldest();
    }
    if (this.#size === this.capacity) this.#evictOldest();
    const slot = (this.#start + this.#size) % this.capacity;
    this.#items[slot] = item;
    if (this.#sizeOf !== undefined) this.#sizes[slot] = itemBytes;
    this.#size += 1;
    this.#bytes += itemBytes;
    this.#head += 1;
    return this.#head;
  }

  /** The retained item at `offset`, or `undefined` when it is not retained. O(1). */
  get(offset: number): T | undefined {
    const oldest = this.oldestOffset;
    if (oldest === null || !Number.isInteger(offset) || offset < oldest || offset > this.#head)
      return undefined;
    return this.#items[this.#slotOf(offset, oldest)];
  }

  /**
   * Up to `limit` retained items with offset greater than `after`, oldest first. An `after` below
   * the oldest retained offset reads from the oldest. O(1) seek plus O(k) copy.
   */
  readAfter(after: number, limit: number): T[] {
    const oldest = this.oldestOffset;
    if (oldest === null || !(limit >= 1) || Number.isNaN(after)) return [];
    const first = Math.max(oldest, Math.floor(after) + 1);
    if (first > this.#head) return [];
    const count = Math.min(Math.floor(Math.min(limit, Number.MAX_SAFE_INTEGER)), this.#head - first + 1);
    const out = new Array<T>(count);
    let slot = this.#slotOf(first, oldest);
    for (let i = 0; i < count; i += 1) {
      out[i] = this.#items[slot] as T;
      slot = slot + 1 === this.capacity ? 0 : slot + 1;
    }
    return out;
  }

  /**
   * Evicts items from the old end while `shouldEvict` says so; stops at the first item it keeps.
   * Returns how many were evicted. O(evicted), so age retention costs nothing when nothing expired.
   */
  evictWhile(shouldEvict: (item: T, offset: number) => boolean): number {
    let evicted = 0;
    while (this.#size > 0) {
      const oldest = this.#head - this.#size + 1;
      if (!shouldEvict(this.#items[this.#start] as T, oldest)) break;
      this.#evictOldest();
      evicted += 1;
    }
    return evicted;
  }

  /** Drops every retained item; offsets continue from the current head. */
  clear(): void {
    this.#items.fill(undefined);
    if (this.#sizeOf !== undefined) this.#sizes.fill(0);
    this.#start = 0;
    this.#size = 0;
    this.#bytes = 0;
  }

  #slotOf(offset: number, oldest: number): number {
    return (this.#start + (offset - oldest)) % this.capacity;
  }

  #evictOldest(): void {
    // Clearing the slot lets the garbage collector reclaim the evicted item now, not a lap later.
    this.#items[this.#start] = undefined;
    if (this.#sizeOf !== undefined) {
      this.#bytes -= this.#sizes[this.#start] ?? 0;
      this.#sizes[this.#start] = 0;
    }
    this.#start = this.#start + 1 === this.capacity ? 0 : this.#start + 1;
    this.#size -= 1;
  }
}
