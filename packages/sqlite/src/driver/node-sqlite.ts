import type { DatabaseSync } from 'node:sqlite';
import { ResumableSseError } from '@resumable-sse/core';
import type { SqliteConnection } from './types.ts';
import { wrapConnection } from './wrap-connection.ts';

type NodeSqlite = typeof import('node:sqlite');

/**
 * The first releases whose `node:sqlite` has everything this driver reads, unflagged. Checked on
 * real binaries: 22.12 has no `node:sqlite` without `--experimental-sqlite`; 22.13 to 22.15 lack
 * `location()` and `isTransaction` (22.15 added `isOpen`); 22.16 has all three.
 */
export const NODE_SQLITE_RELEASES = 'Node 22.16+ or 24+';

/** Loaded on first use, so applications on better-sqlite3 never load the built-in module. */
function loadNodeSqlite(): NodeSqlite | undefined {
  return process.getBuiltinModule('node:sqlite') as NodeSqlite | undefined;
}

/**
 * The module, or a typed error that says what to do when this Node's `node:sqlite` is missing or
 * too old. Takes the loader and version as arguments so every case can be checked on any Node.
 */
export function requireNodeSqlite(
  load: () => NodeSqlite | undefined = loadNodeSqlite,
  version: string = process.version,
): NodeSqlite {
  const module = load();
  const missing =
    module?.DatabaseSync === undefined
      ? 'has no node:sqlite (before 22.13 it needs --experimental-sqlite)'
      : typeof module.DatabaseSync.prototype.location !== 'function'
        ? 'has a node:sqlite without DatabaseSync location() and isTransaction'
        : undefined;
  if (module !== undefined && missing === undefined) return module;
  throw new ResumableSseError(
    'STORE_UNAVAILABLE',
    `sqliteStore cannot use node:sqlite: Node ${version} ${missing}. Install better-sqlite3 (npm i better-sqlite3), which sqliteStore then uses, or run ${NODE_SQLITE_RELEASES}.`,
  );
}

export function openNodeSqlite(path: string): SqliteConnection {
  const { DatabaseSync } = requireNodeSqlite();
  return wrapNodeSqlite(new DatabaseSync(path));
}

export function isNodeSqliteDatabase(value: unknown): value is DatabaseSync {
  const DatabaseSync = loadNodeSqlite()?.DatabaseSync;
  return DatabaseSync !== undefined && value instanceof DatabaseSync;
}

export function wrapNodeSqlite(db: DatabaseSync): SqliteConnection {
  requireNodeSqlite();
  return wrapConnection('node:sqlite', db.location() ?? '', db, {
    isOpen: () => db.isOpen,
    inTransaction: () => db.isTransaction,
  });
}
