/**
 * The producer side of a finite stream: register it, heartbeat while it runs, publish what it
 * emits, and end it with exactly one terminal event — `completed` when the producer returns,
 * `failed` when it throws or when a cancel request arrives from any process. The job belongs to
 * no connection: viewers come and go, it keeps running.
 */
import { ResumableSseError } from '../errors.ts';
import type { Hub, PublishResult } from '../hub.ts';
import type { AppendInput } from '../store/types.ts';
import { endStream } from './end-stream.ts';
import { callHook, type LifecycleHooks } from './hooks.ts';
import {
  type CompletedPayload,
  type FailedPayload,
  type FailureReason,
  resolveTerminalNames,
  type TerminalEventNames,
} from './terminal.ts';
import {
  DEFAULT_COMPLETION_TTL_MS,
  type LifecycleStore,
  type RegisterInput,
  type StreamState,
  type TerminalEvent,
  type TerminalState,
} from './types.ts';
import { checkDurationOption } from './validate.ts';

export interface StartJobOptions extends RegisterInput {
  /**
   * How often the producer heartbeats. Keep it well under the guardian's threshold (30 s by
   * default) so a busy moment never reads as a dead producer.
   * @default 10_000
   */
  readonly heartbeatMs?: number | undefined;
  /** How often the producer checks for a cancel request made in any process. @default 1_000 */
  readonly cancelCheckMs?: number | undefined;
  /** How long the completion record keeps the terminal event. @default 300_000 */
  readonly completionTtlMs?: number | undefined;
  /** Event names of the terminal events. @default { completed: 'completed', failed: 'failed' } */
  readonly terminalEvents?: Partial<TerminalEventNames> | undefined;
  readonly hooks?: LifecycleHooks | undefined;
  /**
   * What a `failed` event says when the producer throws. Viewers see it, so keep secrets out.
   * @default (error) => ({ reason: 'error', message: error.message })
   */
  readonly describeError?: ((error: unknown) => FailedPayload) | undefined;
}

/** Publishes one event to the job's stream and returns its cursor. Rejects once the job has ended. */
export type Emit = (input: AppendInput) => Promise<PublishResult>;

/**
 * The job's work. `signal` aborts when the stream ends for any reason (cancel, orphaned, done);
 * pass it on to `fetch` and friends. The return value becomes the `completed` event's `result`.
 */
export type JobProducer<T> = (emit: Emit, signal: AbortSignal) => Promise<T> | T;

export interface JobOutcome {
  /** The record's state at the end: `completed`, `failed`, or what another process set (`orphaned`). */
  readonly state: StreamState;
  /** For `failed`: `error` or `cancelled`; for a stream another process ended: `orphaned` or undefined. */
  readonly reason: FailureReason | undefined;
  /** The terminal event this job published; null when another process ended the stream. */
  readonly terminal: TerminalEvent | null;
  /**
   * Set when the terminal event could not be stored (the store was unreachable). The record is
   * then `active` again, so a guardian ends the stream once its heartbeats are stale.
   */
  readonly error?: unknown;
}

export interface StreamJob {
  readonly streamId: string;
  /** Aborts when the job's stream ends. */
  readonly signal: AbortSignal;
  /** Resolves once the stream has ended and its terminal event is stored. Never rejects. */
  readonly done: Promise<JobOutcome>;
  /** Cancels the job from this process (other processes use `lifecycle.requestCancel`). */
  cancel(): Promise<JobOutcome>;
}

const DEFAULT_HEARTBEAT_MS = 10_000;
const DEFAULT_CANCEL_CHECK_MS = 1_000;

/**
 * Registers `options.streamId` and runs `produce` in the background. Resolves once the stream is
 * registered (so an HTTP handler can answer `201` with the stream's URL at once); rejects with
 * `STREAM_EXISTS` when a record for the id exists.
 *
 * @example
 * const job = await startJob(hub, lifecycle, { streamId: 'job-42', type: 'generation', owner: 'ada' },
 *   async (emit, signal) => {
 *     for (const token of tokens) {
 *       if (signal.aborted) break;
 *       await emit({ event: 'token', data: token });
 *     }
 *     return { tokens: tokens.length };
 *   });
 */
export async function startJob<T>(
  hub: Hub,
  lifecycle: LifecycleStore,
  options: StartJobOptions,
  produce: JobProducer<T>,
): Promise<StreamJob> {
  if (typeof produce !== 'function') {
    throw new ResumableSseError(
      'INVALID_OPTION',
      'startJob needs a producer function: startJob(hub, lifecycle, options, async (emit, signal) => …)',
    );
  }
  const settings = {
    heartbeatMs: checkDurationOption('heartbeatMs', options.heartbeatMs, DEFAULT_HEARTBEAT_MS),
    cancelCheckMs: checkDurationOption('cancelCheckMs', options.cancelCheckMs, DEFAULT_CANCEL_CHECK_MS),
    completionTtlMs: checkDurationOption(
      'completionTtlMs',
      options.completionTtlMs,
      DEFAULT_COMPLETION_TTL_MS,
    ),
    names: resolveTerminalNames(options.terminalEvents),
  };
  const registered = await lifecycle.register({
    streamId: options.streamId,
    type: options.type,
    owner: options.owner,
    metadata: options.metadata,
  });
  if (!registered) {
    throw new ResumableSseError(
      'STREAM_EXISTS',
      `Stream "${options.streamId}" is already registered; use a new stream id per job`,
    );
  }
  const job = new RunningJob(hub, lifecycle, options, settings);
  job.run(produce);
  return job.handle;
}

interface Settings {
  readonly heartbeatMs: number;
  readonly cancelCheckMs: number;
  readonly completionTtlMs: number;
  readonly names: TerminalEventNames;
}

class RunningJob {
  readonly handle: StreamJob;
  readonly #hub: Hub;
  readonly #lifecycle: LifecycleStore;
  readonly #options: StartJobOptions;
  readonly #settings: Settings;
  readonly #controller = new AbortController();
  readonly #pendingEmits = new Set<Promise<unknown>>();
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  readonly #startedAt = Date.now();
  #ending: Promise<JobOutcome> | undefined;
  #resolveDone!: (outcome: JobOutcome) => void;

  constructor(hub: Hub, lifecycle: LifecycleStore, options: StartJobOptions, settings: Settings) {
    this.#hub = hub;
    this.#lifecycle = lifecycle;
    this.#options = options;
    this.#settings = settings;
    const done = new Promise<JobOutcome>((resolve) => {
      this.#resolveDone = resolve;
    });
    this.handle = {
      streamId: options.streamId,
      signal: this.#controller.signal,
      done,
      cancel: () => this.#end('failed', 'cancelled', { reason: 'cancelled' }),
    };
  }

  run<T>(produce: JobProducer<T>): void {
    const { streamId, type, owner } = this.#options;
    callHook(this.#options.hooks?.onStreamStarted, { streamId, type, owner });
    this.#every(this.#settings.heartbeatMs, 'heartbeat', async () => {
      // False means the record is no longer ours to end: a guardian orphaned it, or it expired.
      if (!(await this.#lifecycle.heartbeat(streamId))) await this.#lost();
    });
    this.#every(this.#settings.cancelCheckMs, 'cancel-check', async () => {
      if (await this.#lifecycle.cancelRequested(streamId)) {
        await this.#end('failed', 'cancelled', { reason: 'cancelled' });
      }
    });
    const emit: Emit = (input) => this.#emit(input);
    Promise.resolve()
      .then(() => produce(emit, this.#controller.signal))
      .then(
        (result) => this.#end('completed', undefined, { result: result ?? null } satisfies CompletedPayload),
        (error: unknown) => this.#end('failed', 'error', this.#describeError(error)),
      );
  }

  #emit(input: AppendInput): Promise<PublishResult> {
    const { streamId } = this.#options;
    if (this.#ending) {
      return Promise.reject(
        new ResumableSseError(
          'STREAM_ENDED',
          `Stream "${streamId}" has ended; stop emitting (watch the signal)`,
        ),
      );
    }
    const { completed, failed } = this.#settings.names;
    if (input?.event === completed || input?.event === failed) {
      return Promise.reject(
        new ResumableSseError(
          'INVALID_FIELD',
          `Event name "${input.event}" is reserved for the terminal event; return a value or throw instead`,
        ),
      );
    }
    const publishing = this.#hub.publish(streamId, input);
    this.#pendingEmits.add(publishing);
    const forget = () => this.#pendingEmits.delete(publishing);
    publishing.then(forget, forget);
    return publishing;
  }

  /** Ends the stream once; later calls get the same outcome. */
  #end(
    state: TerminalState,
    reason: FailureReason | undefined,
    payload: CompletedPayload | FailedPayload,
  ): Promise<JobOutcome> {
    if (this.#ending) return this.#ending;
    this.#stop(reason ?? 'completed');
    this.#ending = this.#publishEnd(state, reason, payload);
    void this.#ending.then(this.#resolveDone);
    return this.#ending;
  }

  async #publishEnd(
    state: TerminalState,
    reason: FailureReason | undefined,
    payload: CompletedPayload | FailedPayload,
  ): Promise<JobOutcome> {
    const { streamId, type } = this.#options;
    // The terminal event must be the stream's last: let emits already on their way land first.
    await Promise.allSettled([...this.#pendingEmits]);
    try {
      // Atomic: if a guardian orphaned the stream meanwhile, it published the terminal event, not us.
      if (!(await this.#lifecycle.setState(streamId, state, { from: 'active' })))
        return await this.#endedElsewhere();
      const terminal = await endStream(this.#hub, this.#lifecycle, {
        streamId,
        event: this.#settings.names[state],
        data: JSON.stringify(payload),
        state,
        claimedState: state,
        completionTtlMs: this.#settings.completionTtlMs,
      });
      callHook(this.#options.hooks?.onStreamEnded, {
        streamId,
        type,
        state,
        reason,
        durationMs: Date.now() - this.#startedAt,
      });
      return { state, reason, terminal };
    } catch (error) {
      // The record is `active` again (or never left it): a guardian ends the stream once it is stale.
      callHook(this.#options.hooks?.onError, { operation: 'end-stream', streamId, error });
      return { state: 'active', reason, terminal: null, error };
    }
  }

  /** Another process ended the stream (a guardian, an operator): stop without a terminal event. */
  #lost(): Promise<JobOutcome> {
    if (this.#ending) return this.#ending;
    this.#stop('orphaned');
    this.#ending = this.#endedElsewhere();
    void this.#ending.then(this.#resolveDone);
    return this.#ending;
  }

  async #endedElsewhere(): Promise<JobOutcome> {
    const record = await this.#lifecycle.get(this.#options.streamId).catch(() => null);
    const state = record?.state ?? 'expired';
    return { state, reason: state === 'orphaned' ? 'orphaned' : undefined, terminal: null };
  }

  #stop(why: FailureReason | 'completed'): void {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    if (!this.#controller.signal.aborted) {
      this.#controller.abort(
        new ResumableSseError('STREAM_ENDED', `Stream "${this.#options.streamId}" ended (${why})`),
      );
    }
  }

  /** Runs `task` every `ms`, never two at once; failures go to `onError` and the next tick retries. */
  #every(ms: number, operation: string, task: () => Promise<void>): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.#ending) return;
      busy = true;
      task()
        .catch((error: unknown) =>
          callHook(this.#options.hooks?.onError, { operation, streamId: this.#options.streamId, error }),
        )
        .finally(() => {
          busy = false;
        });
    }, ms);
    // A job's timers alone must not keep a process alive that is otherwise shutting down.
    timer.unref?.();
    this.#timers.push(timer);
  }

  #describeError(error: unknown): FailedPayload {
    const describe = this.#options.describeError;
    if (describe) {
      try {
        return describe(error);
      } catch {
        // Fall through to the default: a broken describer must not leave the stream without an end.
      }
    }
    return { reason: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}
