import {
  type EventStore,
  isResumableSseError,
  type ResumableSseErrorCode,
  type RetentionOptions,
  type StoredEvent,
} from '@resumable-sse/core';
import { expect } from 'vitest';
import { ManualClock } from './manual-clock.ts';
import type { StoreSuiteSetup } from './types.ts';
import { sleep } from './wait.ts';

/** Real-time margin added when a store cannot take the suite's clock. */
const REAL_TIME_MARGIN_MS = 60;
/** Enough for any retained log in the suite. */
const READ_ALL = 100_000;

/** Per-case helpers shared by the case files. */
export class SuiteContext {
  readonly setup: StoreSuiteSetup;
  readonly injectableClock: boolean;
  readonly sharedBacking: boolean;
  readonly crossInstanceLive: boolean;
  clock = new ManualClock();
  readonly #open: EventStore[] = [];
  readonly #runId = Math.random().toString(36).slice(2, 8);
  #streamCount = 0;

  constructor(setup: StoreSuiteSetup) {
    this.setup = setup;
    this.injectableClock = setup.capabilities?.injectableClock === true;
    this.sharedBacking = setup.capabilities?.sharedBacking === true;
    this.crossInstanceLive = setup.capabilities?.crossInstanceLive === true;
  }

  /** A fresh store, closed after the case. */
  async create(options: RetentionOptions = {}): Promise<EventStore> {
    return this.track(await this.setup.create({ ...options, now: this.clock.now }));
  }

  /** Registers a store obtained another way (`loseLog`, `reopen`) so it is closed after the case. */
  track(store: EventStore): EventStore {
    this.#open.push(store);
    return store;
  }

  /** A stream name no other case (or earlier run on the same backing) uses. */
  stream(label: string): string {
    this.#streamCount += 1;
    return `conformance-${this.#runId}-${this.#streamCount}-${label}`;
  }

  /**
   * Lets `ms` pass for the store: the manual clock moves when the store takes it, otherwise the
   * case really waits (a little longer, so the store's own clock is surely past the mark).
   */
  async passTime(ms: number): Promise<void> {
    if (this.injectableClock) this.clock.advance(ms);
    else await sleep(ms + REAL_TIME_MARGIN_MS);
  }

  /** A retention window (ms) short enough to wait for in real time, roomy for a manual clock. */
  get ageWindowMs(): number {
    return this.injectableClock ? 60_000 : 600;
  }

  /** Checks the retained count through the store and, when there is a backdoor, the backing storage. */
  async expectRetained(store: EventStore, stream: string, count: number): Promise<void> {
    expect((await store.readAfter(stream, 0, READ_ALL)).length, 'events readAfter(0) returns').toBe(count);
    if (this.setup.inspect !== undefined) {
      expect(await this.setup.inspect.countEvents(stream, store), 'events in the backing storage').toBe(
        count,
      );
    }
  }

  readAll(store: EventStore, stream: string): Promise<StoredEvent[]> {
    return store.readAfter(stream, 0, READ_ALL);
  }

  async closeAll(): Promise<void> {
    const stores = this.#open.splice(0);
    this.clock = new ManualClock();
    // A case may already have closed a store; closing again must not fail the next case.
    await Promise.allSettled(stores.map((store) => store.close()));
  }
}

/** The parts of an event a case compares (stores may add fields). */
export function essentials(
  events: readonly StoredEvent[],
): { offset: number; event: string | undefined; data: string }[] {
  return events.map(({ offset, event, data }) => ({ offset, event, data }));
}

export function offsets(events: readonly { offset: number }[]): number[] {
  return events.map((event) => event.offset);
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

/** Runs `operation` and asserts it failed (threw or rejected) with a `ResumableSseError` of `code`. */
export async function expectStoreError(
  operation: () => Promise<unknown>,
  code: ResumableSseErrorCode,
): Promise<void> {
  let outcome: { rejected: false; value: unknown } | { rejected: true; error: unknown };
  try {
    outcome = { rejected: false, value: await operation() };
  } catch (error) {
    outcome = { rejected: true, error };
  }
  expect(outcome.rejected, `expected a rejection with ${code}`).toBe(true);
  if (outcome.rejected) {
    const { error } = outcome;
    expect(isResumableSseError(error, code), `expected ResumableSseError ${code}, got ${String(error)}`).toBe(
      true,
    );
  }
}
