import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { isResumableSseError } from '@resumable-sse/core';
import { collector } from '@resumable-sse/testkit/store';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SqliteStore, sqliteStore } from './sqlite-store.ts';
import {
  DRIVERS,
  deleteDatabaseFiles,
  openConnection,
  queryRows,
  tempDirectory,
  withConnection,
} from './test-support/sqlite-files.ts';

/** Root may write anywhere, so permission bits cannot make a directory read-only for it. */
const runsAsRoot = process.getuid?.() === 0;
/** As root, only Linux offers a directory that refuses new files anyway (procfs). */
const noUnwritableDirectory = runsAsRoot && process.platform !== 'linux';

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

for (const driver of DRIVERS) {
  describe(`errors (${driver})`, () => {
    let directory: ReturnType<typeof tempDirectory>;
    const open: SqliteStore[] = [];
    beforeEach(() => {
      directory = tempDirectory('errors');
    });
    afterEach(async () => {
      await Promise.allSettled(open.splice(0).map((store) => store.close()));
      directory.remove();
    });

    it('refuses a path in a missing directory with STORE_UNAVAILABLE that says what to do', () => {
      const missing = join(directory.path, 'no', 'such', 'dir', 'events.db');
      const error = caught(() => sqliteStore({ path: missing, driver }));
      expect(isResumableSseError(error, 'STORE_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toMatch(/does not exist.*Create it first/);
    });

    it('refuses a path whose parent is a file', () => {
      const notADirectory = join(directory.path, 'plain-file');
      writeFileSync(notADirectory, 'x');
      const error = caught(() => sqliteStore({ path: join(notADirectory, 'events.db'), driver }));
      expect(isResumableSseError(error, 'STORE_UNAVAILABLE')).toBe(true);
    });

    it.skipIf(noUnwritableDirectory)(
      `refuses a directory where it may not create files with STORE_UNAVAILABLE${noUnwritableDirectory ? ' — skipped: running as root, which ignores permission bits, and not on Linux, whose /proc refuses new files even to root' : ''}`,
      () => {
        let readOnly = join(directory.path, 'read-only');
        if (runsAsRoot) {
          // Root ignores permission bits; procfs refuses new files even to root.
          readOnly = '/proc';
        } else {
          mkdirSync(readOnly);
          chmodSync(readOnly, 0o500);
        }
        const error = caught(() => sqliteStore({ path: join(readOnly, 'events.db'), driver }));
        expect(isResumableSseError(error, 'STORE_UNAVAILABLE')).toBe(true);
        expect((error as Error).message).toMatch(/may create and write files there/);
      },
    );

    it('refuses a read-only connection with STORE_UNAVAILABLE', () => {
      const file = join(directory.path, 'events.db');
      withConnection(driver, file, (db) => db.exec('CREATE TABLE unrelated (x)'));
      const readOnly =
        driver === 'node:sqlite'
          ? new DatabaseSync(file, { readOnly: true })
          : new BetterSqlite3(file, { readonly: true });
      try {
        const error = caught(() => sqliteStore({ database: readOnly }));
        expect(isResumableSseError(error, 'STORE_UNAVAILABLE')).toBe(true);
        expect((error as Error).message).toMatch(/Cannot write/);
      } finally {
        readOnly.close();
      }
    });

    it('refuses a file that is not a SQLite database', () => {
      const file = join(directory.path, 'notes.txt');
      writeFileSync(file, 'this is not a database, just some text that is long enough to have a header');
      const error = caught(() => sqliteStore({ path: file, driver }));
      expect(isResumableSseError(error, 'STORE_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toMatch(/not a valid SQLite database/);
    });

    it('fails an append with STORE_UNAVAILABLE when another connection holds the lock past busyTimeoutMs, storing nothing', async () => {
      const file = join(directory.path, 'events.db');
      const store = sqliteStore({ path: file, driver, busyTimeoutMs: 50 });
      open.push(store);
      await store.append('s', [{ data: 'first' }]);
      const blocker = openConnection(driver, file);
      blocker.exec('BEGIN IMMEDIATE');
      const started = Date.now();
      const error = await rejection(store.append('s', [{ data: 'blocked' }]));
      const waited = Date.now() - started;
      blocker.exec('ROLLBACK');
      blocker.close();
      expect(waited).toBeGreaterThanOrEqual(40);
      expect(isResumableSseError(error, 'STORE_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toMatch(/busyTimeoutMs \(50 ms\).*nothing was stored/);
      expect(await store.append('s', [{ data: 'after' }])).toMatchObject([{ offset: 2 }]);
      expect(queryRows(driver, file, 'SELECT data FROM resumable_sse_events ORDER BY seq')).toEqual([
        { data: 'first' },
        { data: 'after' },
      ]);
    });

    it('leaves a connection it was given open, and reports STORE_UNAVAILABLE once its owner closed it', async () => {
      const file = join(directory.path, 'events.db');
      const database = driver === 'node:sqlite' ? new DatabaseSync(file) : new BetterSqlite3(file);
      const store = sqliteStore({ database });
      expect(store.driver).toBe(driver);
      await store.append('s', [{ data: 'x' }]);
      const listener = collector();
      await store.subscribe('s', listener).ready;
      await store.close();
      expect(listener.closes.map((reason) => reason.code)).toEqual(['store-closed']);
      expect(database.prepare('SELECT count(*) AS n FROM resumable_sse_events').get()).toMatchObject({
        n: 1,
      });

      const second = sqliteStore({ database });
      database.close();
      const error = await rejection(second.append('s', [{ data: 'y' }]));
      expect(isResumableSseError(error, 'STORE_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toMatch(/connection is closed/);
      await second.close();
    });

    it('refuses every call after close() with STORE_CLOSED', async () => {
      const store = sqliteStore({ path: join(directory.path, 'events.db'), driver });
      await store.close();
      for (const call of [
        () => store.append('s', [{ data: 'x' }]),
        () => store.readAfter('s', 0, 10),
        () => store.position('s'),
      ]) {
        expect(isResumableSseError(await rejection(call()), 'STORE_CLOSED')).toBe(true);
      }
      const listener = collector();
      store.subscribe('s', listener);
      await listener.waitForClose();
      expect(listener.closes.map((reason) => reason.code)).toEqual(['store-closed']);
    });

    it('refuses a given connection whose file was replaced, instead of writing where nobody will look', async () => {
      const file = join(directory.path, 'events.db');
      const database = driver === 'node:sqlite' ? new DatabaseSync(file) : new BetterSqlite3(file);
      const store = sqliteStore({ database });
      await store.append('s', [{ data: 'x' }]);
      const listener = collector();
      await store.subscribe('s', listener).ready;
      deleteDatabaseFiles(file);
      withConnection(driver, file, (db) => db.exec('CREATE TABLE unrelated (x)'));
      const error = await rejection(store.append('s', [{ data: 'lost?' }]));
      expect(isResumableSseError(error, 'STORE_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toMatch(/deleted or replaced/);
      expect(listener.closes.map((reason) => reason.code)).toEqual(['store-unavailable']);
      await store.close();
      database.close();
    });
  });
}

describe('options', () => {
  it.each([
    ['no path and no database', {}],
    ['both path and database', { path: 'a.db', database: new DatabaseSync(':memory:') }],
    ['an unknown driver', { path: 'a.db', driver: 'sqlite4' }],
    ['maxEvents 0', { path: 'a.db', maxEvents: 0 }],
    ['a fractional maxEvents', { path: 'a.db', maxEvents: 1.5 }],
    ['a negative maxAgeMs', { path: 'a.db', maxAgeMs: -1 }],
    ['pollIntervalMs 0', { path: 'a.db', pollIntervalMs: 0 }],
    ['a negative busyTimeoutMs', { path: 'a.db', busyTimeoutMs: -5 }],
    ['something that is not a connection as database', { database: { prepare() {} } }],
  ])('refuses %s with INVALID_OPTION', (_, options) => {
    const error = caught(() => sqliteStore(options as Parameters<typeof sqliteStore>[0]));
    expect(isResumableSseError(error, 'INVALID_OPTION')).toBe(true);
  });

  it('uses better-sqlite3 by default when it is installed', async () => {
    const directory = tempDirectory('default-driver');
    const store = sqliteStore({ path: join(directory.path, 'events.db') });
    expect(store.driver).toBe('better-sqlite3');
    await store.close();
    directory.remove();
  });
});
