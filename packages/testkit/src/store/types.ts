import type { EventStore, RetentionOptions } from '@resumable-sse/core';

/** What `create` receives: the retention the case needs, and the suite's clock. */
export interface StoreSuiteCreateOptions extends RetentionOptions {
  /**
   * The suite's manual clock, in milliseconds since the Unix epoch. Pass it to the store when the
   * store can take a clock, and declare `capabilities.injectableClock`; otherwise ignore it and the
   * time-based cases wait in real time instead.
   */
  readonly now: () => number;
}

/**
 * Reads the backing storage directly (Redis keys, SQLite rows), so the suite checks a store's
 * writes with something other than the store's own reads.
 */
export interface StoreInspector {
  /** Events physically kept for `stream` right now (after the store's own trimming). */
  countEvents(stream: string, store: EventStore): Promise<number>;
}

export interface StoreCapabilities {
  /** `create` honours `options.now` for event times, age retention and idempotency expiry. @default false */
  readonly injectableClock?: boolean;
  /** Stores returned by separate `create` calls share one backing log (one Redis, one SQLite file). @default false */
  readonly sharedBacking?: boolean;
  /** An append on one instance reaches subscribers on another instance over the same backing. @default false */
  readonly crossInstanceLive?: boolean;
}

/**
 * Takes the store's backing data back to an older copy, as restoring a backup or a snapshot
 * does (an older SQLite file, an older RDB loaded into a restarted Redis): the log's head goes
 * back, and new appends reuse offsets that already named other events. A store whose data lives
 * only in its own process (memory) has no older copy to restore and declares no rollback.
 */
export interface StoreRollback<Snapshot = unknown> {
  /** Copies the backing data as it is now (everything `store` appended so far is in it). */
  snapshot(store: EventStore): Promise<Snapshot>;
  /**
   * Puts `snapshot` back in place of the current backing data, the way an operator would (the
   * store may be closed for it), and returns the store to use afterwards (the same one or a new one).
   * Only `store` is open on the backing data when the suite calls this.
   */
  restore(store: EventStore, snapshot: Snapshot): Promise<EventStore>;
}

export interface StoreSuiteSetup {
  /**
   * A fresh store. Stores may share backing data: every case uses its own unique stream names.
   * The suite closes each store after its case.
   */
  create(options: StoreSuiteCreateOptions): Promise<EventStore>;
  /** Backdoor reads of the backing storage; without it the suite can only check through `readAfter`. */
  readonly inspect?: StoreInspector | undefined;
  /**
   * Loses `stream`'s log the way production can (flush Redis, replace the SQLite file, restart a
   * memory store) and returns the store to use afterwards (the same one or a new one).
   */
  loseLog?(stream: string, store: EventStore): Promise<EventStore>;
  /**
   * Closes `store` and opens a new one on the same backing data, as a process restart would.
   * Omit it for a store that keeps nothing across instances; the reopen cases are then skipped.
   */
  reopen?(store: EventStore): Promise<EventStore>;
  /**
   * Restores an older copy of the backing data. Omit it for a store with no backing data outside
   * its process; the rollback cases are then skipped.
   */
  readonly rollback?: StoreRollback | undefined;
  readonly capabilities?: StoreCapabilities | undefined;
}
