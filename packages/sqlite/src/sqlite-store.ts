import {
  type AppendInput,
  type AppendResult,
  type EventStore,
  ResumableSseError,
  type StoreCloseReason,
  type StoredEvent,
  type StoreSubscriber,
  type StreamPosition,
  type Subscription,
} from '@resumable-sse/core';
import { newEpoch } from '@resumable-sse/core/protocol';
import { assertValidAppendInputs, closedSubscription } from '@resumable-sse/core/store-kit';
import { type Connector, connector } from './driver/connect.ts';
import type { SqliteConnection, SqliteDriverName, SqlRow } from './driver/types.ts';
import { fileIdentity } from './file-identity.ts';
import { LiveRegistry, type StreamMeta, type Watch } from './live-registry.ts';
import { type ResolvedOptions, resolveOptions, type SqliteStoreOptions } from './options.ts';
import { configureConnection, ensureSchema } from './schema.ts';
import { asStoreError } from './sqlite-errors.ts';
import { prepareStatements, type Statements } from './statements.ts';

/** Expired idempotency keys are swept at most this often; lookups ignore expired keys anyway. */
const KEY_SWEEP_INTERVAL_MS = 1000;
/** Rows read per query when a poll or a local append catches up with other connections' events. */
const CATCH_UP_PAGE = 1000;

/**
 * A durable `EventStore` on one SQLite file (WAL). Streams keep their epoch and offsets across
 * restarts; replacing or deleting the file starts new epochs.
 *
 * @example
 * const store = sqliteStore({ path: './data/events.db', maxEvents: 1000 });
 * await store.append('chat', [{ event: 'message', data: 'hi' }]);
 */
export function sqliteStore(options: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(options);
}

interface Attached {
  readonly connection: SqliteConnection;
  readonly statements: Statements;
  /** The store identity row's value: it changes when the file's metadata was lost. */
  identity: string;
  /** Device and inode of the file when it was opened. */
  readonly file: string | undefined;
  dataVersion: number | undefined;
}

/** What a local append hands to subscribers after its transaction committed. */
interface Delivery {
  readonly watch: Watch;
  readonly epoch: string;
  readonly events: readonly StoredEvent[];
  readonly closeReason: StoreCloseReason | undefined;
}

export class SqliteStore implements EventStore {
  readonly kind = 'sqlite';
  /** The library this store drives. */
  readonly driver: SqliteDriverName;
  readonly #options: ResolvedOptions;
  readonly #connector: Connector;
  readonly #now: () => number;
  readonly #live = new LiveRegistry();
  #db: Attached;
  #closed = false;
  #pollTimer: ReturnType<typeof setInterval> | undefined;
  #nextKeySweep = 0;

  constructor(options: SqliteStoreOptions) {
    this.#options = resolveOptions(options);
    this.#connector = connector(options);
    this.driver = this.#connector.driver;
    this.#now = this.#options.now;
    this.#db = this.#attach(this.#connector.open());
  }

  /** Path of the database file, or `''` for an in-memory database. */
  get filename(): string {
    return this.#db.connection.filename;
  }

  async append(stream: string, events: readonly AppendInput[]): Promise<AppendResult[]> {
    this.#assertOpen();
    assertValidAppendInputs(events);
    if (events.length === 0) return [];
    const now = this.#now();
    const { results, delivery } = this.#run(`appending to stream "${stream}"`, true, (db) =>
      this.#write(db, () => this.#appendRows(db.statements, stream, events, now)),
    );
    if (delivery !== undefined) {
      if (delivery.closeReason !== undefined) this.#live.close(delivery.watch, delivery.closeReason);
      else this.#live.publish(delivery.watch, delivery.epoch, delivery.events);
    }
    return results;
  }

  async readAfter(stream: string, after: number, limit: number): Promise<StoredEvent[]> {
    this.#assertOpen();
    if (!(limit >= 1) || Number.isNaN(after) || after >= Number.MAX_SAFE_INTEGER) return [];
    const from = Math.max(-1, Math.floor(after));
    const count = Math.floor(Math.min(limit, Number.MAX_SAFE_INTEGER));
    return this.#run(`reading stream "${stream}"`, false, ({ statements }) => {
      let start = from;
      const maxAgeMs = this.#options.maxAgeMs;
      if (maxAgeMs !== undefined) {
        const oldest = statements.oldestSince.get(stream, this.#now() - maxAgeMs);
        if (oldest === undefined) return [];
        start = Math.max(start, Number(oldest.seq) - 1);
      }
      return statements.readAfter.all(stream, start, count).map(toStoredEvent);
    });
  }

  async position(stream: string): Promise<StreamPosition> {
    this.#assertOpen();
    return this.#run(`reading the position of stream "${stream}"`, true, (db) => {
      const { statements } = db;
      // One snapshot for meta and oldest: another process may append and trim between two reads.
      const existing = this.#read(db, () => {
        const row = statements.selectStream.get(stream);
        return row === undefined
          ? undefined
          : { meta: toMeta(row), oldest: this.#oldest(statements, stream) };
      });
      if (existing !== undefined)
        return { epoch: existing.meta.epoch, oldest: existing.oldest, head: existing.meta.head };
      return this.#write(db, () => {
        const meta = this.#ensureStream(statements, stream);
        return { epoch: meta.epoch, oldest: this.#oldest(statements, stream), head: meta.head };
      });
    });
  }

  subscribe(stream: string, subscriber: StoreSubscriber): Subscription {
    if (this.#closed) return closedSubscription(subscriber);
    let meta: StreamMeta | undefined;
    try {
      // Reading the head makes "events appended after subscribe returned" exact, without creating
      // the stream: subscribing alone never writes.
      meta = this.#run(`subscribing to stream "${stream}"`, true, ({ statements }) => {
        const row = statements.selectStream.get(stream);
        return row === undefined ? undefined : toMeta(row);
      });
    } catch (error) {
      queueMicrotask(() => subscriber.onClose({ code: 'store-unavailable', error }));
      return { ready: Promise.resolve(), unsubscribe: () => {} };
    }
    const remove = this.#live.add(stream, subscriber, meta);
    this.#startPolling();
    return {
      ready: Promise.resolve(),
      unsubscribe: () => {
        remove();
        if (this.#live.size === 0) this.#stopPolling();
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopPolling();
    this.#live.closeAll({ code: 'store-closed' });
    if (this.#connector.given === undefined) closeQuietly(this.#db.connection);
  }

  // --- appending -------------------------------------------------------------------------------

  #appendRows(statements: Statements, stream: string, events: readonly AppendInput[], now: number) {
    const meta = this.#ensureStream(statements, stream);
    const watch = this.#live.get(stream);
    const delivery = watch === undefined ? undefined : this.#pendingFor(statements, watch, stream, meta);
    const window = this.#options.idempotencyWindowMs;
    const results: AppendResult[] = [];
    const appended: StoredEvent[] = [];
    const keysInBatch = new Map<string, number>();
    let head = meta.head;
    for (const input of events) {
      const key = input.idempotencyKey;
      if (key !== undefined && window > 0) {
        const seen =
          keysInBatch.get(key) ?? numberOrUndefined(statements.selectKey.get(stream, key, now)?.seq);
        if (seen !== undefined) {
          results.push({ epoch: meta.epoch, offset: seen, duplicate: true });
          continue;
        }
      }
      head += 1;
      statements.insertEvent.run(stream, head, input.event ?? null, input.data, now);
      if (key !== undefined && window > 0) {
        statements.upsertKey.run(stream, key, head, now + window);
        keysInBatch.set(key, head);
      }
      results.push({ epoch: meta.epoch, offset: head, duplicate: false, time: now });
      if (delivery !== undefined)
        appended.push({ offset: head, event: input.event, data: input.data, time: now });
    }
    if (head !== meta.head) {
      statements.updateHead.run(head, stream);
      this.#trim(statements, stream, head, now);
    }
    if (window > 0 && now >= this.#nextKeySweep) {
      statements.expireKeys.run(now);
      this.#nextKeySweep = now + KEY_SWEEP_INTERVAL_MS;
    }
    if (delivery !== undefined && delivery.closeReason === undefined) {
      return { results, delivery: { ...delivery, events: [...delivery.events, ...appended] } };
    }
    return { results, delivery };
  }

  /**
   * Events other connections appended since this process last delivered the stream must reach
   * its subscribers before this append's own events, or they would see a gap. Read inside the
   * write transaction, so nothing can slip in between.
   */
  #pendingFor(statements: Statements, watch: Watch, stream: string, meta: StreamMeta): Delivery {
    if (watch.epoch !== null && watch.epoch !== meta.epoch) {
      return { watch, epoch: meta.epoch, events: [], closeReason: { code: 'epoch-changed' } };
    }
    if (watch.delivered >= meta.head) return { watch, epoch: meta.epoch, events: [], closeReason: undefined };
    const missed = statements.readRange.all(stream, watch.delivered, meta.head).map(toStoredEvent);
    if (!isContiguous(missed, watch.delivered, meta.head)) {
      return { watch, epoch: meta.epoch, events: [], closeReason: trimmedBeforeDelivery(stream) };
    }
    return { watch, epoch: meta.epoch, events: missed, closeReason: undefined };
  }

  #trim(statements: Statements, stream: string, head: number, now: number): void {
    const lastDropped = head - this.#options.maxEvents;
    if (lastDropped >= 1) statements.trimThrough.run(stream, lastDropped);
    const maxAgeMs = this.#options.maxAgeMs;
    if (maxAgeMs !== undefined) statements.trimOlderThan.run(stream, stream, now - maxAgeMs, head + 1);
  }

  /** The stream's metadata, created with a fresh epoch when missing (inside a write transaction). */
  #ensureStream(statements: Statements, stream: string): StreamMeta {
    const row = statements.selectStream.get(stream);
    if (row !== undefined) return toMeta(row);
    const epoch = newEpoch();
    // Rows left from a log whose metadata was lost belong to an epoch nobody can name any more.
    statements.deleteStreamEvents.run(stream);
    statements.deleteStreamKeys.run(stream);
    statements.insertStream.run(stream, epoch);
    return { epoch, head: 0 };
  }

  #oldest(statements: Statements, stream: string): number | null {
    const maxAgeMs = this.#options.maxAgeMs;
    const row =
      maxAgeMs === undefined
        ? statements.oldest.get(stream)
        : statements.oldestSince.get(stream, this.#now() - maxAgeMs);
    return row === undefined ? null : Number(row.seq);
  }

  // --- other connections ---------------------------------------------------------------------

  #startPolling(): void {
    const interval = this.#options.pollIntervalMs;
    if (interval === undefined || this.#pollTimer !== undefined || this.#live.size === 0) return;
    this.#pollTimer = setInterval(() => this.#poll(), interval);
    this.#pollTimer.unref?.();
  }

  #stopPolling(): void {
    if (this.#pollTimer === undefined) return;
    clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
  }

  /** Delivers what other connections committed. Costs one `PRAGMA data_version` when nothing changed. */
  #poll(): void {
    if (this.#closed || this.#live.size === 0) return;
    try {
      this.#run('polling for other processes\u2019 events', true, (db) => {
        const version = Number(db.statements.dataVersion.get()?.data_version);
        if (version === db.dataVersion) return;
        db.dataVersion = version;
        const identity = db.statements.selectIdentity.get()?.identity;
        if (identity !== db.identity) {
          // Someone emptied the file under us: start over like a fresh open would.
          db.identity = ensureSchema(db.connection, this.#now());
          this.#live.closeAll({ code: 'epoch-changed' });
          return;
        }
        const watches = this.#live.watches();
        const rows = db.statements.selectStreams.all(JSON.stringify(watches.map((watch) => watch.stream)));
        const metas = new Map(rows.map((row) => [String(row.stream), toMeta(row)]));
        for (const watch of watches) this.#catchUp(db.statements, watch, metas.get(watch.stream));
      });
    } catch (error) {
      this.#live.closeAll({ code: 'store-unavailable', error });
    }
  }

  #catchUp(statements: Statements, watch: Watch, meta: StreamMeta | undefined): void {
    if (watch.epoch !== null && watch.epoch !== meta?.epoch) {
      this.#live.close(watch, { code: 'epoch-changed' });
      return;
    }
    if (meta === undefined) return;
    while (watch.delivered < meta.head && this.#live.get(watch.stream) === watch) {
      const after = watch.delivered;
      const page = statements.readAfter.all(watch.stream, after, CATCH_UP_PAGE).map(toStoredEvent);
      // An empty page or a jump means retention dropped events before this process saw them.
      if (page.length === 0 || !isContiguous(page, after, after + page.length)) {
        this.#live.close(watch, trimmedBeforeDelivery(watch.stream));
        return;
      }
      this.#live.publish(watch, meta.epoch, page);
    }
  }

  // --- connection plumbing -------------------------------------------------------------------

  #attach(connection: SqliteConnection): Attached {
    try {
      configureConnection(connection, this.#options.busyTimeoutMs);
      const identity = ensureSchema(connection, this.#now());
      const statements = prepareStatements(connection);
      return {
        connection,
        statements,
        identity,
        file: fileIdentity(connection.filename),
        dataVersion: Number(statements.dataVersion.get()?.data_version),
      };
    } catch (error) {
      if (this.#connector.given === undefined) closeQuietly(connection);
      throw asStoreError(error, {
        filename: connection.filename,
        busyTimeoutMs: this.#options.busyTimeoutMs,
        action: 'opening the database',
      });
    }
  }

  /**
   * Runs `work` on the current connection and turns SQLite failures into `STORE_UNAVAILABLE`.
   * With `checkFile`, first makes sure the path still names the file the connection has open.
   */
  #run<T>(action: string, checkFile: boolean, work: (db: Attached) => T): T {
    try {
      if (checkFile) this.#ensureSameFile();
      return work(this.#db);
    } catch (error) {
      throw asStoreError(error, {
        filename: this.#db.connection.filename,
        busyTimeoutMs: this.#options.busyTimeoutMs,
        action,
      });
    }
  }

  /**
   * A connection keeps using the file it opened after that file is deleted or replaced: appends
   * would go to a file nobody will ever open again. One `stat` per call notices it.
   */
  #ensureSameFile(): void {
    const opened = this.#db.file;
    if (opened === undefined || fileIdentity(this.#db.connection.filename) === opened) return;
    const filename = this.#db.connection.filename;
    if (this.#connector.given !== undefined) {
      this.#live.closeAll({ code: 'store-unavailable' });
      throw new ResumableSseError(
        'STORE_UNAVAILABLE',
        `SQLite database "${filename}" was deleted or replaced while this connection had it open, so writes would be lost. Open the database again and create a new store.`,
      );
    }
    // The log this process knew is gone: subscribers must resume against the new one.
    // Emptying the old WAL first matters: if only the main file was swapped, the old "-wal" still
    // sits at the path, and SQLite would replay its pages onto the new file when it is opened.
    checkpointQuietly(this.#db.connection);
    closeQuietly(this.#db.connection);
    this.#live.closeAll({ code: 'epoch-changed' });
    this.#db = this.#attach(this.#connector.open());
  }

  #write<T>(db: Attached, work: () => T): T {
    db.statements.begin();
    return this.#finish(db, work);
  }

  #read<T>(db: Attached, work: () => T): T {
    db.connection.exec('BEGIN');
    return this.#finish(db, work);
  }

  #finish<T>(db: Attached, work: () => T): T {
    try {
      const result = work();
      db.statements.commit();
      return result;
    } catch (error) {
      if (db.connection.isOpen && db.connection.inTransaction) {
        try {
          db.statements.rollback();
        } catch {
          // SQLite may have rolled back on its own (e.g. disk full); the first error is the one to report.
        }
      }
      throw error;
    }
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new ResumableSseError(
        'STORE_CLOSED',
        'This SQLite store is closed; create a new store with sqliteStore() to keep publishing.',
      );
    }
  }
}

function toMeta(row: SqlRow): StreamMeta {
  return { epoch: String(row.epoch), head: Number(row.head) };
}

function toStoredEvent(row: SqlRow): StoredEvent {
  return {
    offset: Number(row.seq),
    event: row.event === null || row.event === undefined ? undefined : String(row.event),
    data: String(row.data),
    time: Number(row.time),
  };
}

function numberOrUndefined(value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : Number(value);
}

/** True when `events` are exactly the offsets `after + 1 … last`. */
function isContiguous(events: readonly StoredEvent[], after: number, last: number): boolean {
  if (events.length !== last - after) return false;
  return events.every((event, index) => event.offset === after + 1 + index);
}

function trimmedBeforeDelivery(stream: string): StoreCloseReason {
  return {
    code: 'store-unavailable',
    error: new ResumableSseError(
      'STORE_UNAVAILABLE',
      `Events of stream "${stream}" appended by another connection were trimmed before this process delivered them; the subscriber must resume from its cursor. Raise maxEvents or lower pollIntervalMs.`,
    ),
  };
}

function closeQuietly(connection: SqliteConnection): void {
  try {
    if (connection.isOpen) connection.close();
  } catch {
    // Closing is best effort: the connection is being abandoned either way.
  }
}

function checkpointQuietly(connection: SqliteConnection): void {
  try {
    if (connection.isOpen) connection.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  } catch {
    // Another process may hold the old WAL; nothing more this process can do about it.
  }
}
