import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { BetterSqlite3Database, SqliteConnection } from './types.ts';
import { wrapConnection } from './wrap-connection.ts';

type BetterSqlite3Constructor = new (filename: string) => BetterSqlite3Database;

const requireFromHere = createRequire(import.meta.url);
let cachedConstructor: BetterSqlite3Constructor | null | undefined;

/** better-sqlite3 is an optional peer dependency: `undefined` when the application did not install it. */
export function loadBetterSqlite3(): BetterSqlite3Constructor | undefined {
  if (cachedConstructor === undefined) {
    try {
      cachedConstructor = requireFromHere('better-sqlite3') as BetterSqlite3Constructor;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw error;
      cachedConstructor = null;
    }
  }
  return cachedConstructor ?? undefined;
}

export function openBetterSqlite3(path: string): SqliteConnection {
  const Database = loadBetterSqlite3();
  if (Database === undefined) {
    throw new Error('better-sqlite3 is not installed; install it or use driver "node:sqlite"');
  }
  return wrapBetterSqlite3(new Database(path));
}

export function isBetterSqlite3Database(value: unknown): value is BetterSqlite3Database {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.prepare === 'function' &&
    typeof candidate.pragma === 'function' &&
    typeof candidate.open === 'boolean' &&
    typeof candidate.name === 'string'
  );
}

export function wrapBetterSqlite3(db: BetterSqlite3Database): SqliteConnection {
  return wrapConnection('better-sqlite3', db.memory ? '' : resolve(db.name), db, {
    isOpen: () => db.open,
    inTransaction: () => db.inTransaction,
  });
}
