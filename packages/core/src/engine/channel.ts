/**
 * One stream's live fan-out inside a hub: a single store subscription per stream and process,
 * however many connections watch it. Events leave here in offset order with no gap — a gap in
 * the store's notifications is filled from the store before anything after it is delivered —
 * and each event is encoded once, the same bytes going to every listener. Listeners are fenced
 * from each other: one that throws is dropped alone. A notification for an offset already
 * delivered is a harmless repeat only when it is the same event; another event there means the
 * log went backwards (restored from an older copy), and every listener is ended so its client
 * resumes and is told.
 */

import type { CursorCodec } from '../protocol/cursor-codec.ts';
import { encodeEventBytes } from '../protocol/encode-event.ts';
import { eventTag } from '../protocol/event-tag.ts';
import type { EventStore, LiveEvent, StoreCloseReason, Subscription } from '../store/types.ts';
import { withRetries } from './replay-reads.ts';
import { type PageKeeper, SharedPageReads } from './shared-pages.ts';

export interface ChannelListener {
  /** A live event and its frame, encoded once for every listener. */
  deliver(event: LiveEvent, frame: Uint8Array): void;
  /**
   * Several consecutive live events delivered in one go, with their frames and those frames
   * joined into one buffer — built once for every listener, so a listener that passes them all
   * writes once. Without it, each event goes to `deliver`.
   */
  deliverRun?(run: LiveRun): void;
  /** The channel cannot promise delivery any more; the listener should end its connection. */
  end(reason: StoreCloseReason): void;
}

/** Consecutive live events of one stream, in offset order, and their frames. */
export interface LiveRun {
  readonly events: readonly LiveEvent[];
  readonly frames: readonly Uint8Array[];
  /** Every frame, in order, as one buffer. */
  readonly joined: Uint8Array;
}

/** Recently delivered offsets whose tags a repeated notification is checked against. */
const RECENT = 64;
const LOG_WENT_BACKWARDS: StoreCloseReason = Object.freeze({ code: 'epoch-changed' });

export class Channel {
  readonly stream: string;
  readonly ready: Promise<void>;
  readonly #store: EventStore;
  readonly #codec: CursorCodec;
  readonly #onEmpty: (channel: Channel) => void;
  readonly #keeper: PageKeeper;
  /** Replay pages of this stream shared between connections; made by the first replay. */
  #pages: SharedPageReads | undefined;
  readonly #listeners = new Set<ChannelListener>();
  readonly #subscription: Subscription;
  readonly #backlog: LiveEvent[] = [];
  #lastOffset: number | undefined;
  #epoch: string | undefined;
  #filling = false;
  #ended = false;
  readonly #recentOffsets = new Array<number>(RECENT).fill(-1);
  readonly #recentTags = new Array<string>(RECENT).fill('');
  /** Aborts on dispose, so a gap read waiting to retry stops. */
  readonly #lifetime = new AbortController();
  /**
   * Events passed on within the current run of synchronous work, sent to the listeners together
   * on a microtask: a burst of publishes becomes one write per connection instead of one per
   * event. A microtask (not `nextTick`) so a publisher awaiting its publish resumes after the
   * delivery, as it did when delivery was immediate.
   */
  #runEvents: LiveEvent[] = [];
  #runFrames: Uint8Array[] = [];

  constructor(
    stream: string,
    store: EventStore,
    codec: CursorCodec,
    keeper: PageKeeper,
    onEmpty: (channel: Channel) => void,
  ) {
    this.stream = stream;
    this.#keeper = keeper;
    this.#store = store;
    this.#codec = codec;
    this.#onEmpty = onEmpty;
    this.#subscription = store.subscribe(stream, {
      onEvent: (event) => this.#receive(event),
      onClose: (reason) => this.#endAll(reason),
    });
    this.ready = this.#subscription.ready;
  }

  get size(): number {
    return this.#listeners.size;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Where this stream's replays share page reads; its pages go when the channel ends. */
  get pages(): SharedPageReads {
    this.#pages ??= new SharedPageReads(this.#keeper);
    return this.#pages;
  }

  add(listener: ChannelListener): void {
    this.#listeners.add(listener);
  }

  /** Takes `listener` out; the last one out ends the channel. Again for the same listener: nothing. */
  leave(listener: ChannelListener): void {
    if (!this.#listeners.delete(listener)) return;
    if (this.#listeners.size === 0) this.#dispose();
  }

  #receive(event: LiveEvent): void {
    if (this.#ended) return;
    if (this.#filling) {
      this.#backlog.push(event);
      return;
    }
    if (this.#epoch !== undefined && event.epoch !== this.#epoch) {
      this.#endAll({ code: 'epoch-changed' });
      return;
    }
    this.#epoch = event.epoch;
    const last = this.#lastOffset;
    if (last !== undefined && event.offset <= last) {
      if (!this.#isRepeat(event)) this.#endAll(LOG_WENT_BACKWARDS);
      return;
    }
    if (last !== undefined && event.offset > last + 1) {
      this.#filling = true;
      this.#backlog.push(event);
      void this.#fillGaps();
      return;
    }
    this.#deliver(event);
  }

  /** Reads what the notifications skipped, in order, then drains the backlog. */
  async #fillGaps(): Promise<void> {
    try {
      while (this.#backlog.length > 0 && !this.#ended) {
        const next = this.#backlog[0]!;
        const last = this.#lastOffset ?? next.offset - 1;
        if (next.epoch !== this.#epoch) {
          this.#endAll({ code: 'epoch-changed' });
          return;
        }
        if (next.offset <= last) {
          this.#backlog.shift();
          if (!this.#isRepeat(next)) {
            this.#endAll(LOG_WENT_BACKWARDS);
            return;
          }
          continue;
        }
        if (next.offset === last + 1) {
          this.#backlog.shift();
          this.#deliver(next);
          continue;
        }
        // Retried briefly: a failure here ends every connection on the stream.
        const missing = await withRetries(
          () => this.#store.readAfter(this.stream, last, next.offset - last - 1),
          this.#lifetime.signal,
        );
        if (this.#ended) return;
        if (missing[0]?.offset !== last + 1) {
          // The skipped events are no longer retained: listeners must resume and get `reset`.
          this.#endAll({ code: 'store-unavailable' });
          return;
        }
        for (const event of missing) {
          if (event.offset >= next.offset) break;
          this.#deliver({ ...event, epoch: next.epoch });
        }
      }
      this.#filling = false;
    } catch (error) {
      this.#endAll({ code: 'store-unavailable', error });
    }
  }

  #deliver(event: LiveEvent): void {
    this.#lastOffset = event.offset;
    const tag = eventTag(event);
    const slot = event.offset % RECENT;
    this.#recentOffsets[slot] = event.offset;
    this.#recentTags[slot] = tag;
    if (this.#listeners.size === 0) return;
    const frame = encodeEventBytes({
      id: this.#codec.encode({ epoch: event.epoch, offset: event.offset, tag }),
      event: event.event,
      data: event.data,
    });
    if (this.#runEvents.length === 0) queueMicrotask(() => this.#sendRun());
    this.#runEvents.push(event);
    this.#runFrames.push(frame);
  }

  /** Sends the events queued since the last run to every listener, fenced from each other. */
  #sendRun(): void {
    const events = this.#runEvents;
    const frames = this.#runFrames;
    if (events.length === 0) return;
    this.#runEvents = [];
    this.#runFrames = [];
    if (events.length === 1) {
      const event = events[0]!;
      const frame = frames[0]!;
      for (const listener of this.#listeners) {
        try {
          listener.deliver(event, frame);
        } catch (error) {
          this.#drop(listener, error);
        }
      }
      return;
    }
    const run: LiveRun = { events, frames, joined: joinFrames(frames) };
    for (const listener of this.#listeners) {
      try {
        if (listener.deliverRun) listener.deliverRun(run);
        else for (let i = 0; i < events.length; i++) listener.deliver(events[i]!, frames[i]!);
      } catch (error) {
        this.#drop(listener, error);
      }
    }
  }

  /** True when `event` is one this channel delivered at that offset (a repeated notification). */
  #isRepeat(event: LiveEvent): boolean {
    const slot = event.offset % RECENT;
    return this.#recentOffsets[slot] === event.offset && this.#recentTags[slot] === eventTag(event);
  }

  /** A listener that threw leaves alone; the others, and the store subscription, carry on. */
  #drop(listener: ChannelListener, error: unknown): void {
    if (!this.#listeners.delete(listener)) return;
    endQuietly(listener, { code: 'store-unavailable', error });
    if (this.#listeners.size === 0) this.#dispose();
  }

  #endAll(reason: StoreCloseReason): void {
    if (this.#ended) return;
    // What was passed on before the end still reaches its listeners, ahead of the end.
    this.#sendRun();
    this.#ended = true;
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    this.#dispose();
    for (const listener of listeners) endQuietly(listener, reason);
  }

  #dispose(): void {
    this.#ended = true;
    this.#pages?.clear();
    this.#runEvents = [];
    this.#runFrames = [];
    this.#lifetime.abort();
    this.#backlog.length = 0;
    this.#subscription.unsubscribe();
    this.#onEmpty(this);
  }
}

function endQuietly(listener: ChannelListener, reason: StoreCloseReason): void {
  try {
    listener.end(reason);
  } catch {
    // Its connection is over either way; the other listeners must still be told.
  }
}

function joinFrames(frames: readonly Uint8Array[]): Uint8Array {
  let bytes = 0;
  for (const frame of frames) bytes += frame.byteLength;
  const joined = new Uint8Array(bytes);
  let at = 0;
  for (const frame of frames) {
    joined.set(frame, at);
    at += frame.byteLength;
  }
  return joined;
}
