import { ResumableSseError } from '@resumable-sse/core';
import {
  type CompletionRecord,
  DEFAULT_COMPLETION_TTL_MS,
  type LifecycleStore,
  type LifecycleStoreOptions,
  type OwnerPage,
  type OwnerPageOptions,
  type RegisterInput,
  type SetStateOptions,
  type StreamRecord,
  type StreamState,
  type TerminalEvent,
  type TerminalState,
} from '@resumable-sse/core/lifecycle';
import {
  assertStreamState,
  assertTerminalEvent,
  checkDurationOption,
  checkOwnerPageOptions,
  checkRegisterInput,
  metadataFromJson,
  type ResolvedLifecycleOptions,
  resolveLifecycleOptions,
  settledState,
  toOwnerPage,
} from '@resumable-sse/core/store-kit';
import type { SqliteConnection, SqliteStatement, SqlRow, SqlValue } from '../driver/types.ts';
import { configureConnection } from '../schema.ts';
import { asStoreError } from '../sqlite-errors.ts';
import { type LifecycleConnectionOptions, openLifecycleConnection } from './connect.ts';
import { ensureLifecycleSchema, SQL } from './schema.ts';

export interface SqliteLifecycleOptions extends LifecycleStoreOptions, LifecycleConnectionOptions {
  /**
   * How long a write waits for another connection's lock before failing with `STORE_UNAVAILABLE`.
   * @default 5000
   */
  readonly busyTimeoutMs?: number | undefined;
}

type Statements = { readonly [K in keyof typeof SQL]: SqliteStatement };

/**
 * A `LifecycleStore` in SQLite, normally the same file as the events (`path` or a shared
 * `database` connection). Every process that opens the file shares the registry, so claims,
 * cancel requests and completion records work across processes on one machine. Claiming stale
 * streams is one `UPDATE … RETURNING` under SQLite's write lock: each stream is claimed once.
 *
 * @example
 * const events = sqliteStore({ path: './data/events.db' });
 * const lifecycle = sqliteLifecycle({ path: './data/events.db' });
 */
export function sqliteLifecycle(options: SqliteLifecycleOptions): SqliteLifecycleStore {
  return new SqliteLifecycleStore(options);
}

export class SqliteLifecycleStore implements LifecycleStore {
  readonly kind = 'sqlite';
  readonly #options: ResolvedLifecycleOptions;
  readonly #busyTimeoutMs: number;
  readonly #connection: SqliteConnection;
  readonly #owned: boolean;
  readonly #sql: Statements;
  #closed = false;

  constructor(options: SqliteLifecycleOptions) {
    this.#options = resolveLifecycleOptions(options);
    this.#busyTimeoutMs = checkDurationOption('busyTimeoutMs', options?.busyTimeoutMs, 5_000, 0);
    const { connection, owned } = openLifecycleConnection(options ?? {});
    this.#connection = connection;
    this.#owned = owned;
    try {
      configureConnection(connection, this.#busyTimeoutMs);
      ensureLifecycleSchema(connection);
      this.#sql = Object.fromEntries(
        Object.entries(SQL).map(([name, sql]) => [name, connection.prepare(sql)]),
      ) as unknown as Statements;
    } catch (error) {
      if (owned) connection.close();
      throw this.#failure(error, 'creating the lifecycle tables');
    }
  }

  async register(input: RegisterInput): Promise<boolean> {
    const checked = checkRegisterInput(input);
    return this.#write(`registering stream "${checked.streamId}"`, (now) => {
      if (this.#sql.findLive.get(checked.streamId, now)) return false;
      // An expired record may still be on disk: replacing it starts afresh, its old completion too.
      this.#sql.forgetCompletion.run(checked.streamId);
      const expiresAt = now + this.#options.recordTtlMs;
      this.#sql.insert.run(
        checked.streamId,
        checked.type,
        checked.owner,
        now,
        now,
        now,
        expiresAt,
        checked.metadataJson,
      );
      return true;
    });
  }

  async heartbeat(streamId: string): Promise<boolean> {
    return this.#run(
      `recording a heartbeat of "${streamId}"`,
      (now) => this.#sql.heartbeat.get(now, now, this.#expiry(now), streamId, now) !== undefined,
    );
  }

  async get(streamId: string): Promise<StreamRecord | null> {
    return this.#run(`reading stream "${streamId}"`, (now) => {
      const row = this.#sql.findLive.get(streamId, now);
      return row ? toRecord(row, now) : null;
    });
  }

  async listByOwner(owner: string): Promise<StreamRecord[]> {
    return this.#run('listing streams by owner', (now) =>
      this.#sql.listByOwner.all(owner, now).map((row) => toRecord(row, now)),
    );
  }

  async pageByOwner(owner: string, options?: OwnerPageOptions): Promise<OwnerPage> {
    const { after, limit } = checkOwnerPageOptions(owner, options);
    return this.#run('paging streams by owner', (now) => {
      // One more than asked for: it only tells whether a next page exists.
      const rows = after
        ? this.#sql.nextOwnerPage.all(owner, now, after.startedAt, after.streamId, limit + 1)
        : this.#sql.firstOwnerPage.all(owner, now, limit + 1);
      return toOwnerPage(
        rows.map((row) => toRecord(row, now)),
        limit,
      );
    });
  }

  async countActive(): Promise<number> {
    return this.#run('counting active streams', (now) => Number(this.#sql.countActive.get(now)?.n ?? 0));
  }

  async setState(streamId: string, state: StreamState, options: SetStateOptions = {}): Promise<boolean> {
    assertStreamState(state);
    const from = options.from;
    if (from !== undefined) assertStreamState(from, 'from');
    return this.#run(`setting the state of "${streamId}"`, (now) => {
      const args: SqlValue[] = [state, now, this.#expiry(now), streamId, now];
      const row =
        from === undefined ? this.#sql.setState.get(...args) : this.#sql.setStateFrom.get(...args, now, from);
      return row !== undefined;
    });
  }

  async complete(
    streamId: string,
    terminal: TerminalEvent,
    ttlMs = DEFAULT_COMPLETION_TTL_MS,
  ): Promise<void> {
    assertTerminalEvent(terminal);
    const ttl = checkDurationOption('ttlMs', ttlMs, DEFAULT_COMPLETION_TTL_MS);
    this.#write(`completing stream "${streamId}"`, (now) => {
      const { event, data, id, state } = terminal;
      this.#sql.keepCompletion.run(streamId, event, data, id, state, now, now + ttl);
      this.#sql.markCompletion.run(now + ttl, streamId, now);
      this.#sql.endIfActive.run(state, now, this.#expiry(now), streamId, now);
    });
  }

  async completion(streamId: string): Promise<CompletionRecord | null> {
    return this.#run(`reading the completion of "${streamId}"`, (now) => {
      const row = this.#sql.completion.get(streamId, now);
      if (!row) return null;
      return {
        streamId,
        event: String(row.event),
        data: String(row.data),
        id: String(row.id),
        state: String(row.state) as TerminalState,
        completedAt: Number(row.completed_at),
      };
    });
  }

  async claimStale(thresholdMs: number, now?: number): Promise<StreamRecord[]> {
    checkDurationOption('thresholdMs', thresholdMs, 0, 0);
    // One UPDATE … RETURNING inside a write transaction: another process's claim waits for the
    // lock and then no longer finds these rows active.
    return this.#write('claiming stale streams', (clock) => {
      const at = now ?? clock;
      return this.#sql.claimStale
        .all(at, this.#expiry(at), at - thresholdMs, at)
        .map((row) => toRecord(row, at));
    });
  }

  async requestCancel(streamId: string): Promise<boolean> {
    return this.#run(
      `requesting cancellation of "${streamId}"`,
      (now) => this.#sql.requestCancel.get(now, this.#expiry(now), streamId, now) !== undefined,
    );
  }

  async cancelRequested(streamId: string): Promise<boolean> {
    return this.#run(
      `reading the cancel flag of "${streamId}"`,
      (now) => Number(this.#sql.findLive.get(streamId, now)?.cancel_requested ?? 0) === 1,
    );
  }

  async expire(now?: number): Promise<number> {
    return this.#write('expiring old records', (clock) => {
      const at = now ?? clock;
      this.#sql.expireStreams.run(at);
      const removed = Number(this.#sql.changes.get()?.n ?? 0);
      this.#sql.expireCompletions.run(at);
      return removed;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned && this.#connection.isOpen) this.#connection.close();
  }

  #expiry(now: number): number {
    return now + this.#options.recordTtlMs;
  }

  /** Runs `work` with the store's clock, turning SQLite failures into `STORE_UNAVAILABLE`. */
  #run<T>(action: string, work: (now: number) => T): T {
    if (this.#closed)
      throw new ResumableSseError('STORE_CLOSED', 'This lifecycle store is closed; create a new one');
    try {
      return work(this.#options.now());
    } catch (error) {
      throw this.#failure(error, action);
    }
  }

  /** Like `#run`, inside `BEGIN IMMEDIATE … COMMIT`, so a read and the write it decides are one step. */
  #write<T>(action: string, work: (now: number) => T): T {
    return this.#run(action, (now) => {
      const connection = this.#connection;
      connection.exec('BEGIN IMMEDIATE');
      try {
        const result = work(now);
        connection.exec('COMMIT');
        return result;
      } catch (error) {
        if (connection.isOpen && connection.inTransaction) connection.exec('ROLLBACK');
        throw error;
      }
    });
  }

  #failure(error: unknown, action: string): unknown {
    return asStoreError(error, {
      filename: this.#connection.filename,
      busyTimeoutMs: this.#busyTimeoutMs,
      action,
    });
  }
}

function toRecord(row: SqlRow, now: number): StreamRecord {
  const completionUntil = row.completion_until;
  const lapsed = completionUntil !== null && completionUntil !== undefined && Number(completionUntil) <= now;
  return {
    streamId: String(row.stream),
    type: String(row.type),
    owner: String(row.owner),
    state: settledState(String(row.state) as StreamState, lapsed),
    startedAt: Number(row.started_at),
    lastHeartbeat: Number(row.last_heartbeat),
    updatedAt: Number(row.updated_at),
    cancelRequested: Number(row.cancel_requested) === 1,
    metadata: metadataFromJson(row.metadata),
  };
}
