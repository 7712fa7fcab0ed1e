import type { SqliteConnection, SqliteStatement } from './driver/types.ts';

/** Every statement the store runs, prepared once per connection. */
export interface Statements {
  readonly begin: () => void;
  readonly commit: () => void;
  readonly rollback: () => void;
  readonly selectIdentity: SqliteStatement;
  readonly selectStream: SqliteStatement;
  /** Streams named in a JSON array: one statement for every watched stream on a poll tick. */
  readonly selectStreams: SqliteStatement;
  readonly insertStream: SqliteStatement;
  readonly updateHead: SqliteStatement;
  readonly deleteStreamEvents: SqliteStatement;
  readonly deleteStreamKeys: SqliteStatement;
  readonly insertEvent: SqliteStatement;
  readonly readAfter: SqliteStatement;
  readonly readRange: SqliteStatement;
  readonly oldest: SqliteStatement;
  readonly oldestSince: SqliteStatement;
  readonly trimThrough: SqliteStatement;
  readonly trimOlderThan: SqliteStatement;
  readonly selectKey: SqliteStatement;
  readonly upsertKey: SqliteStatement;
  readonly expireKeys: SqliteStatement;
  readonly dataVersion: SqliteStatement;
}

export function prepareStatements(connection: SqliteConnection): Statements {
  const prepare = (sql: string) => connection.prepare(sql);
  return {
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads and then writes
    // can fail with SQLITE_BUSY without waiting when another connection committed in between.
    begin: () => connection.exec('BEGIN IMMEDIATE'),
    commit: () => connection.exec('COMMIT'),
    rollback: () => connection.exec('ROLLBACK'),
    selectIdentity: prepare('SELECT identity FROM resumable_sse_store WHERE singleton = 1'),
    selectStream: prepare('SELECT epoch, head FROM resumable_sse_streams WHERE stream = ?'),
    selectStreams: prepare(
      'SELECT s.stream, s.epoch, s.head FROM json_each(?) AS j JOIN resumable_sse_streams AS s ON s.stream = j.value',
    ),
    insertStream: prepare('INSERT INTO resumable_sse_streams (stream, epoch, head) VALUES (?, ?, 0)'),
    updateHead: prepare('UPDATE resumable_sse_streams SET head = ? WHERE stream = ?'),
    deleteStreamEvents: prepare('DELETE FROM resumable_sse_events WHERE stream = ?'),
    deleteStreamKeys: prepare('DELETE FROM resumable_sse_idempotency WHERE stream = ?'),
    insertEvent: prepare(
      'INSERT INTO resumable_sse_events (stream, seq, event, data, time) VALUES (?, ?, ?, ?, ?)',
    ),
    readAfter: prepare(
      'SELECT seq, event, data, time FROM resumable_sse_events WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    readRange: prepare(
      'SELECT seq, event, data, time FROM resumable_sse_events WHERE stream = ? AND seq > ? AND seq <= ? ORDER BY seq',
    ),
    oldest: prepare('SELECT seq FROM resumable_sse_events WHERE stream = ? ORDER BY seq LIMIT 1'),
    // Retention keeps a contiguous range: everything from the first event young enough, even if a
    // clock step made a later event look older. The scan stops at that event, so it costs
    // O(log n + expired events).
    oldestSince: prepare(
      'SELECT seq FROM resumable_sse_events WHERE stream = ? AND time >= ? ORDER BY seq LIMIT 1',
    ),
    trimThrough: prepare('DELETE FROM resumable_sse_events WHERE stream = ? AND seq <= ?'),
    trimOlderThan: prepare(
      `DELETE FROM resumable_sse_events WHERE stream = ? AND seq < coalesce(
         (SELECT seq FROM resumable_sse_events WHERE stream = ? AND time >= ? ORDER BY seq LIMIT 1), ?)`,
    ),
    selectKey: prepare(
      'SELECT seq FROM resumable_sse_idempotency WHERE stream = ? AND key = ? AND expires_at > ?',
    ),
    upsertKey: prepare(
      'INSERT OR REPLACE INTO resumable_sse_idempotency (stream, key, seq, expires_at) VALUES (?, ?, ?, ?)',
    ),
    expireKeys: prepare('DELETE FROM resumable_sse_idempotency WHERE expires_at <= ?'),
    dataVersion: prepare('PRAGMA data_version'),
  };
}
