import type { SqliteConnection, SqliteDriverName, SqliteStatement, SqlRow, SqlValue } from './types.ts';

/** The calls both libraries name alike: `exec`, `prepare` (with `run`/`get`/`all`) and `close`. */
export interface NativeConnection {
  exec(sql: string): unknown;
  prepare(sql: string): {
    run(...params: SqlValue[]): unknown;
    get(...params: SqlValue[]): unknown;
    all(...params: SqlValue[]): unknown[];
  };
  close(): unknown;
}

/** What the libraries name differently, read on every access (a connection can close under us). */
export interface NativeState {
  isOpen(): boolean;
  inTransaction(): boolean;
}

export function wrapConnection(
  driver: SqliteDriverName,
  filename: string,
  db: NativeConnection,
  state: NativeState,
): SqliteConnection {
  return {
    driver,
    filename,
    get isOpen() {
      return state.isOpen();
    },
    get inTransaction() {
      return state.inTransaction();
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
