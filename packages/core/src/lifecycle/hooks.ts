/**
 * Observability callbacks for finite streams. Each is optional and must not throw; keep them cheap
 * (count, observe, log). Together with the hub's `onCaughtUp` (events replayed, time to sync) they
 * cover what a dashboard for jobs needs; `lifecycleMetrics()` wires both into counters.
 */
import type { StreamState } from './types.ts';

export interface LifecycleHooks {
  /** A producer registered a stream and started. */
  onStreamStarted?(info: { streamId: string; type: string; owner: string }): void;
  /**
   * A stream ended and this process published its terminal event: `completed` or `failed` by its
   * producer (`reason` `error` or `cancelled` for `failed`), `orphaned` by a guardian.
   */
  onStreamEnded?(info: {
    streamId: string;
    type: string;
    state: Extract<StreamState, 'completed' | 'failed' | 'orphaned'>;
    reason: string | undefined;
    durationMs: number;
  }): void;
  /** A guardian run finished: streams active now, orphaned by this run, records expired by it. */
  onGuardianRun?(info: { active: number; orphaned: number; expired: number; durationMs: number }): void;
  /** A background step failed (a heartbeat, a cancel check, a guardian run); it is retried later. */
  onError?(info: { operation: string; streamId: string | undefined; error: unknown }): void;
}

/** Calls a hook without letting a throwing (or rejecting) hook break the caller. */
export function callHook<A>(hook: ((info: A) => void) | undefined, info: A): void {
  if (!hook) return;
  try {
    const result: unknown = hook(info);
    // A hook typed `void` may still be async: its rejection must not become an unhandled one.
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
      (result as PromiseLike<unknown>).then(undefined, () => {});
    }
  } catch {
    // A metrics or logging callback must never end a stream or a guardian run.
  }
}
