import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDemoConfig } from './config.ts';
import { openStore, redactUrl } from './open-store.ts';
import { StartupError } from './startup-error.ts';
import { freePort } from './testing/index.ts';

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'demo-support-store-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function config(env: Record<string, string>) {
  return readDemoConfig({ appName: 'demo', defaultPort: 0, dataDir: join(scratch, 'data'), env });
}

async function roundTrip(opened: Awaited<ReturnType<typeof openStore>>): Promise<void> {
  await opened.store.append('s', [{ data: 'a' }, { data: 'b' }, { data: 'c' }]);
  const events = await opened.store.readAfter('s', 0, 10);
  // BUFFER_SIZE=2 became the store's retention.
  expect(events.map((event) => event.data)).toEqual(['b', 'c']);
}

describe('openStore', () => {
  it('STORE=memory builds a memory store with BUFFER_SIZE retention', async () => {
    const opened = await openStore(config({ STORE: 'memory', BUFFER_SIZE: '2' }));
    expect(opened.store.kind).toBe('memory');
    expect(opened.description).toBe('memory');
    await roundTrip(opened);
    await opened.close();
  });

  it('STORE=sqlite (the default) creates the data folder and the file', async () => {
    const opened = await openStore(config({ BUFFER_SIZE: '2' }));
    expect(opened.store.kind).toBe('sqlite');
    expect(opened.description).toBe(`sqlite ${join(scratch, 'data', 'demo.db')}`);
    await roundTrip(opened);
    await opened.close();
    expect(existsSync(join(scratch, 'data', 'demo.db'))).toBe(true);
  });

  it('refuses a SQLITE_PATH whose folder cannot be created', async () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, '');
    await expect(openStore(config({ SQLITE_PATH: join(file, 'x.db') }))).rejects.toThrow(StartupError);
  });

  describe('STORE=redis', () => {
    let redis: RedisServerHandle;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(async () => {
      await redis?.stop();
    });

    it('connects a client, builds the Redis store, and closes both', async () => {
      const opened = await openStore(config({ STORE: 'redis', REDIS_URL: redis.url, BUFFER_SIZE: '2' }));
      expect(opened.store.kind).toBe('redis');
      expect(opened.description).toBe(`redis ${redis.url}`);
      await roundTrip(opened);
      const clientsBefore = Number(
        /connected_clients:(\d+)/.exec(await redis.command('INFO', 'clients'))![1],
      );
      await opened.close();
      await expect
        .poll(async () => Number(/connected_clients:(\d+)/.exec(await redis.command('INFO', 'clients'))![1]))
        .toBeLessThan(clientsBefore);
    });

    it('refuses an unreachable Redis quickly, with the cause', async () => {
      const port = await freePort();
      const started = Date.now();
      const failure = openStore(config({ STORE: 'redis', REDIS_URL: `redis://127.0.0.1:${port}` }));
      await expect(failure).rejects.toThrow(StartupError);
      await expect(failure).rejects.toThrow(/ECONNREFUSED/);
      expect(Date.now() - started).toBeLessThan(3_000);
    });
  });
});

describe('redactUrl', () => {
  it('hides a password and nothing else', () => {
    expect(redactUrl('redis://user:secret@host:6379/0')).toBe('redis://user:***@host:6379/0');
    expect(redactUrl('redis://host:6379')).toBe('redis://host:6379');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});
