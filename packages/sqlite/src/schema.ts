import { ResumableSseError } from '@resumable-sse/core';
import { newEpoch } from '@resumable-sse/core/protocol';
import type { SqliteConnection } from './driver/types.ts';

export const SCHEMA_VERSION = 1;

/**
 * Tables, all prefixed so they can share a database with the application's own.
 * - `store`: one row naming this log's incarnation. When it is missing (new file, emptied file,
 *   or deleted on purpose after restoring a backup) every stream's metadata counts as lost.
 * - `streams`: per stream the epoch and the head offset, which outlive the events themselves, so
 *   offsets are never reused even when retention has dropped every event.
 * - `events`: keyed by (stream, seq), so a read-after is one B-tree seek plus a range scan.
 * - `idempotency`: keys remembered per stream until `expires_at`.
 */
const CREATE_TABLES = `
CREATE TABLE IF NOT EXISTS resumable_sse_store (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  identity TEXT NOT NULL,
  schema_version INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS resumable_sse_streams (
  stream TEXT PRIMARY KEY,
  epoch TEXT NOT NULL,
  head INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS resumable_sse_events (
  stream TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event TEXT,
  data TEXT NOT NULL,
  time INTEGER NOT NULL,
  PRIMARY KEY (stream, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS resumable_sse_idempotency (
  stream TEXT NOT NULL,
  key TEXT NOT NULL,
  seq INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (stream, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resumable_sse_idempotency_expiry ON resumable_sse_idempotency (expires_at);
`;

/**
 * WAL lets readers (other processes, replays) run while one writer appends; `synchronous=NORMAL`
 * is durable across application crashes in WAL mode and only risks the last transactions on power
 * loss, at a fraction of FULL's fsync cost. `busy_timeout` first, so switching to WAL waits too.
 */
export function configureConnection(connection: SqliteConnection, busyTimeoutMs: number): void {
  connection.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  const row = connection.prepare('PRAGMA journal_mode = WAL').get();
  const mode = String(row?.journal_mode ?? '').toLowerCase();
  // An in-memory database reports `memory`: there is no file to share, so WAL does not apply.
  if (mode !== 'wal' && connection.filename !== '') {
    throw new ResumableSseError(
      'STORE_UNAVAILABLE',
      `SQLite database "${connection.filename}" refused WAL mode (journal_mode is "${mode}"); use a local file system that supports shared memory (not a network share).`,
    );
  }
  connection.exec('PRAGMA synchronous = NORMAL');
}

/**
 * Creates the tables and returns the store identity. A file without an identity row has lost (or
 * never had) its metadata: leftovers are wiped so that every stream starts a new epoch.
 */
export function ensureSchema(connection: SqliteConnection, now: number): string {
  connection.exec('BEGIN IMMEDIATE');
  try {
    connection.exec(CREATE_TABLES);
    const row = connection
      .prepare('SELECT identity, schema_version FROM resumable_sse_store WHERE singleton = 1')
      .get();
    let identity: string;
    if (row === undefined) {
      connection.exec(
        'DELETE FROM resumable_sse_events; DELETE FROM resumable_sse_streams; DELETE FROM resumable_sse_idempotency;',
      );
      identity = newEpoch();
      connection
        .prepare(
          'INSERT INTO resumable_sse_store (singleton, identity, schema_version, created_at) VALUES (1, ?, ?, ?)',
        )
        .run(identity, SCHEMA_VERSION, now);
    } else {
      const version = Number(row.schema_version);
      if (version > SCHEMA_VERSION) {
        throw new ResumableSseError(
          'STORE_UNAVAILABLE',
          `SQLite database "${connection.filename}" was written by a newer @resumable-sse/sqlite (schema ${version}, this one knows ${SCHEMA_VERSION}); upgrade the package.`,
        );
      }
      identity = String(row.identity);
    }
    connection.exec('COMMIT');
    return identity;
  } catch (error) {
    if (connection.isOpen && connection.inTransaction) connection.exec('ROLLBACK');
    throw error;
  }
}
