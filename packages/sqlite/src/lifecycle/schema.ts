import type { SqliteConnection } from '../driver/types.ts';

/**
 * One table per concern, beside the event tables in the same file:
 * - `lifecycle_streams`: the registry (state, owner, heartbeat, cancel flag). `expires_at` is the
 *   last write plus the record TTL; rows past it count as gone before `expire()` deletes them.
 * - `lifecycle_completions`: terminal events kept for their own TTL. The stream row keeps that
 *   TTL's end too (`completion_until`), so a read tells an `expired` stream without a join.
 * The `(state, last_heartbeat)` index makes finding stale streams a range scan of active rows.
 */
const STREAMS = 'resumable_sse_lifecycle_streams';
const COMPLETIONS = 'resumable_sse_lifecycle_completions';
/** The state as readers see it (settled-state.ts in core): `expired` once the completion lapsed. Binds now. */
const SETTLED_STATE = `(CASE WHEN completion_until IS NOT NULL AND completion_until <= ? AND state IN ('completed', 'failed', 'orphaned') THEN 'expired' ELSE state END)`;

const CREATE_TABLES = `
CREATE TABLE IF NOT EXISTS resumable_sse_lifecycle_streams (
  stream TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  owner TEXT NOT NULL,
  state TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  last_heartbeat INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  metadata TEXT NOT NULL,
  completion_until INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resumable_sse_lifecycle_streams_owner ON resumable_sse_lifecycle_streams (owner, started_at);
CREATE INDEX IF NOT EXISTS resumable_sse_lifecycle_streams_heartbeat ON resumable_sse_lifecycle_streams (state, last_heartbeat);
CREATE INDEX IF NOT EXISTS resumable_sse_lifecycle_streams_expiry ON resumable_sse_lifecycle_streams (expires_at);
CREATE TABLE IF NOT EXISTS resumable_sse_lifecycle_completions (
  stream TEXT PRIMARY KEY,
  event TEXT NOT NULL,
  data TEXT NOT NULL,
  id TEXT NOT NULL,
  state TEXT NOT NULL,
  completed_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resumable_sse_lifecycle_completions_expiry ON resumable_sse_lifecycle_completions (expires_at);
`;

export function ensureLifecycleSchema(connection: SqliteConnection): void {
  connection.exec('BEGIN IMMEDIATE');
  try {
    connection.exec(CREATE_TABLES);
    // Files made before `completion_until` existed get the column; their rows read as before.
    const columns = connection.prepare(`PRAGMA table_info(${STREAMS})`).all();
    if (!columns.some((column) => column.name === 'completion_until')) {
      connection.exec(`ALTER TABLE ${STREAMS} ADD COLUMN completion_until INTEGER`);
    }
    connection.exec('COMMIT');
  } catch (error) {
    if (connection.isOpen && connection.inTransaction) connection.exec('ROLLBACK');
    throw error;
  }
}

/** Every statement the lifecycle store runs, prepared once. Parameters are bound in order (`?`). */
export const SQL = {
  /** stream, now */
  findLive: `SELECT * FROM ${STREAMS} WHERE stream = ? AND expires_at > ?`,
  /** stream, type, owner, now ×3, expires_at, metadata */
  insert: `INSERT OR REPLACE INTO ${STREAMS} (stream, type, owner, state, started_at, last_heartbeat, updated_at, expires_at, cancel_requested, metadata)
    VALUES (?, ?, ?, 'active', ?, ?, ?, ?, 0, ?)`,
  /** stream */
  forgetCompletion: `DELETE FROM ${COMPLETIONS} WHERE stream = ?`,
  /** now ×2, expires_at, stream, now */
  heartbeat: `UPDATE ${STREAMS} SET last_heartbeat = ?, updated_at = ?, expires_at = ?
    WHERE stream = ? AND state = 'active' AND expires_at > ? RETURNING stream`,
  /** owner, now */
  listByOwner: `SELECT * FROM ${STREAMS} WHERE owner = ? AND expires_at > ? ORDER BY started_at, stream`,
  /** owner, now, limit */
  firstOwnerPage: `SELECT * FROM ${STREAMS} WHERE owner = ? AND expires_at > ?
    ORDER BY started_at DESC, stream DESC LIMIT ?`,
  /** owner, now, after started_at, after stream, limit */
  nextOwnerPage: `SELECT * FROM ${STREAMS} WHERE owner = ? AND expires_at > ? AND (started_at, stream) < (?, ?)
    ORDER BY started_at DESC, stream DESC LIMIT ?`,
  /** now */
  countActive: `SELECT count(*) AS n FROM ${STREAMS} WHERE state = 'active' AND expires_at > ?`,
  /** state, now, expires_at, stream, now */
  setState: `UPDATE ${STREAMS} SET state = ?, updated_at = ?, expires_at = ?
    WHERE stream = ? AND expires_at > ? RETURNING stream`,
  /** state, now, expires_at, stream, now, now, from */
  setStateFrom: `UPDATE ${STREAMS} SET state = ?, updated_at = ?, expires_at = ?
    WHERE stream = ? AND expires_at > ? AND ${SETTLED_STATE} = ? RETURNING stream`,
  /** stream, event, data, id, state, completed_at, expires_at */
  keepCompletion: `INSERT OR REPLACE INTO ${COMPLETIONS} (stream, event, data, id, state, completed_at, expires_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)`,
  /** completion_until, stream, now */
  markCompletion: `UPDATE ${STREAMS} SET completion_until = ? WHERE stream = ? AND expires_at > ?`,
  /** state, now, expires_at, stream, now */
  endIfActive: `UPDATE ${STREAMS} SET state = ?, updated_at = ?, expires_at = ?
    WHERE stream = ? AND state = 'active' AND expires_at > ?`,
  /** stream, now */
  completion: `SELECT * FROM ${COMPLETIONS} WHERE stream = ? AND expires_at > ?`,
  /** now, expires_at, cutoff, now */
  claimStale: `UPDATE ${STREAMS} SET state = 'orphaned', updated_at = ?, expires_at = ?
    WHERE state = 'active' AND last_heartbeat <= ? AND expires_at > ? RETURNING *`,
  /** now, expires_at, stream, now */
  requestCancel: `UPDATE ${STREAMS} SET cancel_requested = 1, updated_at = ?, expires_at = ?
    WHERE stream = ? AND state = 'active' AND expires_at > ? RETURNING stream`,
  /** now */
  expireStreams: `DELETE FROM ${STREAMS} WHERE expires_at <= ?`,
  /** now */
  expireCompletions: `DELETE FROM ${COMPLETIONS} WHERE expires_at <= ?`,
  changes: 'SELECT changes() AS n',
} as const;
