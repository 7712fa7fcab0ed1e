import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { collector } from '@resumable-sse/testkit/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SqliteStore, sqliteStore } from './sqlite-store.ts';
import { DRIVERS, queryRows, tempDirectory, withConnection } from './test-support/sqlite-files.ts';

for (const driver of DRIVERS) {
  describe(`durability (${driver})`, () => {
    let directory: ReturnType<typeof tempDirectory>;
    let file: string;
    const open: SqliteStore[] = [];
    const openStore = (options: Parameters<typeof sqliteStore>[0] = {}): SqliteStore => {
      const store = sqliteStore({ path: file, driver, ...options });
      open.push(store);
      return store;
    };

    beforeEach(() => {
      directory = tempDirectory('durability');
      file = join(directory.path, 'events.db');
    });
    afterEach(async () => {
      await Promise.allSettled(open.splice(0).map((store) => store.close()));
      directory.remove();
    });

    it('puts the file in WAL mode', async () => {
      const store = openStore();
      await store.append('s', [{ data: 'x' }]);
      const [row] = queryRows(driver, file, 'PRAGMA journal_mode');
      expect(row?.journal_mode).toBe('wal');
    });

    it('keeps the epoch, events and head across a reopen, and resumes from an old offset', async () => {
      const first = openStore();
      const appended = await first.append(
        'chat',
        Array.from({ length: 10 }, (_, index) => ({ event: 'n', data: String(index + 1) })),
      );
      const epoch = appended[0]?.epoch;
      await first.close();

      const second = openStore();
      expect(await second.position('chat')).toEqual({ epoch, oldest: 1, head: 10 });
      // A client that saw up to offset 4 before the restart gets exactly 5..10.
      const resumed = await second.readAfter('chat', 4, 100);
      expect(resumed.map((event) => [event.offset, event.event, event.data])).toEqual(
        [5, 6, 7, 8, 9, 10].map((offset) => [offset, 'n', String(offset)]),
      );
      expect(await second.append('chat', [{ data: '11' }])).toEqual([
        { epoch, offset: 11, duplicate: false, time: expect.any(Number) },
      ]);
    });

    it('never reuses an offset after every event expired, even across a reopen', async () => {
      let now = 1_000_000;
      const clock = () => now;
      const first = openStore({ maxAgeMs: 1000, now: clock });
      await first.append('s', [{ data: 'a' }, { data: 'b' }, { data: 'c' }]);
      now += 5000;
      await first.append('t', [{ data: 'other stream' }]);
      expect(await first.position('s')).toMatchObject({ oldest: null, head: 3 });
      await first.close();

      const second = openStore({ maxAgeMs: 1000, now: clock });
      const [next] = await second.append('s', [{ data: 'd' }]);
      expect(next?.offset).toBe(4);
      // The expired rows are physically gone once an append trimmed the stream.
      expect(queryRows(driver, file, 'SELECT seq FROM resumable_sse_events WHERE stream = ?', 's')).toEqual([
        { seq: 4 },
      ]);
    });

    it('remembers idempotency keys across a reopen', async () => {
      const first = openStore();
      const [original] = await first.append('s', [{ data: 'charge', idempotencyKey: 'order-7' }]);
      await first.close();
      const second = openStore();
      const [retried] = await second.append('s', [{ data: 'charge', idempotencyKey: 'order-7' }]);
      expect(retried).toEqual({ epoch: original?.epoch, offset: 1, duplicate: true });
    });

    it('starts new epochs when the file was replaced while the store was closed', async () => {
      const first = openStore();
      await first.append('s', [{ data: '1' }, { data: '2' }]);
      const before = await first.position('s');
      await first.close();

      // Another database (made by another store, with its own log for the stream) takes the path.
      const otherFile = join(directory.path, 'other.db');
      const other = sqliteStore({ path: otherFile, driver });
      await other.append('s', [{ data: 'elsewhere' }]);
      await other.close();
      renameSync(otherFile, file);

      const second = openStore();
      const after = await second.position('s');
      expect(after.epoch).not.toBe(before.epoch);
      expect((await second.readAfter('s', 0, 10)).map((event) => event.data)).toEqual(['elsewhere']);
    });

    it('notices a file replaced under the running store: new epoch, subscribers told epoch-changed', async () => {
      const store = openStore();
      await store.append('s', [{ data: '1' }, { data: '2' }]);
      const before = await store.position('s');
      const listener = collector();
      await store.subscribe('s', listener).ready;

      const freshFile = join(directory.path, 'fresh.db');
      withConnection(driver, freshFile, (db) => db.exec('CREATE TABLE unrelated (x)'));
      renameSync(freshFile, file);

      const after = await store.position('s');
      expect(after).toMatchObject({ oldest: null, head: 0 });
      expect(after.epoch).not.toBe(before.epoch);
      expect(listener.closes.map((reason) => reason.code)).toEqual(['epoch-changed']);
      // Writes go to the file now at the path, where a restart will find them.
      const [appended] = await store.append('s', [{ data: 'new log' }]);
      expect(appended).toMatchObject({ epoch: after.epoch, offset: 1, duplicate: false });
      expect(queryRows(driver, file, 'SELECT data FROM resumable_sse_events WHERE stream = ?', 's')).toEqual([
        { data: 'new log' },
      ]);
    });

    it('starts new epochs when the store identity row is gone (metadata lost)', async () => {
      const first = openStore();
      await first.append('s', [{ data: '1' }]);
      const before = await first.position('s');
      await first.close();
      withConnection(driver, file, (db) => db.exec('DELETE FROM resumable_sse_store'));

      const second = openStore();
      const after = await second.position('s');
      expect(after.epoch).not.toBe(before.epoch);
      expect(after).toMatchObject({ oldest: null, head: 0 });
      expect(queryRows(driver, file, 'SELECT count(*) AS n FROM resumable_sse_events')).toEqual([{ n: 0 }]);
    });

    it('starts a new epoch for a stream whose metadata row was deleted, dropping its orphaned events', async () => {
      const store = openStore();
      await store.append('s', [{ data: 'old-1' }, { data: 'old-2' }]);
      const before = await store.position('s');
      withConnection(driver, file, (db) =>
        db.prepare('DELETE FROM resumable_sse_streams WHERE stream = ?').run('s'),
      );
      const after = await store.position('s');
      expect(after.epoch).not.toBe(before.epoch);
      expect(after).toMatchObject({ oldest: null, head: 0 });
      const [appended] = await store.append('s', [{ data: 'new' }]);
      expect(appended).toMatchObject({ epoch: after.epoch, offset: 1 });
      expect((await store.readAfter('s', 0, 10)).map((event) => event.data)).toEqual(['new']);
    });

    it('reads after an offset with a primary-key range search, not a scan', async () => {
      openStore();
      const plan = queryRows(
        driver,
        file,
        'EXPLAIN QUERY PLAN SELECT seq, event, data, time FROM resumable_sse_events WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?',
        's',
        0,
        10,
      );
      const detail = plan.map((row) => String(row.detail)).join(' | ');
      expect(detail).toMatch(/SEARCH resumable_sse_events USING PRIMARY KEY \(stream=\? AND seq>\?\)/);
      expect(detail).not.toMatch(/TEMP B-TREE/);
    });
  });
}
