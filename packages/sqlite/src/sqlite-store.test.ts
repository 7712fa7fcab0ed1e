import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore } from '@resumable-sse/core';
import { describeEventStore } from '@resumable-sse/testkit/store';
import { afterAll, describe, expect } from 'vitest';
import type { SqliteStoreOptions } from './options.ts';
import { type SqliteStore, sqliteStore } from './sqlite-store.ts';
import {
  countEvents,
  DRIVERS,
  deleteDatabaseFiles,
  tempDirectory,
  withConnection,
} from './test-support/sqlite-files.ts';

/** Polling is off by default; the suite also runs with it on, where instances see each other live. */
const POLLING = [undefined, 20] as const;

for (const driver of DRIVERS) {
  for (const pollIntervalMs of POLLING) {
    const label = `sqlite (${driver}, ${pollIntervalMs === undefined ? 'no polling' : `polling every ${pollIntervalMs} ms`})`;
    describe(label, () => {
      const directory = tempDirectory('conformance');
      // Every store of this run opens the same real file, as several server processes would.
      const file = join(directory.path, 'events.db');
      const optionsOf = new WeakMap<EventStore, SqliteStoreOptions>();
      const open = (options: SqliteStoreOptions): SqliteStore => {
        const store = sqliteStore({ ...options, path: file, driver, pollIntervalMs });
        optionsOf.set(store, options);
        return store;
      };
      afterAll(() => directory.remove());
      let backups = 0;

      describeEventStore(label, {
        create: async (options) => open(options),
        inspect: {
          countEvents: async (stream) => countEvents(driver, file, stream),
        },
        // The file goes away under the running store, which must notice and start new epochs.
        loseLog: async (_stream, store) => {
          deleteDatabaseFiles(file);
          return store;
        },
        reopen: async (store) => {
          await store.close();
          return open(optionsOf.get(store) ?? {});
        },
        // An operator's backup: the WAL checkpointed into the file, then the file copied. Restoring
        // it means stopping the store, putting the older file in place and starting again.
        rollback: {
          snapshot: async () => {
            withConnection(driver, file, (db) => {
              const result = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get();
              expect(result?.busy, 'the WAL checkpoint was not blocked').toBe(0);
            });
            backups += 1;
            const backup = join(directory.path, `backup-${backups}.db`);
            copyFileSync(file, backup);
            return backup;
          },
          restore: async (store, backup: string) => {
            await store.close();
            deleteDatabaseFiles(file);
            copyFileSync(backup, file);
            return open(optionsOf.get(store) ?? {});
          },
        },
        capabilities: {
          injectableClock: true,
          sharedBacking: true,
          crossInstanceLive: pollIntervalMs !== undefined,
        },
      });
    });
  }
}
