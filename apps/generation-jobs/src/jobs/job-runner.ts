import type { Hub } from '@resumable-sse/core';
import {
  type Emit,
  type FailedPayload,
  type JobOutcome,
  type LifecycleHooks,
  type LifecycleStore,
  type StreamJob,
  startJob,
} from '@resumable-sse/core/lifecycle';
import { FAIL_MARKER, failurePointFor, GenerationError, tokensFor } from './generator.ts';
import { type JobResult, TOKEN_EVENT, type TokenData } from './job-events.ts';
import { jobStream, newJobId } from './job-ids.ts';
import type { JobRequest } from './job-request.ts';

export interface JobRunnerOptions {
  readonly hub: Hub;
  readonly lifecycle: LifecycleStore;
  /** Producer heartbeat interval (keep it well under the guardian's orphan threshold). */
  readonly heartbeatMs: number;
  /** How often a producer checks for a cancel request made on another instance. */
  readonly cancelCheckMs: number;
  /** How long a finished job's terminal event stays in its completion record. */
  readonly completionTtlMs: number;
  readonly hooks: LifecycleHooks;
  /** Where a job's unexpected error is reported (its viewers get a generic message). */
  readonly logError: (line: string) => void;
}

/**
 * Starts generation jobs in this process and keeps a handle on each until it ends. A job belongs
 * to no connection: it runs whether anyone watches it or not, and any instance can cancel it
 * through the lifecycle store.
 */
export class JobRunner {
  readonly #options: JobRunnerOptions;
  readonly #running = new Map<string, StreamJob>();
  /** Aborted at shutdown: every job still running here fails with a message saying why. */
  readonly #shutdown = new AbortController();

  constructor(options: JobRunnerOptions) {
    this.#options = options;
  }

  /** Registers a job owned by `owner` and starts it in the background; resolves with its id. */
  async start(owner: string, request: JobRequest): Promise<string> {
    const id = newJobId();
    const { hub, lifecycle, heartbeatMs, cancelCheckMs, completionTtlMs, hooks } = this.#options;
    const job = await startJob(
      hub,
      lifecycle,
      {
        streamId: jobStream(id),
        type: request.type,
        owner,
        metadata: { prompt: request.prompt, tokens: request.tokens, delayMs: request.delayMs },
        heartbeatMs,
        cancelCheckMs,
        completionTtlMs,
        hooks,
        describeError: (error) => this.#describeError(id, error),
      },
      (emit, signal) => generate(request, emit, AbortSignal.any([signal, this.#shutdown.signal])),
    );
    this.#running.set(id, job);
    void job.done.then(() => this.#running.delete(id));
    return id;
  }

  /** The job's handle when it runs in this process. */
  local(id: string): StreamJob | undefined {
    return this.#running.get(id);
  }

  /** What viewers read in `failed`: the generator's own message, never an internal error's details. */
  #describeError(id: string, error: unknown): FailedPayload {
    if (error instanceof GenerationError) return { reason: 'error', message: error.message };
    this.#options.logError(
      `job ${id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return { reason: 'error', message: 'The job stopped on an internal error; start it again.' };
  }

  get runningCount(): number {
    return this.#running.size;
  }

  /**
   * Ends every job running here with `failed` (their viewers learn at once instead of waiting
   * for a guardian to notice the missing heartbeats), and waits up to `timeoutMs` for their
   * terminal events to be stored.
   */
  async shutdown(timeoutMs: number): Promise<JobOutcome[]> {
    this.#shutdown.abort(new GenerationError('The server running this job shut down; start it again.'));
    const outcomes = Promise.all([...this.#running.values()].map((job) => job.done));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<JobOutcome[]>((resolve) => {
      timer = setTimeout(() => resolve([]), timeoutMs);
    });
    try {
      return await Promise.race([outcomes, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}

async function generate(request: JobRequest, emit: Emit, signal: AbortSignal): Promise<JobResult> {
  const tokens = tokensFor(request.prompt, request.tokens);
  const failAt = failurePointFor(request.prompt, request.tokens);
  for (let index = 0; index < tokens.length; index += 1) {
    await sleep(request.delayMs, signal);
    if (index === failAt) {
      throw new GenerationError(
        `The generator failed after ${index} tokens (the prompt contains "${FAIL_MARKER}").`,
      );
    }
    const data: TokenData = { index, text: tokens[index]! };
    await emit({ event: TOKEN_EVENT, data: JSON.stringify(data) });
  }
  return { tokens: tokens.length, text: tokens.join('') };
}

/** Waits `ms`; rejects with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
