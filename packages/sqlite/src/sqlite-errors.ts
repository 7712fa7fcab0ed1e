import { ResumableSseError } from '@resumable-sse/core';

/** SQLite primary result codes the store gives specific advice for. */
type Failure = 'busy' | 'readonly' | 'cantopen' | 'full' | 'corrupt' | 'closed' | 'other';

const PRIMARY_CODES: Readonly<Record<number, Failure>> = {
  5: 'busy', // SQLITE_BUSY
  6: 'busy', // SQLITE_LOCKED
  8: 'readonly', // SQLITE_READONLY
  10: 'other', // SQLITE_IOERR
  11: 'corrupt', // SQLITE_CORRUPT
  13: 'full', // SQLITE_FULL
  14: 'cantopen', // SQLITE_CANTOPEN
  23: 'readonly', // SQLITE_AUTH
  26: 'corrupt', // SQLITE_NOTADB
};

const NAMED_CODES: Readonly<Record<string, Failure>> = {
  SQLITE_BUSY: 'busy',
  SQLITE_LOCKED: 'busy',
  SQLITE_READONLY: 'readonly',
  SQLITE_PERM: 'readonly',
  SQLITE_AUTH: 'readonly',
  SQLITE_CANTOPEN: 'cantopen',
  SQLITE_FULL: 'full',
  SQLITE_CORRUPT: 'corrupt',
  SQLITE_NOTADB: 'corrupt',
};

export interface FailureContext {
  readonly filename: string;
  readonly busyTimeoutMs: number;
  /** What the store was doing, e.g. `appending to "chat"`. */
  readonly action: string;
}

/**
 * Recognizes an error thrown by either SQLite library (or by a closed connection). Anything else is
 * a bug in this package or its caller and must surface as it is, not disguised as an outage.
 */
export function classifySqliteError(error: unknown): Failure | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  // node:sqlite: `ERR_SQLITE_ERROR` with the (possibly extended) result code in `errcode`.
  if (code === 'ERR_SQLITE_ERROR') {
    return typeof errcode === 'number' ? (PRIMARY_CODES[errcode & 0xff] ?? 'other') : 'other';
  }
  if (code === 'ERR_INVALID_STATE' && /not open/i.test(error.message)) return 'closed';
  // better-sqlite3: `SqliteError` whose `code` is the extended name, e.g. `SQLITE_READONLY_DBMOVED`.
  if (error.name === 'SqliteError' && typeof code === 'string') {
    const primary = /^SQLITE_[A-Z]+/.exec(code)?.[0] ?? '';
    return NAMED_CODES[primary] ?? 'other';
  }
  if (error instanceof TypeError && /database connection is not open/i.test(error.message)) return 'closed';
  return undefined;
}

/** Turns a SQLite failure into `STORE_UNAVAILABLE` with advice; returns anything else unchanged. */
export function asStoreError(error: unknown, context: FailureContext): unknown {
  const failure = classifySqliteError(error);
  if (failure === undefined) return error;
  return new ResumableSseError('STORE_UNAVAILABLE', describe(failure, error as Error, context), {
    cause: error,
  });
}

function describe(
  failure: Failure,
  error: Error,
  { filename, busyTimeoutMs, action }: FailureContext,
): string {
  const file = filename === '' ? 'the in-memory SQLite database' : `SQLite database "${filename}"`;
  const prefix = `SQLite store failed ${action}: ${error.message}.`;
  switch (failure) {
    case 'busy':
      return `${prefix} ${file} stayed locked by another connection for longer than busyTimeoutMs (${busyTimeoutMs} ms); nothing was stored. Retry later, raise busyTimeoutMs, or keep other writers' transactions short.`;
    case 'readonly':
    case 'cantopen':
      return `${prefix} Cannot write ${file}: check that its directory exists and that this process may create and write files there (SQLite also writes the "-wal" and "-shm" files beside it).`;
    case 'full':
      return `${prefix} The disk holding ${file} is full; free space or lower maxEvents / maxAgeMs.`;
    case 'corrupt':
      return `${prefix} ${file} is not a valid SQLite database; point "path" at a database this store created, or move the file away to start a new log.`;
    case 'closed':
      return `${prefix} The SQLite connection is closed; open the database again and create a new store with sqliteStore().`;
    default:
      return `${prefix} Check ${file} and retry; if it keeps failing, recreate the store.`;
  }
}
