import type { DatabaseSync } from 'node:sqlite';
import { ResumableSseError, type RetentionOptions } from '@resumable-sse/core';
import type { BetterSqlite3Database, SqliteDriverName } from './driver/types.ts';

export interface SqliteStoreOptions extends RetentionOptions {
  /**
   * Database file to open (created if missing; its directory must exist). The store owns this
   * connection and closes it in `close()`. Give either `path` or `database`.
   */
  readonly path?: string | undefined;
  /**
   * An open connection you made: a better-sqlite3 `Database` or a `node:sqlite` `DatabaseSync`.
   * The store sets WAL, `synchronous=NORMAL` and `busy_timeout` on it, creates its tables, and
   * leaves it open in `close()`.
   */
  readonly database?: BetterSqlite3Database | DatabaseSync | undefined;
  /**
   * Library used to open `path`.
   * @default 'better-sqlite3' when it is installed, otherwise 'node:sqlite'
   */
  readonly driver?: SqliteDriverName | undefined;
  /**
   * How long a write waits for another connection's lock before failing with `STORE_UNAVAILABLE`.
   * The wait blocks the event loop (both libraries are synchronous), so keep it short.
   * @default 5000
   */
  readonly busyTimeoutMs?: number | undefined;
  /**
   * When set, the store checks the file this often for events other connections (other processes)
   * appended, and delivers them to this process's subscribers. Off by default: without it,
   * subscribers see only this store's own appends live.
   * @default undefined (off)
   */
  readonly pollIntervalMs?: number | undefined;
  /** Clock in milliseconds since the Unix epoch, for event times, age retention and key expiry. @default Date.now */
  readonly now?: (() => number) | undefined;
}

export interface ResolvedOptions {
  readonly maxEvents: number;
  readonly maxAgeMs: number | undefined;
  readonly idempotencyWindowMs: number;
  readonly busyTimeoutMs: number;
  readonly pollIntervalMs: number | undefined;
  readonly now: () => number;
}

const DEFAULT_MAX_EVENTS = 500;
const DEFAULT_IDEMPOTENCY_WINDOW_MS = 300_000;
const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/** setTimeout's ceiling; also keeps `busy_timeout` inside SQLite's int. */
const MAX_TIMER_MS = 2_147_483_647;

export function resolveOptions(options: SqliteStoreOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid('sqliteStore() takes an options object, e.g. sqliteStore({ path: "./events.db" }).');
  }
  return {
    maxEvents: integerOption('maxEvents', options.maxEvents, DEFAULT_MAX_EVENTS, 1, Number.MAX_SAFE_INTEGER),
    maxAgeMs: positiveOption('maxAgeMs', options.maxAgeMs),
    idempotencyWindowMs: integerOption(
      'idempotencyWindowMs',
      options.idempotencyWindowMs,
      DEFAULT_IDEMPOTENCY_WINDOW_MS,
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    busyTimeoutMs: integerOption(
      'busyTimeoutMs',
      options.busyTimeoutMs,
      DEFAULT_BUSY_TIMEOUT_MS,
      0,
      MAX_TIMER_MS,
    ),
    pollIntervalMs:
      options.pollIntervalMs === undefined
        ? undefined
        : integerOption('pollIntervalMs', options.pollIntervalMs, 0, 1, MAX_TIMER_MS),
    now: clockOption(options.now),
  };
}

export function invalid(message: string): ResumableSseError {
  return new ResumableSseError('INVALID_OPTION', message);
}

function integerOption(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(
      `sqliteStore option "${name}" must be an integer from ${min} to ${max}, got ${String(value)}.`,
    );
  }
  return value;
}

function positiveOption(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid(`sqliteStore option "${name}" must be a number > 0, got ${String(value)}.`);
  }
  return value;
}

function clockOption(now: (() => number) | undefined): () => number {
  if (now === undefined) return Date.now;
  if (typeof now !== 'function') {
    throw invalid('sqliteStore option "now" must be a function returning milliseconds since the Unix epoch.');
  }
  return now;
}
