import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ResumableSseError } from '@resumable-sse/core';
import { invalid, type SqliteStoreOptions } from '../options.ts';
import { asStoreError } from '../sqlite-errors.ts';
import {
  isBetterSqlite3Database,
  loadBetterSqlite3,
  openBetterSqlite3,
  wrapBetterSqlite3,
} from './better-sqlite3.ts';
import { isNodeSqliteDatabase, openNodeSqlite, wrapNodeSqlite } from './node-sqlite.ts';
import type { SqliteConnection, SqliteDriverName } from './types.ts';

const DRIVERS: readonly SqliteDriverName[] = ['better-sqlite3', 'node:sqlite'];

/** A connection, and whether the store opened it (and so may close or reopen it). */
export interface Connector {
  readonly driver: SqliteDriverName;
  /** Absolute path when the store opens the file itself; reopening is only possible then. */
  readonly path: string | undefined;
  open(): SqliteConnection;
  /** The caller's own connection, when one was passed. */
  readonly given: SqliteConnection | undefined;
}

/** Picks the driver and checks the location before anything is opened. */
export function connector(options: SqliteStoreOptions): Connector {
  const { path, database, driver } = options;
  if (driver !== undefined && !DRIVERS.includes(driver)) {
    throw invalid(`sqliteStore option "driver" must be one of ${DRIVERS.join(', ')}, got ${String(driver)}.`);
  }
  if (database !== undefined) {
    if (path !== undefined) throw invalid('Give sqliteStore either "path" or "database", not both.');
    const given = wrapGiven(database);
    if (driver !== undefined && driver !== given.driver) {
      throw invalid(
        `sqliteStore option "driver" is "${driver}" but "database" is a ${given.driver} connection.`,
      );
    }
    if (!given.isOpen) {
      throw new ResumableSseError(
        'STORE_UNAVAILABLE',
        'The SQLite connection passed as "database" is closed; pass an open connection.',
      );
    }
    return { driver: given.driver, path: undefined, given, open: () => given };
  }
  if (typeof path !== 'string' || path === '') {
    throw invalid('sqliteStore needs "path" (a database file) or "database" (an open connection).');
  }
  const chosen = driver ?? defaultDriver();
  const absolute = path === ':memory:' ? path : resolve(path);
  if (absolute !== ':memory:') assertDirectoryExists(absolute);
  const open = chosen === 'better-sqlite3' ? openBetterSqlite3 : openNodeSqlite;
  return {
    driver: chosen,
    path: absolute,
    given: undefined,
    open: () => {
      try {
        return open(absolute);
      } catch (error) {
        throw asStoreError(error, { filename: absolute, busyTimeoutMs: 0, action: 'opening the database' });
      }
    },
  };
}

/**
 * better-sqlite3 when the application installed it (it is the faster of the two, see the README),
 * otherwise the `node:sqlite` built into Node, which needs no native build.
 */
export function defaultDriver(): SqliteDriverName {
  return loadBetterSqlite3() === undefined ? 'node:sqlite' : 'better-sqlite3';
}

function wrapGiven(database: unknown): SqliteConnection {
  if (isNodeSqliteDatabase(database)) return wrapNodeSqlite(database);
  if (isBetterSqlite3Database(database)) return wrapBetterSqlite3(database);
  throw invalid(
    'sqliteStore option "database" must be a better-sqlite3 Database or a node:sqlite DatabaseSync.',
  );
}

function assertDirectoryExists(file: string): void {
  const directory = dirname(file);
  if (!existsSync(directory)) {
    throw new ResumableSseError(
      'STORE_UNAVAILABLE',
      `Cannot open SQLite database "${file}": the directory "${directory}" does not exist. Create it first (mkdir -p) or choose another path.`,
    );
  }
  if (!statSync(directory).isDirectory()) {
    throw new ResumableSseError(
      'STORE_UNAVAILABLE',
      `Cannot open SQLite database "${file}": "${directory}" is not a directory. Choose a path inside a directory.`,
    );
  }
}
