/** The SQLite libraries this package can drive. */
export type SqliteDriverName = 'better-sqlite3' | 'node:sqlite';

/** Values the store binds: it never stores blobs, and offsets stay within the safe integer range. */
export type SqlValue = string | number | null;

export type SqlRow = Readonly<Record<string, unknown>>;

export interface SqliteStatement {
  run(...params: SqlValue[]): void;
  get(...params: SqlValue[]): SqlRow | undefined;
  all(...params: SqlValue[]): SqlRow[];
}

/**
 * The few things the store needs from a SQLite connection. Both libraries are synchronous and
 * nearly alike; this seam keeps every difference in one small adapter file each.
 */
export interface SqliteConnection {
  readonly driver: SqliteDriverName;
  /** Path of the database file, or `''` for an in-memory or temporary database. */
  readonly filename: string;
  readonly isOpen: boolean;
  readonly inTransaction: boolean;
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}

/**
 * The parts of a better-sqlite3 `Database` the store uses, written out so that this package's
 * types do not require `@types/better-sqlite3`. A real `new Database(path)` fits it.
 */
export interface BetterSqlite3Database {
  readonly name: string;
  readonly open: boolean;
  readonly inTransaction: boolean;
  readonly memory: boolean;
  prepare(source: string): {
    run(...params: unknown[]): unknown;
    get(...params: unknown[]): unknown;
    all(...params: unknown[]): unknown[];
  };
  exec(source: string): unknown;
  close(): unknown;
}
