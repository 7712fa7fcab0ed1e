import type { EventStore } from '@resumable-sse/core';

export interface DurableStreamsOptions {
  /**
   * Where streams live. Durable Streams keep every byte until deletion, so give the store a
   * retention that never drops a live stream's records (a `maxEvents` far above any stream's
   * append count, e.g. `Number.MAX_SAFE_INTEGER` on SQLite and Redis).
   */
  readonly store: EventStore;
  /** How long a long-poll waits for data before answering 204. @default 30_000 */
  readonly longPollTimeoutMs?: number;
  /** SSE responses end after this long so CDNs can collapse readers. @default 60_000 */
  readonly sseMaxConnectionMs?: number;
  /** SSE comment lines keep idle connections open through proxies. @default 15_000 */
  readonly sseHeartbeatMs?: number;
  /** Largest request body accepted; more is a 413. @default 16 MiB */
  readonly maxBodyBytes?: number;
  /** About how many payload bytes one catch-up read returns before paging. @default 1 MiB */
  readonly maxReadBytes?: number;
  /** Clock, for TTLs and cursors. @default Date.now */
  readonly now?: () => number;
  /** Aborting it ends every open long-poll and SSE response (for a graceful shutdown). */
  readonly signal?: AbortSignal;
}

export interface ResolvedOptions {
  readonly store: EventStore;
  readonly longPollTimeoutMs: number;
  readonly sseMaxConnectionMs: number;
  readonly sseHeartbeatMs: number;
  readonly maxBodyBytes: number;
  readonly maxReadBytes: number;
  readonly now: () => number;
  readonly signal: AbortSignal | undefined;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(
      `Durable Streams option ${name} must be a positive number of ${name.endsWith('Ms') ? 'milliseconds' : 'bytes'}, got ${String(value)}.`,
    );
  }
  return value;
}

export function resolveOptions(options: DurableStreamsOptions): ResolvedOptions {
  if (options?.store === undefined || typeof options.store.append !== 'function') {
    throw new TypeError('Durable Streams needs { store }: an EventStore such as memoryStore().');
  }
  return {
    store: options.store,
    longPollTimeoutMs: positive('longPollTimeoutMs', options.longPollTimeoutMs, 30_000),
    sseMaxConnectionMs: positive('sseMaxConnectionMs', options.sseMaxConnectionMs, 60_000),
    sseHeartbeatMs: positive('sseHeartbeatMs', options.sseHeartbeatMs, 15_000),
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes, 16 * 1024 * 1024),
    maxReadBytes: positive('maxReadBytes', options.maxReadBytes, 1024 * 1024),
    now: options.now ?? Date.now,
    signal: options.signal,
  };
}
