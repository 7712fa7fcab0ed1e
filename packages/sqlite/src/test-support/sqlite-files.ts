import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBetterSqlite3 } from '../driver/better-sqlite3.ts';
import { openNodeSqlite } from '../driver/node-sqlite.ts';
import type { SqliteConnection, SqliteDriverName, SqlValue } from '../driver/types.ts';

export const DRIVERS: readonly SqliteDriverName[] = ['better-sqlite3', 'node:sqlite'];

/** A fresh directory under the OS temp dir; `remove()` deletes it with everything inside. */
export function tempDirectory(label: string): { readonly path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `resumable-sse-sqlite-${label}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A second connection on the file, with the same library as the store under test: two copies of
 * SQLite in one process do not see each other's locks, so mixing them on one file is unsafe.
 */
export function withConnection<T>(
  driver: SqliteDriverName,
  file: string,
  work: (db: SqliteConnection) => T,
): T {
  const connection = openConnection(driver, file);
  try {
    return work(connection);
  } finally {
    connection.close();
  }
}

/** A plain connection of `driver`, as another part of the application would open it. */
export function openConnection(driver: SqliteDriverName, file: string): SqliteConnection {
  const connection = driver === 'better-sqlite3' ? openBetterSqlite3(file) : openNodeSqlite(file);
  connection.exec('PRAGMA busy_timeout = 5000');
  return connection;
}

/** Runs one query on a separate connection: the backdoor that checks the store's writes. */
export function queryRows(
  driver: SqliteDriverName,
  file: string,
  sql: string,
  ...params: SqlValue[]
): Record<string, unknown>[] {
  return withConnection(driver, file, (db) =>
    db
      .prepare(sql)
      .all(...params)
      .map((row) => ({ ...row })),
  );
}

export function countEvents(driver: SqliteDriverName, file: string, stream: string): number {
  const [row] = queryRows(
    driver,
    file,
    'SELECT count(*) AS n FROM resumable_sse_events WHERE stream = ?',
    stream,
  );
  return Number(row?.n);
}

/** Deletes a database the way an operator would: the file and its WAL companions. */
export function deleteDatabaseFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
}
