/**
 * How replay reads the store when many clients resume at once. A reconnect storm turns into
 * thousands of `readAfter` calls; sent all together they queue on the store's connection and
 * time out, though the store is healthy. So each hub lets a bounded number of replay reads run
 * at once (the rest wait their turn in order), and a read that fails is tried again a few times
 * after a short pause before the connection gives up with `store-unavailable`.
 */
import { isResumableSseError, ResumableSseError } from '../errors.ts';

/** Replay reads (`position`, `readAfter`) in flight at once per hub, unless the hub says otherwise. */
export const DEFAULT_REPLAY_READ_CONCURRENCY = 64;
/** The pause before each retry of a failed replay read; its length is how many retries there are. */
export const REPLAY_READ_BACKOFF_MS: readonly number[] = [25, 100, 250];

/** A counting semaphore; waiters are served first come, first served. */
export class ReplayReadLimiter {
  readonly limit: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number = DEFAULT_REPLAY_READ_CONCURRENCY) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ResumableSseError(
        'INVALID_OPTION',
        `Replay read concurrency must be a whole number ≥ 1 (got ${limit}); the default is ${DEFAULT_REPLAY_READ_CONCURRENCY}`,
      );
    }
    this.limit = limit;
  }

  /** Reads in flight now. */
  get active(): number {
    return this.#active;
  }

  /** Runs `task` once a slot is free. Rejects without running it when `signal` aborts first. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.#acquire(signal);
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  #acquire(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (this.#active < this.limit) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.#active++;
        resolve();
      };
      const onAbort = () => {
        const index = this.#waiting.indexOf(grant);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(grant);
    });
  }

  #release(): void {
    this.#active--;
    this.#waiting.shift()?.();
  }
}

/**
 * Runs `read` through `limiter`, retrying a failure. A slot is held only while a read is in
 * flight, not while waiting to retry.
 */
export function readForReplay<T>(
  limiter: ReplayReadLimiter,
  read: () => Promise<T>,
  signal: AbortSignal,
  backoffMs: readonly number[] = REPLAY_READ_BACKOFF_MS,
): Promise<T> {
  return withRetries(() => limiter.run(read, signal), signal, backoffMs);
}

/**
 * Runs `read`, and after a failure again following each pause in `backoffMs`; then gives up with
 * the last error. A closed store or an aborted caller is not retried.
 */
export async function withRetries<T>(
  read: () => Promise<T>,
  signal: AbortSignal,
  backoffMs: readonly number[] = REPLAY_READ_BACKOFF_MS,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const pause = backoffMs[attempt];
      if (pause === undefined || signal.aborted || isResumableSseError(error, 'STORE_CLOSED')) throw error;
      // Jitter keeps the retries of a storm from reaching the store in lockstep.
      await abortableSleep(pause * (0.5 + Math.random()), signal);
    }
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
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
