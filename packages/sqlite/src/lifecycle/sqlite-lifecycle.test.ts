import { join } from 'node:path';
import { describeLifecycleStore } from '@resumable-sse/testkit/lifecycle';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteStore } from '../sqlite-store.ts';
import { DRIVERS, queryRows, tempDirectory, withConnection } from '../test-support/sqlite-files.ts';
import { sqliteLifecycle } from './sqlite-lifecycle.ts';

for (const driver of DRIVERS) {
  describe(`sqlite lifecycle (${driver})`, () => {
    const directory = tempDirectory('lifecycle');
    // Every store of this run opens the same real file, as several server processes would.
    const file = join(directory.path, 'events.db');
    afterAll(() => directory.remove());

    describeLifecycleStore(`sqlite (${driver})`, {
      create: async ({ now, recordTtlMs }) => sqliteLifecycle({ path: file, driver, now, recordTtlMs }),
      inspect: {
        state: async (streamId) => {
          const [row] = queryRows(
            driver,
            file,
            'SELECT state FROM resumable_sse_lifecycle_streams WHERE stream = ?',
            streamId,
          );
          return row === undefined ? undefined : String(row.state);
        },
        hasCompletion: async (streamId) =>
          queryRows(
            driver,
            file,
            'SELECT 1 FROM resumable_sse_lifecycle_completions WHERE stream = ?',
            streamId,
          ).length > 0,
      },
      capabilities: { injectableClock: true, ttlFollowsClock: true, sharedBacking: true },
    });

    it('lives in the same file as the events, beside the event store, and survives a reopen', async () => {
      const events = sqliteStore({ path: file, driver });
      const lifecycle = sqliteLifecycle({ path: file, driver });
      await events.append('job-file', [{ data: 'x' }]);
      await lifecycle.register({ streamId: 'job-file', type: 'export', owner: 'ada', metadata: { size: 3 } });
      await lifecycle.complete('job-file', { event: 'completed', data: '{}', id: 'e.1', state: 'completed' });
      await lifecycle.close();
      await events.close();
      const reopened = sqliteLifecycle({ path: file, driver });
      expect(await reopened.get('job-file')).toMatchObject({
        state: 'completed',
        owner: 'ada',
        metadata: { size: 3 },
      });
      expect((await reopened.completion('job-file'))?.id).toBe('e.1');
      await reopened.close();
      const tables = queryRows(
        driver,
        file,
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
      ).map((row) => row.name);
      expect(tables).toEqual(
        expect.arrayContaining([
          'resumable_sse_events',
          'resumable_sse_lifecycle_completions',
          'resumable_sse_lifecycle_streams',
        ]),
      );
    });

    it('refuses to work after close, and says how to open one', async () => {
      const lifecycle = sqliteLifecycle({ path: file, driver });
      await lifecycle.close();
      await expect(lifecycle.get('x')).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    });
  });
}

describe('a file written by an earlier version', () => {
  const directory = tempDirectory('lifecycle-upgrade');
  afterAll(() => directory.remove());

  it('gains the completion_until column and keeps its rows readable', async () => {
    const file = join(directory.path, 'old.db');
    withConnection('node:sqlite', file, (connection) =>
      connection.exec(`CREATE TABLE resumable_sse_lifecycle_streams (
        stream TEXT PRIMARY KEY, type TEXT NOT NULL, owner TEXT NOT NULL, state TEXT NOT NULL,
        started_at INTEGER NOT NULL, last_heartbeat INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL, cancel_requested INTEGER NOT NULL DEFAULT 0, metadata TEXT NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO resumable_sse_lifecycle_streams VALUES ('old-job', 'generation', 'ada', 'completed', 1, 1, 1, 9007199254740991, 0, '{}');`),
    );
    let now = Date.now();
    const lifecycle = sqliteLifecycle({ path: file, now: () => now });
    expect((await lifecycle.pageByOwner('ada')).records).toMatchObject([
      { streamId: 'old-job', state: 'completed' },
    ]);
    await lifecycle.register({ streamId: 'new-job', type: 'export', owner: 'ada' });
    await lifecycle.complete(
      'new-job',
      { event: 'completed', data: '{}', id: 'e.1', state: 'completed' },
      1_000,
    );
    now += 1_000;
    expect((await lifecycle.get('new-job'))?.state).toBe('expired');
    expect((await lifecycle.get('old-job'))?.state).toBe('completed');
    await lifecycle.close();
  });
});

describe('sqliteLifecycle options', () => {
  it('needs a path or a database', () => {
    expect(() => sqliteLifecycle({})).toThrow(/needs "path"/);
  });
});
