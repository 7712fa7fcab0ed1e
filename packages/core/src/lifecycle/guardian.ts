/**
 * The guardian: a background task that finds finite streams whose producer stopped heartbeating
 * (a crashed process, a hung job), marks them `orphaned` and ends them for their viewers with a
 * `failed` event whose reason is `orphaned`. Run one in every process: `claimStale` is atomic, so
 * however many guardians run, exactly one acts on each stale stream.
 */
import { ResumableSseError } from '../errors.ts';
import type { Hub } from '../hub.ts';
import { endStream } from './end-stream.ts';
import { callHook, type LifecycleHooks } from './hooks.ts';
import { type FailedPayload, resolveTerminalNames, type TerminalEventNames } from './terminal.ts';
import { DEFAULT_COMPLETION_TTL_MS, type LifecycleStore, type StreamRecord } from './types.ts';
import { checkDurationOption } from './validate.ts';

export interface StreamGuardianOptions {
  readonly lifecycle: LifecycleStore;
  /**
   * Where orphaned streams get their terminal `failed` event, so viewers stop waiting. Without a
   * hub the guardian only marks records `orphaned` and calls `onOrphaned`.
   */
  readonly hub?: Hub | undefined;
  /** How often the guardian runs. @default 15_000 */
  readonly intervalMs?: number | undefined;
  /** A stream whose last heartbeat is this old is orphaned. @default 30_000 */
  readonly thresholdMs?: number | undefined;
  /** How long the completion record of an orphaned stream is kept. @default 300_000 */
  readonly completionTtlMs?: number | undefined;
  /** Event names of the terminal events (only `failed` is used here). @default { failed: 'failed' } */
  readonly terminalEvents?: Partial<TerminalEventNames> | undefined;
  /**
   * Called once per orphaned stream, in the one process that claimed it, after its terminal event
   * is stored: release what the dead producer held, retry the job elsewhere, alert.
   */
  readonly onOrphaned?: ((record: StreamRecord) => void | Promise<void>) | undefined;
  readonly hooks?: LifecycleHooks | undefined;
  /** Clock for staleness, in milliseconds since the Unix epoch. @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** What one guardian run did. */
export interface GuardianRun {
  /** Streams this run claimed (now `orphaned`). */
  readonly orphaned: readonly StreamRecord[];
  /** Records the lifecycle store removed because their retention passed. */
  readonly expired: number;
  /** Active streams after the run. */
  readonly active: number;
}

const DEFAULT_INTERVAL_MS = 15_000;
const DEFAULT_THRESHOLD_MS = 30_000;

export function createStreamGuardian(options: StreamGuardianOptions): StreamGuardian {
  return new StreamGuardian(options);
}

export class StreamGuardian {
  readonly intervalMs: number;
  readonly thresholdMs: number;
  readonly #options: StreamGuardianOptions;
  readonly #completionTtlMs: number;
  readonly #failedEvent: string;
  readonly #now: () => number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<GuardianRun> | undefined;

  constructor(options: StreamGuardianOptions) {
    if (!options?.lifecycle) {
      throw new ResumableSseError(
        'INVALID_OPTION',
        'createStreamGuardian needs a lifecycle store: createStreamGuardian({ lifecycle, hub })',
      );
    }
    this.#options = options;
    this.intervalMs = checkDurationOption('intervalMs', options.intervalMs, DEFAULT_INTERVAL_MS);
    this.thresholdMs = checkDurationOption('thresholdMs', options.thresholdMs, DEFAULT_THRESHOLD_MS);
    this.#completionTtlMs = checkDurationOption(
      'completionTtlMs',
      options.completionTtlMs,
      DEFAULT_COMPLETION_TTL_MS,
    );
    this.#failedEvent = resolveTerminalNames(options.terminalEvents).failed;
    this.#now = options.now ?? Date.now;
  }

  get started(): boolean {
    return this.#timer !== undefined;
  }

  /** Runs every `intervalMs` until `stop()`. Idempotent. */
  start(): this {
    if (this.#timer) return this;
    this.#timer = setInterval(() => {
      // A slow run (many orphans, a slow store) is not stacked on by the next tick.
      if (!this.#running) void this.runOnce().catch(() => {});
    }, this.intervalMs);
    // The guardian alone must not keep a shutting-down process alive.
    this.#timer.unref?.();
    return this;
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }

  /** One pass: claim stale streams, end them, expire old records, report. Rejects (and calls `onError`) when the store fails. */
  runOnce(): Promise<GuardianRun> {
    if (this.#running) return this.#running;
    const run = this.#run().finally(() => {
      if (this.#running === run) this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  async #run(): Promise<GuardianRun> {
    const { lifecycle, hooks } = this.#options;
    const started = Date.now();
    try {
      const now = this.#now();
      const orphaned = await lifecycle.claimStale(this.thresholdMs, now);
      await Promise.all(orphaned.map((record) => this.#endOrphan(record, now)));
      const expired = await lifecycle.expire(now);
      const active = await lifecycle.countActive();
      callHook(hooks?.onGuardianRun, {
        active,
        orphaned: orphaned.length,
        expired,
        durationMs: Date.now() - started,
      });
      return { orphaned, expired, active };
    } catch (error) {
      callHook(hooks?.onError, { operation: 'guardian-run', streamId: undefined, error });
      throw error;
    }
  }

  async #endOrphan(record: StreamRecord, now: number): Promise<void> {
    const { hub, lifecycle, hooks, onOrphaned } = this.#options;
    const { streamId } = record;
    if (hub) {
      try {
        await endStream(hub, lifecycle, {
          streamId,
          event: this.#failedEvent,
          data: JSON.stringify({ reason: 'orphaned' } satisfies FailedPayload),
          state: 'failed',
          claimedState: 'orphaned',
          completionTtlMs: this.#completionTtlMs,
        });
      } catch (error) {
        // endStream put the record back to `active`: the next run claims it again.
        callHook(hooks?.onError, { operation: 'end-orphan', streamId, error });
        return;
      }
    }
    callHook(hooks?.onStreamEnded, {
      streamId,
      type: record.type,
      state: 'orphaned',
      reason: 'orphaned',
      durationMs: Math.max(0, now - record.startedAt),
    });
    try {
      await onOrphaned?.(record);
    } catch (error) {
      callHook(hooks?.onError, { operation: 'on-orphaned', streamId, error });
    }
  }
}
