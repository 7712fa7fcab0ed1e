import {
  isResumableSseError,
  type LiveEvent,
  ResumableSseError,
  type StoreCloseReason,
  type StoredEvent,
  type StoreSubscriber,
  type StreamPosition,
  type Subscription,
} from '@resumable-sse/core';
import type { Notification } from './notification.ts';

/** What a channel needs from the store around it. */
export interface ChannelHost {
  /** Confirms SUBSCRIBE on the shared Pub/Sub connection. */
  listen(channelName: string, channel: LiveChannel): Promise<void>;
  /** Stops listening (only if `channel` is still the one registered for the name). */
  unlisten(channelName: string, channel: LiveChannel): void;
  position(stream: string): Promise<StreamPosition>;
  /** Events after `after`, read in one transaction with the stream's current epoch. */
  readWithEpoch(
    stream: string,
    after: number,
    limit: number,
  ): Promise<{ epoch: string | null; events: StoredEvent[] }>;
  /** Called once when the channel has no subscribers left or was closed. */
  forget(stream: string, channel: LiveChannel): void;
}

/** Largest XRANGE page when filling a gap. */
const FILL_PAGE_SIZE = 500;
/**
 * Pages read to fill a gap are delivered together, up to this many characters of data: a large
 * append announced by offset reaches subscribers as one burst (as it does on other stores), which
 * the hub judges a reader on once, rather than as one burst per page.
 */
const FILL_RUN_CHARS = 8 * 1024 * 1024;
/** Pause between position reads while the app's client is still reconnecting. */
const RESUME_RETRY_MS = 100;

type ChannelState = 'starting' | 'live' | 'paused' | 'closed';

class LocalSubscription implements Subscription {
  readonly ready: Promise<void>;
  readonly subscriber: StoreSubscriber;
  #resolve!: () => void;
  #reject!: (error: unknown) => void;
  #settled = false;
  #ended = false;
  readonly #leave: (subscription: LocalSubscription) => void;

  constructor(subscriber: StoreSubscriber, leave: (subscription: LocalSubscription) => void) {
    this.subscriber = subscriber;
    this.#leave = leave;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Callers that never await `ready` must not see an unhandled rejection.
    this.ready.catch(() => {});
  }

  get ended(): boolean {
    return this.#ended;
  }

  markReady(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve();
  }

  deliver(event: LiveEvent): void {
    if (this.#ended) return;
    try {
      this.subscriber.onEvent(event);
    } catch (error) {
      // It missed this event, so delivery can no longer be promised to it; the others carry on.
      this.#leave(this);
      this.end({ code: 'store-unavailable', error });
    }
  }

  end(reason: StoreCloseReason): void {
    if (this.#ended) return;
    this.#ended = true;
    if (!this.#settled) {
      this.#settled = true;
      this.#reject(
        reason.code === 'store-closed'
          ? new ResumableSseError(
              'STORE_CLOSED',
              'The Redis store was closed before the subscription was ready',
            )
          : new ResumableSseError(
              'STORE_UNAVAILABLE',
              `Subscription ended before it was ready (${reason.code})`,
              {
                cause: reason.error,
              },
            ),
      );
    }
    try {
      this.subscriber.onClose(reason);
    } catch {
      // Same as deliver: keep closing the others.
    }
  }

  unsubscribe(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.markReady();
    this.#leave(this);
  }
}

/**
 * One stream's live feed inside one store: a single Pub/Sub subscription shared by every local
 * subscriber of the stream, delivering events in offset order. Notifications carry offsets;
 * whenever they do not continue exactly where delivery stands (a missed message, a reconnect,
 * an append too large to inline) the gap is read from the log, never skipped.
 */
export class LiveChannel {
  readonly stream: string;
  readonly channelName: string;
  readonly #host: ChannelHost;
  readonly #subscriptions = new Set<LocalSubscription>();
  #state: ChannelState = 'starting';
  #epoch: string | undefined;
  /** Offset of the last event delivered, and that event (for checking the log after a reconnect). */
  #delivered = 0;
  #lastDelivered: LiveEvent | undefined;
  /** Highest offset known to exist. */
  #target = 0;
  /** Inlined events waiting for the ones before them. */
  readonly #pending = new Map<number, LiveEvent>();
  /** Notifications that arrived before the starting position was known. */
  #early: Notification[] = [];
  #pumping = false;

  constructor(stream: string, channelName: string, host: ChannelHost) {
    this.stream = stream;
    this.channelName = channelName;
    this.#host = host;
    void this.#start();
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  add(subscriber: StoreSubscriber): Subscription {
    const subscription = new LocalSubscription(subscriber, (left) => this.#remove(left));
    this.#subscriptions.add(subscription);
    // Once live, anything appended from now on is announced on a channel we already listen to.
    if (this.#state === 'live') subscription.markReady();
    return subscription;
  }

  onNotification(note: Notification): void {
    if (this.#state === 'starting' || this.#state === 'paused') {
      this.#early.push(note);
      return;
    }
    if (this.#state === 'closed') return;
    this.#accept(note);
  }

  /** The Pub/Sub connection dropped: hold delivery until it is back (or the grace ends). */
  pause(): void {
    if (this.#state === 'live' || this.#state === 'starting') this.#state = 'paused';
  }

  /**
   * The Pub/Sub connection is back and SUBSCRIBE confirmed: check the epoch, then fill what was
   * missed. The app's client reconnects on its own schedule, so reading the position is retried
   * until `deadline` (local ms).
   */
  async resume(deadline: number): Promise<void> {
    if (this.#state !== 'paused') return;
    let position: StreamPosition;
    for (;;) {
      try {
        position = await this.#host.position(this.stream);
        break;
      } catch (error) {
        if (this.#state !== 'paused') return;
        if (!isResumableSseError(error, 'STORE_UNAVAILABLE') || Date.now() >= deadline) {
          this.close({ code: 'store-unavailable', error });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, RESUME_RETRY_MS));
      }
    }
    if (this.#state !== 'paused') return;
    if (this.#epoch === undefined) {
      // Interrupted before it ever went live: start from here (nobody was promised anything yet).
      this.#adopt(position);
    } else if (position.epoch !== this.#epoch || !(await this.#stillHoldsLastDelivered())) {
      // Another log, or the same one restored from an older copy (a restarted Redis loading an
      // older snapshot, a failover to a lagging replica): what follows would not continue what
      // the subscribers have, so they must resume by cursor and be told.
      if (this.#state === 'paused') this.close({ code: 'epoch-changed' });
      return;
    }
    if (this.#state !== 'paused') return;
    this.#target = Math.max(this.#target, position.head);
    this.#goLive();
  }

  /** True when the log still holds, unchanged, the last event delivered (or nothing was delivered). */
  async #stillHoldsLastDelivered(): Promise<boolean> {
    const last = this.#lastDelivered;
    if (last === undefined) return true;
    try {
      const { epoch, events } = await this.#host.readWithEpoch(this.stream, last.offset - 1, 1);
      const stored = events[0];
      return (
        epoch === last.epoch &&
        stored?.offset === last.offset &&
        stored.time === last.time &&
        stored.event === last.event &&
        stored.data === last.data
      );
    } catch {
      // Unreadable right after a reconnect: nothing can be promised, so the subscribers resume.
      return false;
    }
  }

  close(reason: StoreCloseReason): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#pending.clear();
    this.#early = [];
    this.#host.unlisten(this.channelName, this);
    this.#host.forget(this.stream, this);
    const subscriptions = [...this.#subscriptions];
    this.#subscriptions.clear();
    for (const subscription of subscriptions) subscription.end(reason);
  }

  async #start(): Promise<void> {
    try {
      // Subscribe first, then read the head: an append after the head read is announced to us.
      await this.#host.listen(this.channelName, this);
      if (this.closed) return;
      const position = await this.#host.position(this.stream);
      // resume() may have started the channel already, after a reconnect that happened meanwhile.
      if (this.closed || this.#epoch !== undefined) return;
      this.#adopt(position);
      // The connection dropped while starting: resume() checks again once it is back.
      if (this.#state === 'paused') return;
      this.#goLive();
    } catch (error) {
      // While paused, the reconnect (resume) or the end of the grace period decides.
      if (this.#state !== 'paused') this.close({ code: 'store-unavailable', error });
    }
  }

  #adopt(position: StreamPosition): void {
    this.#epoch = position.epoch;
    this.#delivered = position.head;
    this.#target = position.head;
  }

  #goLive(): void {
    this.#state = 'live';
    for (const subscription of this.#subscriptions) subscription.markReady();
    const early = this.#early;
    this.#early = [];
    for (const note of early) {
      if (this.#state !== 'live') return;
      this.#accept(note);
    }
    void this.#pump();
  }

  #accept(note: Notification): void {
    if (note.epoch !== this.#epoch) {
      this.close({ code: 'epoch-changed' });
      return;
    }
    if (note.last <= this.#delivered) return;
    this.#target = Math.max(this.#target, note.last);
    if (note.events) {
      for (const event of note.events) {
        if (event.offset > this.#delivered) this.#pending.set(event.offset, event);
      }
    }
    void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#state === 'live') {
        this.#deliverPending();
        if (this.#delivered >= this.#target) break;
        const run = await this.#readRun();
        if (run === undefined) break;
        for (const event of run) {
          if (event.offset !== this.#delivered + 1) continue;
          this.#deliver(event);
          if (this.#state !== 'live') break;
        }
        this.#target = Math.max(this.#target, this.#delivered);
      }
    } catch (error) {
      this.close({ code: 'store-unavailable', error });
    } finally {
      this.#pumping = false;
    }
    // A notification may have raised the target after the loop decided it was done.
    if (
      this.#state === 'live' &&
      (this.#delivered < this.#target || this.#pending.has(this.#delivered + 1))
    ) {
      void this.#pump();
    }
  }

  /**
   * The events after the delivered offset, read from the log page by page up to the target (or
   * `FILL_RUN_CHARS`): empty when a notification carries the next one, undefined once closed.
   */
  async #readRun(): Promise<LiveEvent[] | undefined> {
    const run: LiveEvent[] = [];
    let after = this.#delivered;
    let chars = 0;
    for (;;) {
      const { epoch, events } = await this.#host.readWithEpoch(this.stream, after, FILL_PAGE_SIZE);
      if (this.#state !== 'live') return undefined;
      if (epoch !== this.#epoch) {
        this.close({ code: 'epoch-changed' });
        return undefined;
      }
      const next = events.find((event) => event.offset > after);
      if (next === undefined || next.offset !== after + 1) {
        if (run.length > 0 || this.#pending.has(after + 1)) return run;
        // Trimmed before we could read them: only a resume by cursor (and a reset) can tell the client.
        this.close({
          code: 'store-unavailable',
          error: new ResumableSseError(
            'STORE_UNAVAILABLE',
            `Live events after offset ${after} on "${this.stream}" were trimmed before delivery; resume by cursor`,
          ),
        });
        return undefined;
      }
      for (const event of events) {
        if (event.offset !== after + 1) continue;
        run.push({ ...event, epoch });
        after = event.offset;
        chars += event.data.length;
      }
      if (after >= this.#target || events.length < FILL_PAGE_SIZE || chars >= FILL_RUN_CHARS) return run;
    }
  }

  #deliverPending(): void {
    for (;;) {
      const event = this.#pending.get(this.#delivered + 1);
      if (event === undefined) break;
      this.#pending.delete(event.offset);
      this.#deliver(event);
      if (this.#state !== 'live') return;
    }
    // Anything left at or below the delivered offset is stale (already read from the log).
    if (this.#pending.size > 0) {
      for (const offset of this.#pending.keys()) if (offset <= this.#delivered) this.#pending.delete(offset);
    }
  }

  #deliver(event: LiveEvent): void {
    this.#delivered = event.offset;
    this.#lastDelivered = event;
    for (const subscription of this.#subscriptions) subscription.deliver(event);
  }

  #remove(subscription: LocalSubscription): void {
    this.#subscriptions.delete(subscription);
    if (this.#subscriptions.size > 0 || this.#state === 'closed') return;
    this.#state = 'closed';
    this.#pending.clear();
    this.#early = [];
    this.#host.unlisten(this.channelName, this);
    this.#host.forget(this.stream, this);
  }
}
