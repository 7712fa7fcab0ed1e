import type { DatabaseSync } from 'node:sqlite';
import { ResumableSseError, type RetentionOptions } from '@resumable-sse/core';
import {
  clockOption,
  optionalWholeNumberOption,
  resolveRetentionOptions,
  wholeNumberOption,
} from '@resumable-sse/core/store-kit';
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

const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/** setTimeout's ceiling; also keeps `busy_timeout` inside SQLite's int. */
const MAX_TIMER_MS = 2_147_483_647;
const STORE = 'sqliteStore';

export function resolveOptions(options: SqliteStoreOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid('sqliteStore() takes an options object, e.g. sqliteStore({ path: "./events.db" }).');
  }
  return {
    ...resolveRetentionOptions(STORE, options),
    busyTimeoutMs: wholeNumberOption(STORE, 'busyTimeoutMs', options.busyTimeoutMs, {
      fallback: DEFAULT_BUSY_TIMEOUT_MS,
      min: 0,
      max: MAX_TIMER_MS,
    }),
    pollIntervalMs: optionalWholeNumberOption(STORE, 'pollIntervalMs', options.pollIntervalMs, {
      min: 1,
      max: MAX_TIMER_MS,
    }),
    now: clockOption(STORE, options.now),
  };
}

export function invalid(message: string): ResumableSseError {
  return new ResumableSseError('INVALID_OPTION', message);
}
