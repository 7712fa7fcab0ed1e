import type { LifecycleStore } from '@resumable-sse/core/lifecycle';

/** What `create` receives. */
export interface LifecycleSuiteCreateOptions {
  /**
   * The suite's manual clock (ms since the Unix epoch). Pass it to the store as `now` and declare
   * `capabilities.injectableClock`; otherwise ignore it and the time cases wait in real time.
   */
  readonly now: () => number;
  /** Record retention the case needs; pass it on as `recordTtlMs` when set. */
  readonly recordTtlMs?: number | undefined;
}

/**
 * Reads the backing storage directly (SQLite rows, Redis keys), so the suite checks a store's
 * writes with something other than the store's own reads.
 */
export interface LifecycleInspector {
  /** The record's state as stored, or undefined when no record is physically kept. */
  state(streamId: string): Promise<string | undefined>;
  /** Whether a completion record is physically kept (expired or not). */
  hasCompletion(streamId: string): Promise<boolean>;
}

export interface LifecycleCapabilities {
  /** Record times and staleness follow `options.now`. @default false */
  readonly injectableClock?: boolean;
  /** Completion and record retention follow `options.now` too (Redis key TTLs do not). @default false */
  readonly ttlFollowsClock?: boolean;
  /** Stores from separate `create` calls share one backing (one Redis, one SQLite file), as processes would. @default false */
  readonly sharedBacking?: boolean;
}

export interface LifecycleSuiteSetup {
  /** A fresh store; the suite closes it after the case. Stores may share backing data: case ids are unique. */
  create(options: LifecycleSuiteCreateOptions): Promise<LifecycleStore>;
  readonly inspect?: LifecycleInspector | undefined;
  readonly capabilities?: LifecycleCapabilities | undefined;
}
