/**
 * The lifecycle contract for finite streams (a job, a generation, an export); on the wire, docs/protocol.md §7.4.
 *
 * A `LifecycleStore` keeps three things per stream, beside its event log:
 * - a registry record: type, owner, state, start time, last heartbeat, a cancel flag;
 * - a completion record: the terminal event, kept for a TTL so a client that comes back after the
 *   end gets it at once, even when the event log no longer holds it;
 * - enough indexing to find stale streams (`claimStale`) and page through an owner's streams
 *   (`pageByOwner`), newest first, without scanning other owners' records.
 *
 * Every method that decides something several processes may race on (`register`, `setState` with
 * `from`, `claimStale`, `requestCancel`) is atomic in the backing store, so exactly one caller wins.
 */

import type { CompletionSource, EndedStreamEvent } from '../engine/completion.ts';

/**
 * - `active`: a producer is running and heartbeating.
 * - `completed` / `failed`: the producer ended the stream with a terminal event.
 * - `orphaned`: heartbeats stopped; a guardian claimed the stream (and usually ended it).
 * - `expired`: the stream ended and its completion record's TTL passed: the record still answers
 *   (owner, type, times) but the terminal event is no longer kept. Every store reports it from the
 *   moment the TTL passes, on every read, in every process. An application may also set it to retire
 *   a stream; `recoverStream` also reports it for a stream whose record is gone but whose events
 *   are still retained.
 */
export type StreamState = 'active' | 'completed' | 'failed' | 'orphaned' | 'expired';

/** The state a terminal event leaves a stream in. */
export type TerminalState = 'completed' | 'failed';

export interface RegisterInput {
  /** The stream's name in the hub (the event log it publishes to). */
  readonly streamId: string;
  /** What kind of stream this is, e.g. `generation` or `export`, for listings and metrics. */
  readonly type: string;
  /** Who may see the stream (a user or tenant id); `listByOwner` finds streams by it. */
  readonly owner: string;
  /** JSON-serialisable details the application wants back later (a job id, parameters). */
  readonly metadata?: Readonly<Record<string, unknown>> | undefined;
}

export interface StreamRecord {
  readonly streamId: string;
  readonly type: string;
  readonly owner: string;
  readonly state: StreamState;
  /** Milliseconds since the Unix epoch. */
  readonly startedAt: number;
  readonly lastHeartbeat: number;
  /** Time of the latest write to the record (register, heartbeat, state change, cancel request). */
  readonly updatedAt: number;
  /** True once `requestCancel` was called while the stream was active. */
  readonly cancelRequested: boolean;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** The event that ended a stream, as its completion record keeps it. */
export interface TerminalEvent extends EndedStreamEvent {
  readonly state: TerminalState;
}

export interface CompletionRecord extends TerminalEvent {
  readonly streamId: string;
  readonly completedAt: number;
}

export interface SetStateOptions {
  /** Change the state only when it is currently this one (compare-and-set); otherwise return false. */
  readonly from?: StreamState | undefined;
}

export interface LifecycleStore extends CompletionSource {
  /** Short name for logs: `memory`, `sqlite`, `redis`. */
  readonly kind: string;

  /**
   * Adds an `active` record with `startedAt = lastHeartbeat = now`. Returns false and changes
   * nothing when a record for `streamId` exists (and has not expired). A re-registration after
   * expiry also forgets the old completion record.
   */
  register(input: RegisterInput): Promise<boolean>;

  /** Records a heartbeat. Returns false when the record is missing or no longer `active`. */
  heartbeat(streamId: string): Promise<boolean>;

  /** The record, or null when there is none (never registered, or expired). */
  get(streamId: string): Promise<StreamRecord | null>;

  /** The owner's records (every state), oldest first. Reads every one: prefer `pageByOwner`. */
  listByOwner(owner: string): Promise<StreamRecord[]>;

  /**
   * One page of the owner's records (every state), newest first: by `startedAt` descending, then
   * `streamId` descending. Pass the page's `next` as `after` for the following page. Neither of
   * these changes once a record exists, so paging while streams heartbeat, end or expire never
   * skips or repeats a record; one registered meanwhile is on an earlier page than the one asked
   * for. An owner's index holds only their own records: no other owner's are read.
   *
   * @throws {ResumableSseError} `INVALID_OPTION` for an `after` no store wrote (a tampered or
   *   foreign cursor), a `limit` outside 1–1000, or an owner that `register` would refuse.
   */
  pageByOwner(owner: string, options?: OwnerPageOptions): Promise<OwnerPage>;

  /** How many records are `active`. */
  countActive(): Promise<number>;

  /**
   * Sets the state. With `from`, only when the current state is `from`: the atomic step that lets
   * exactly one of a producer and a guardian end a stream. Returns whether the state changed.
   */
  setState(streamId: string, state: StreamState, options?: SetStateOptions): Promise<boolean>;

  /**
   * Stores the completion record, kept for `ttlMs` (default 300 000), replacing an earlier one.
   * A record still `active` moves to `terminal.state`; any other state is left as it is (an
   * `orphaned` stream stays `orphaned`). Once `ttlMs` has passed, the record reads as `expired`.
   */
  complete(streamId: string, terminal: TerminalEvent, ttlMs?: number): Promise<void>;

  /** The completion record, or null when the stream has not ended or its TTL passed. */
  completion(streamId: string): Promise<CompletionRecord | null>;

  /**
   * Atomically moves every `active` record whose last heartbeat is at or before
   * `now - thresholdMs` to `orphaned`, and returns those records (with their new state). When
   * several processes call it at once, each stale stream is returned to exactly one of them.
   */
  claimStale(thresholdMs: number, now?: number): Promise<StreamRecord[]>;

  /**
   * Flags an `active` stream for cancellation; the producer (in any process) notices on its next
   * check and ends the stream as `failed` with reason `cancelled`. Returns false when the stream
   * is missing or not active.
   */
  requestCancel(streamId: string): Promise<boolean>;

  /** True when a cancel was requested for the stream. */
  cancelRequested(streamId: string): Promise<boolean>;

  /**
   * Removes records, completion records and cancel flags whose retention has passed; returns how
   * many stream records it removed. Stores whose backing expires keys itself (Redis) only tidy
   * their indexes here and may return 0.
   */
  expire(now?: number): Promise<number>;

  /** Releases what the store opened (not clients the application passed in). */
  close(): Promise<void>;
}

export interface OwnerPageOptions {
  /** The `next` of the previous page; omit for the first page. */
  readonly after?: string | undefined;
  /** Most records on the page. @default 50 */
  readonly limit?: number | undefined;
}

export interface OwnerPage {
  readonly records: readonly StreamRecord[];
  /** Pass as `after` for the next page; null when this page is the last one. */
  readonly next: string | null;
}

/** Options every lifecycle store understands. */
export interface LifecycleStoreOptions {
  /**
   * How long a record is kept after its last write. An active stream's heartbeats keep renewing it;
   * an ended one is removed this long after it ended.
   * @default 3_600_000 (1 hour)
   */
  readonly recordTtlMs?: number | undefined;
  /** Clock in milliseconds since the Unix epoch, for heartbeats, staleness and expiry. @default Date.now */
  readonly now?: (() => number) | undefined;
}

export const DEFAULT_RECORD_TTL_MS = 3_600_000;
export const DEFAULT_COMPLETION_TTL_MS = 300_000;
