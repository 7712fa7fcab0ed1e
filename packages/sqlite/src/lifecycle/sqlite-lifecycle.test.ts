import { join } from 'node:path';
import { describeLifecycleStore } from '@resumable-sse/testkit/lifecycle';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteStore } from '../sqlite-store.ts';
import { DRIVERS, queryRows, tempDirectory } from '../test-support/sqlite-files.ts';
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

describe('sqliteLifecycle options', () => {
  it('needs a path or a database', () => {
    expect(() => sqliteLifecycle({})).toThrow(/needs "path"/);
  });
});
