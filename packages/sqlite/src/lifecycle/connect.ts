import type { DatabaseSync } from 'node:sqlite';
import { ResumableSseError } from '@resumable-sse/core';
import { isBetterSqlite3Database, openBetterSqlite3, wrapBetterSqlite3 } from '../driver/better-sqlite3.ts';
import { defaultDriver } from '../driver/connect.ts';
import { isNodeSqliteDatabase, openNodeSqlite, wrapNodeSqlite } from '../driver/node-sqlite.ts';
import type { BetterSqlite3Database, SqliteConnection, SqliteDriverName } from '../driver/types.ts';
import { asStoreError } from '../sqlite-errors.ts';

export interface LifecycleConnectionOptions {
  readonly path?: string | undefined;
  readonly database?: BetterSqlite3Database | DatabaseSync | undefined;
  readonly driver?: SqliteDriverName | undefined;
}

/** The connection the lifecycle store uses, and whether it opened it (and so closes it). */
export function openLifecycleConnection(options: LifecycleConnectionOptions): {
  connection: SqliteConnection;
  owned: boolean;
} {
  const { path, database, driver } = options;
  if (database !== undefined) {
    if (path !== undefined) throw invalid('Give sqliteLifecycle either "path" or "database", not both.');
    if (isNodeSqliteDatabase(database)) return { connection: wrapNodeSqlite(database), owned: false };
    if (isBetterSqlite3Database(database)) return { connection: wrapBetterSqlite3(database), owned: false };
    throw invalid(
      'sqliteLifecycle option "database" must be a better-sqlite3 Database or a node:sqlite DatabaseSync.',
    );
  }
  if (typeof path !== 'string' || path === '') {
    throw invalid(
      'sqliteLifecycle needs "path" (the database file the events live in) or "database" (an open connection).',
    );
  }
  const chosen = driver ?? defaultDriver();
  if (chosen !== 'better-sqlite3' && chosen !== 'node:sqlite') {
    throw invalid(
      `sqliteLifecycle option "driver" must be better-sqlite3 or node:sqlite, got ${String(chosen)}.`,
    );
  }
  try {
    return {
      connection: chosen === 'better-sqlite3' ? openBetterSqlite3(path) : openNodeSqlite(path),
      owned: true,
    };
  } catch (error) {
    throw asStoreError(error, { filename: path, busyTimeoutMs: 0, action: 'opening the database' });
  }
}

function invalid(message: string): ResumableSseError {
  return new ResumableSseError('INVALID_OPTION', message);
}
