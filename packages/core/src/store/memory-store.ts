import { ResumableSseError } from '../errors.ts';
import { newEpoch } from '../protocol/cursor-codec.ts';
import { CLOSED_BY_STORE, closedSubscription } from './closed-subscription.ts';
import { clockOption, optionalWholeNumberOption, resolveRetentionOptions } from './options.ts';
import { RingBuffer } from './ring-buffer.ts';
import type {
  AppendInput,
  AppendResult,
  EventStore,
  LiveEvent,
  RetentionOptions,
  StoredEvent,
  StoreSubscriber,
  StreamPosition,
  Subscription,
} from './types.ts';
import { assertValidAppendInputs } from './validate-append.ts';

export interface MemoryStoreOptions extends RetentionOptions {
  /**
   * Most bytes kept per stream (UTF-8 bytes of `data` plus `event`); the oldest events are evicted
   * first. An event larger than this on its own is refused with `PAYLOAD_TOO_LARGE`.
   * @default undefined (no byte limit)
   */
  readonly maxBytes?: number | undefined;
  /** Clock in milliseconds since the Unix epoch, for event times and age retention. @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** Totals over every stream, for metrics and for checking that memory stays bounded. */
export interface MemoryStoreStats {
  readonly streams: number;
  /** Events retained now. */
  readonly events: number;
  /** Idempotency keys still remembered (expired ones are dropped on the stream's next append or read). */
  readonly idempotencyKeys: number;
  readonly subscribers: number;
}

interface SubscriberEntry {
  readonly subscriber: StoreSubscriber;
}

interface RememberedKey {
  readonly offset: number;
  readonly expiresAt: number;
}

interface StreamLog {
  readonly epoch: string;
  readonly ring: RingBuffer<StoredEvent>;
  readonly subscribers: Set<SubscriberEntry>;
  /** Insertion order is expiry order (one window for all keys), so expiring walks from the front. */
  readonly keys: Map<string, RememberedKey>;
  /** Events appended while subscribers were being called (by a subscriber); delivered after, in order. */
  readonly backlog: LiveEvent[];
  delivering: boolean;
}

/**
 * An in-process `EventStore`: one ring buffer per stream, nothing persisted. Restarting the process
 * loses every log, and each stream gets a fresh epoch, so old cursors are answered with `reset`.
 *
 * @example
 * const store = memoryStore({ maxEvents: 1000, maxAgeMs: 60_000 });
 * await store.append('chat', [{ event: 'message', data: 'hi' }]);
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryStore(options);
}

export class MemoryStore implements EventStore {
  readonly kind = 'memory';
  readonly #maxEvents: number;
  readonly #maxBytes: number | undefined;
  readonly #maxAgeMs: number | undefined;
  readonly #idempotencyWindowMs: number;
  readonly #now: () => number;
  readonly #streams = new Map<string, StreamLog>();
  #closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    const retention = resolveRetentionOptions('memoryStore', options);
    this.#maxEvents = retention.maxEvents;
    this.#maxAgeMs = retention.maxAgeMs;
    this.#idempotencyWindowMs = retention.idempotencyWindowMs;
    this.#maxBytes = optionalWholeNumberOption('memoryStore', 'maxBytes', options.maxBytes, { min: 1 });
    this.#now = clockOption('memoryStore', options.now);
  }

  async append(stream: string, events: readonly AppendInput[]): Promise<AppendResult[]> {
    this.#assertOpen();
    assertValidAppendInputs(events);
    if (this.#maxBytes !== undefined) this.#assertFits(events, this.#maxBytes);
    if (events.length === 0) return [];

    // Nothing below can throw, so the batch is stored whole or (above) not at all.
    const log = this.#logOf(stream);
    const now = this.#now();
    this.#expire(log, now);
    const results: AppendResult[] = [];
    const appended: LiveEvent[] = [];
    for (const input of events) {
      const key = input.idempotencyKey;
      const remembered = key === undefined ? undefined : log.keys.get(key);
      if (remembered !== undefined && remembered.expiresAt > now) {
        results.push({ epoch: log.epoch, offset: remembered.offset, duplicate: true });
        continue;
      }
      const offset = log.ring.headOffset + 1;
      const stored: StoredEvent = Object.freeze({ offset, event: input.event, data: input.data, time: now });
      log.ring.append(stored);
      if (key !== undefined && this.#idempotencyWindowMs > 0) {
        log.keys.delete(key);
        log.keys.set(key, { offset, expiresAt: now + this.#idempotencyWindowMs });
      }
      results.push({ epoch: log.epoch, offset, duplicate: false, time: now });
      if (log.subscribers.size > 0) appended.push(Object.freeze({ ...stored, epoch: log.epoch }));
    }
    this.#deliver(log, appended);
    return results;
  }

  async readAfter(stream: string, after: number, limit: number): Promise<StoredEvent[]> {
    this.#assertOpen();
    const log = this.#streams.get(stream);
    if (log === undefined) return [];
    this.#expire(log, this.#now());
    return log.ring.readAfter(after, limit);
  }

  async position(stream: string): Promise<StreamPosition> {
    this.#assertOpen();
    const log = this.#logOf(stream);
    this.#expire(log, this.#now());
    return { epoch: log.epoch, oldest: log.ring.oldestOffset, head: log.ring.headOffset };
  }

  subscribe(stream: string, subscriber: StoreSubscriber): Subscription {
    if (this.#closed) {
      return closedSubscription(subscriber);
    }
    const log = this.#logOf(stream);
    const entry: SubscriberEntry = { subscriber };
    log.subscribers.add(entry);
    return {
      ready: Promise.resolve(),
      unsubscribe: () => {
        log.subscribers.delete(entry);
      },
    };
  }

  stats(): MemoryStoreStats {
    let events = 0;
    let idempotencyKeys = 0;
    let subscribers = 0;
    for (const log of this.#streams.values()) {
      events += log.ring.size;
      idempotencyKeys += log.keys.size;
      subscribers += log.subscribers.size;
    }
    return { streams: this.#streams.size, events, idempotencyKeys, subscribers };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const logs = [...this.#streams.values()];
    this.#streams.clear();
    for (const log of logs) {
      const entries = [...log.subscribers];
      log.subscribers.clear();
      for (const { subscriber } of entries) callSafely(() => subscriber.onClose(CLOSED_BY_STORE));
    }
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new ResumableSseError(
        'STORE_CLOSED',
        'This memory store is closed; create a new store to keep publishing.',
      );
    }
  }

  #assertFits(events: readonly AppendInput[], maxBytes: number): void {
    for (let index = 0; index < events.length; index += 1) {
      const bytes = eventBytes(events[index] as AppendInput);
      if (bytes > maxBytes) {
        throw new ResumableSseError(
          'PAYLOAD_TOO_LARGE',
          `Event #${index} is ${bytes} bytes but the memory store keeps at most ${maxBytes} bytes per stream; raise maxBytes or send smaller events.`,
        );
      }
    }
  }

  #logOf(stream: string): StreamLog {
    let log = this.#streams.get(stream);
    if (log === undefined) {
      log = {
        epoch: newEpoch(),
        ring: new RingBuffer<StoredEvent>({
          capacity: this.#maxEvents,
          maxBytes: this.#maxBytes,
          sizeOf: this.#maxBytes === undefined ? undefined : eventBytes,
        }),
        subscribers: new Set(),
        keys: new Map(),
        backlog: [],
        delivering: false,
      };
      this.#streams.set(stream, log);
    }
    return log;
  }

  /** Age retention and key expiry, both O(expired): the oldest entries sit at the front. */
  #expire(log: StreamLog, now: number): void {
    const maxAgeMs = this.#maxAgeMs;
    if (maxAgeMs !== undefined) log.ring.evictWhile((event) => now - event.time > maxAgeMs);
    for (const [key, remembered] of log.keys) {
      if (remembered.expiresAt > now) break;
      log.keys.delete(key);
    }
  }

  /**
   * A subscriber that throws has missed this event, so its subscription can no longer promise
   * delivery: it is ended with the error, and the other subscribers carry on.
   */
  #notify(log: StreamLog, entry: SubscriberEntry, event: LiveEvent): void {
    try {
      entry.subscriber.onEvent(event);
    } catch (error) {
      log.subscribers.delete(entry);
      callSafely(() => entry.subscriber.onClose({ code: 'store-unavailable', error }));
    }
  }

  #deliver(log: StreamLog, events: readonly LiveEvent[]): void {
    if (events.length === 0) return;
    // A subscriber that appends from inside onEvent must not overtake the events still being delivered.
    log.backlog.push(...events);
    if (log.delivering) return;
    log.delivering = true;
    try {
      // The backlog may grow while this loop runs; an index keeps each step O(1).
      for (let index = 0; index < log.backlog.length; index += 1) {
        const event = log.backlog[index] as LiveEvent;
        for (const entry of [...log.subscribers]) {
          if (log.subscribers.has(entry)) this.#notify(log, entry, event);
        }
      }
    } finally {
      log.backlog.length = 0;
      log.delivering = false;
    }
  }
}

/** A subscriber's failure in `onClose` is its own; it must not keep the store from closing the others. */
function callSafely(call: () => void): void {
  try {
    call();
  } catch {
    // Nothing left to tell a subscriber whose subscription is already over.
  }
}

function eventBytes(event: Pick<AppendInput, 'data' | 'event'>): number {
  return utf8ByteLength(event.data) + (event.event === undefined ? 0 : utf8ByteLength(event.event));
}

/** UTF-8 length without encoding (no allocation); a lone surrogate counts as U+FFFD (3 bytes). */
function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        bytes += 4;
        i += 1;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
