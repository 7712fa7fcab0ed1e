import type { DatabaseSync } from 'node:sqlite';
import type { SqliteConnection } from './types.ts';
import { wrapConnection } from './wrap-connection.ts';

/** Loaded on first use, so applications on better-sqlite3 never load the built-in module. */
function loadNodeSqlite(): typeof import('node:sqlite') {
  return process.getBuiltinModule('node:sqlite');
}

export function openNodeSqlite(path: string): SqliteConnection {
  const { DatabaseSync } = loadNodeSqlite();
  return wrapNodeSqlite(new DatabaseSync(path));
}

export function isNodeSqliteDatabase(value: unknown): value is DatabaseSync {
  return value instanceof loadNodeSqlite().DatabaseSync;
}

export function wrapNodeSqlite(db: DatabaseSync): SqliteConnection {
  return wrapConnection('node:sqlite', db.location() ?? '', db, {
    isOpen: () => db.isOpen,
    inTransaction: () => db.isTransaction,
  });
}
