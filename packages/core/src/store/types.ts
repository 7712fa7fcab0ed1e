/**
 * The contract every event store fulfils (the log of docs/protocol.md §1.1). One interface, three implementations
 * (memory, SQLite, Redis), one conformance suite in `@resumable-sse/testkit`.
 *
 * Offsets are per stream: the first event is 1, each append adds 1, an offset is never reused.
 * The epoch names one incarnation of a stream's log; it changes whenever the log is lost, so a
 * cursor from an older log can never be read as a position in the new one.
 */

/** What a producer appends. */
export interface AppendInput {
  /** SSE `event:` name; absent means the default `message`. Never CR, LF or NUL. */
  readonly event?: string | undefined;
  /** SSE `data:` payload as text (the encoder splits it on line breaks). */
  readonly data: string;
  /**
   * Appending the same key again within the store's idempotency window returns the first
   * append's offset with `duplicate: true` and stores nothing.
   */
  readonly idempotencyKey?: string | undefined;
}

/** One event as the store keeps it. */
export interface StoredEvent {
  readonly offset: number;
  readonly event: string | undefined;
  readonly data: string;
  /** Milliseconds since the Unix epoch, taken when the event was appended. */
  readonly time: number;
}

export interface AppendResult {
  readonly epoch: string;
  readonly offset: number;
  readonly duplicate: boolean;
  /**
   * The stored event's `time`, for an event this append stored (not for a duplicate). With it the
   * hub's publish ids carry the event's tag, as every other cursor does; stores should report it.
   */
  readonly time?: number | undefined;
}

/** Where a stream's log stands. */
export interface StreamPosition {
  readonly epoch: string;
  /** Offset of the oldest retained event, or `null` when nothing is retained. */
  readonly oldest: number | null;
  /** Offset of the newest event ever appended (retained or not); 0 before the first append. */
  readonly head: number;
}

/** A live event delivered to subscribers, tagged with the epoch it was appended in. */
export interface LiveEvent extends StoredEvent {
  readonly epoch: string;
}

export interface StoreSubscriber {
  /** Called in offset order for every event appended after `subscribe` returned. */
  onEvent(event: LiveEvent): void;
  /**
   * The store can no longer promise delivery (connection lost, store closed, log lost).
   * The subscription is over; the subscriber should end its connection so the client resumes later.
   */
  onClose(reason: StoreCloseReason): void;
}

export interface StoreCloseReason {
  readonly code: 'store-unavailable' | 'store-closed' | 'epoch-changed';
  readonly error?: unknown;
}

export interface Subscription {
  /** Resolves once notifications are flowing: events appended after this are delivered. */
  readonly ready: Promise<void>;
  unsubscribe(): void;
}

export interface EventStore {
  /** Short name for logs and metrics: `memory`, `sqlite`, `redis`. */
  readonly kind: string;

  /**
   * Appends events to one stream atomically: they get consecutive offsets, all or none are
   * stored, and subscribers see them in order. Throws `ResumableSseError` with code
   * `STORE_UNAVAILABLE` when the backing store cannot be reached (nothing is stored then).
   */
  append(stream: string, events: readonly AppendInput[]): Promise<AppendResult[]>;

  /**
   * Retained events with offset > `after`, oldest first, at most `limit` of them.
   * O(log n + k) or better; never a scan of the whole log.
   */
  readAfter(stream: string, after: number, limit: number): Promise<StoredEvent[]>;

  /** The stream's epoch and retained range. Creates the stream's epoch if it has none yet. */
  position(stream: string): Promise<StreamPosition>;

  /** Live notification of new events on one stream. */
  subscribe(stream: string, subscriber: StoreSubscriber): Subscription;

  /** Releases resources the store created (not clients the caller passed in). */
  close(): Promise<void>;
}

/** Retention options every store understands. */
export interface RetentionOptions {
  /**
   * Events kept per stream, newest first.
   * @default 500
   */
  readonly maxEvents?: number;
  /** Events older than this many milliseconds are dropped. @default undefined (no age limit) */
  readonly maxAgeMs?: number;
  /**
   * How long an idempotency key is remembered, in milliseconds.
   * @default 300_000
   */
  readonly idempotencyWindowMs?: number;
}
