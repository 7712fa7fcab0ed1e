import type { DatabaseSync } from 'node:sqlite';
import type { SqliteConnection, SqliteStatement, SqlRow, SqlValue } from './types.ts';

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
  return {
    driver: 'node:sqlite',
    filename: db.location() ?? '',
    get isOpen() {
      return db.isOpen;
    },
    get inTransaction() {
      return db.isTransaction;
    },
    exec(sql) {
      db.exec(sql);
    },
    prepare(sql): SqliteStatement {
      const statement = db.prepare(sql);
      return {
        run(...params: SqlValue[]) {
          statement.run(...params);
        },
        get(...params: SqlValue[]) {
          return statement.get(...params) as SqlRow | undefined;
        },
        all(...params: SqlValue[]) {
          return statement.all(...params) as SqlRow[];
        },
      };
    },
    close() {
      db.close();
    },
  };
}
