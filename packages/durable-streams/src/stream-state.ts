import type { AppendInput, AppendResult, EventStore } from '@resumable-sse/core';
import { decodeRecord, type StreamMeta } from './log-records.ts';

export interface ProducerState {
  readonly epoch: number;
  readonly seq: number;
}

/**
 * What the log says about one stream right now: a fold over its records. Only metadata is held,
 * never data, so a process keeps one small object per stream it has touched.
 */
export interface StreamState {
  readonly key: string;
  epoch: string;
  /** Last log offset folded in. */
  folded: number;
  /** Offset of the current incarnation's `ds.meta` record; 0 when there is none. */
  base: number;
  meta: StreamMeta | undefined;
  /** DELETE was called; the metadata stays while forks still read this stream's data. */
  deleted: boolean;
  /** URL paths of forks made from this incarnation. */
  forks: Set<string>;
  /** Offset of the last data or close record of the incarnation (or `base`). */
  tail: number;
  closed: boolean;
  closedBy: { readonly p: string; readonly e: number; readonly n: number } | undefined;
  producers: Map<string, ProducerState>;
  lastStreamSeq: string | undefined;
  /** Time of the last read or write this process saw, for sliding TTLs. */
  lastAccess: number;
}

const PAGE = 1_000;

function emptyState(key: string, epoch: string): StreamState {
  return {
    key,
    epoch,
    folded: 0,
    base: 0,
    meta: undefined,
    deleted: false,
    forks: new Set(),
    tail: 0,
    closed: false,
    closedBy: undefined,
    producers: new Map(),
    lastStreamSeq: undefined,
    lastAccess: 0,
  };
}

/**
 * Keeps each stream's folded state and brings it up to the log's head on every request, so two
 * processes on one shared store see each other's writes. Mutations run one at a time per stream
 * in this process (`exclusive`); across processes the producer's idempotency key is the guard.
 */
export class StreamRegistry {
  readonly #store: EventStore;
  readonly #states = new Map<string, StreamState>();
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #now: () => number;

  constructor(store: EventStore, now: () => number) {
    this.#store = store;
    this.#now = now;
  }

  /** The stream's state as of the log's current head. */
  async current(key: string): Promise<StreamState> {
    const position = await this.#store.position(key);
    let state = this.#states.get(key);
    if (state === undefined || state.epoch !== position.epoch || state.folded > position.head) {
      state = emptyState(key, position.epoch);
      this.#states.set(key, state);
    }
    while (state.folded < position.head) {
      const events = await this.#store.readAfter(key, state.folded, PAGE);
      if (events.length === 0) {
        // Retention dropped records we never folded: what remains cannot be trusted as a stream.
        state.folded = position.head;
        break;
      }
      for (const event of events) {
        this.#fold(state, event.offset, event.time, event);
      }
    }
    return state;
  }

  #fold(state: StreamState, offset: number, time: number, event: Parameters<typeof decodeRecord>[0]): void {
    // Two requests may bring one state up to date at once: each record counts once.
    if (offset <= state.folded) return;
    state.folded = offset;
    const record = decodeRecord(event);
    switch (record.kind) {
      case 'meta':
        state.base = offset;
        state.tail = offset;
        state.meta = record.meta;
        state.deleted = false;
        state.forks = new Set();
        state.closed = record.meta.createdClosed === true;
        state.closedBy = undefined;
        state.producers = new Map();
        state.lastStreamSeq = undefined;
        state.lastAccess = Math.max(state.lastAccess, time);
        return;
      case 'data':
      case 'close': {
        if (state.meta === undefined || state.deleted) return;
        state.tail = offset;
        state.lastAccess = Math.max(state.lastAccess, time);
        const writer = record.writer;
        if (writer?.p !== undefined && writer.e !== undefined && writer.n !== undefined) {
          state.producers.set(writer.p, { epoch: writer.e, seq: writer.n });
        }
        if (writer?.s !== undefined) state.lastStreamSeq = writer.s;
        if (record.kind === 'close') {
          state.closed = true;
          state.closedBy =
            writer?.p !== undefined && writer.e !== undefined && writer.n !== undefined
              ? { p: writer.p, e: writer.e, n: writer.n }
              : undefined;
        }
        return;
      }
      case 'delete':
        state.deleted = true;
        return;
      case 'ref':
        state.forks.add(record.path);
        return;
      default:
        return;
    }
  }

  /**
   * Folds records this process just appended, saving a read of them back. Only when they follow
   * what is folded directly; otherwise (another process wrote in between) the next `current` reads them.
   */
  applyAppended(
    state: StreamState,
    inputs: readonly AppendInput[],
    results: readonly AppendResult[],
  ): boolean {
    if (results.length !== inputs.length) return false;
    for (let index = 0; index < results.length; index += 1) {
      const result = results[index]!;
      const input = inputs[index]!;
      if (result.duplicate || result.epoch !== state.epoch || result.offset !== state.folded + 1)
        return false;
      const time = result.time ?? this.#now();
      this.#fold(state, result.offset, time, {
        offset: result.offset,
        event: input.event,
        data: input.data,
        time,
      });
    }
    return true;
  }

  touch(state: StreamState): void {
    state.lastAccess = Math.max(state.lastAccess, this.#now());
  }

  /** Runs `task` after every earlier mutation of `key` in this process has settled. */
  async exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    this.#locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.#locks.get(key) === settled) this.#locks.delete(key);
    }
  }
}
