import type { LiveEvent, StoreCloseReason, StoredEvent, StoreSubscriber } from '@resumable-sse/core';

interface Entry {
  readonly subscriber: StoreSubscriber;
  /** The stream's head when this subscriber joined: it gets only later events. */
  readonly after: number;
}

/** This process's subscribers of one stream, and how far the stream has been delivered to them. */
export interface Watch {
  readonly stream: string;
  /** `null` until the stream has an epoch (subscribing never creates one). */
  epoch: string | null;
  /** Highest offset handed to the delivery queue for this stream. */
  delivered: number;
  readonly entries: Set<Entry>;
}

export interface StreamMeta {
  readonly epoch: string;
  readonly head: number;
}

/**
 * Live fan-out inside one store instance. Deliveries go through one queue, so a subscriber that
 * appends from inside `onEvent` cannot overtake events still being delivered, and every subscriber
 * sees each stream in offset order.
 */
export class LiveRegistry {
  readonly #watches = new Map<string, Watch>();
  readonly #queue: { readonly watch: Watch; readonly event: LiveEvent }[] = [];
  #draining = false;

  get size(): number {
    return this.#watches.size;
  }

  get(stream: string): Watch | undefined {
    return this.#watches.get(stream);
  }

  watches(): Watch[] {
    return [...this.#watches.values()];
  }

  /** Adds a subscriber that gets every event after `meta.head`; returns its unsubscribe. */
  add(stream: string, subscriber: StoreSubscriber, meta: StreamMeta | undefined): () => void {
    let watch = this.#watches.get(stream);
    if (watch !== undefined && watch.epoch !== null && watch.epoch !== meta?.epoch) {
      // The stream's log was lost and recreated since the older subscribers joined.
      this.close(watch, { code: 'epoch-changed' });
      watch = undefined;
    }
    if (watch === undefined) {
      watch = { stream, epoch: meta?.epoch ?? null, delivered: meta?.head ?? 0, entries: new Set() };
      this.#watches.set(stream, watch);
    } else if (watch.epoch === null && meta !== undefined) {
      watch.epoch = meta.epoch;
    }
    const entry: Entry = { subscriber, after: meta?.head ?? 0 };
    watch.entries.add(entry);
    const owner = watch;
    return () => {
      owner.entries.delete(entry);
      if (owner.entries.size === 0 && this.#watches.get(stream) === owner) this.#watches.delete(stream);
    };
  }

  /** Queues `events` (consecutive, starting at `watch.delivered + 1`) for every subscriber of `watch`. */
  publish(watch: Watch, epoch: string, events: readonly StoredEvent[]): void {
    if (events.length === 0) return;
    watch.epoch = epoch;
    for (const event of events) {
      this.#queue.push({ watch, event: Object.freeze({ ...event, epoch }) });
    }
    watch.delivered = (events.at(-1) as StoredEvent).offset;
    this.#drain();
  }

  /** Ends every subscription of one stream. */
  close(watch: Watch, reason: StoreCloseReason): void {
    if (this.#watches.get(watch.stream) === watch) this.#watches.delete(watch.stream);
    const entries = [...watch.entries];
    watch.entries.clear();
    for (const { subscriber } of entries) callSafely(() => subscriber.onClose(reason));
  }

  closeAll(reason: StoreCloseReason): void {
    for (const watch of this.watches()) this.close(watch, reason);
  }

  /**
   * A subscriber that throws has missed this event, so its subscription can no longer promise
   * delivery: it is ended with the error, and the other subscribers carry on.
   */
  #notify(watch: Watch, entry: Entry, event: LiveEvent): void {
    try {
      entry.subscriber.onEvent(event);
    } catch (error) {
      watch.entries.delete(entry);
      if (watch.entries.size === 0 && this.#watches.get(watch.stream) === watch) {
        this.#watches.delete(watch.stream);
      }
      callSafely(() => entry.subscriber.onClose({ code: 'store-unavailable', error }));
    }
  }

  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      // The queue may grow while this loop runs; an index keeps each step O(1).
      for (let index = 0; index < this.#queue.length; index += 1) {
        const { watch, event } = this.#queue[index] as { watch: Watch; event: LiveEvent };
        for (const entry of [...watch.entries]) {
          if (entry.after < event.offset && watch.entries.has(entry)) this.#notify(watch, entry, event);
        }
      }
    } finally {
      this.#queue.length = 0;
      this.#draining = false;
    }
  }
}

/** One subscriber's bug must not stop delivery to the others, nor take the process down. */
function callSafely(call: () => void): void {
  try {
    call();
  } catch {
    // The subscription is over either way.
  }
}
