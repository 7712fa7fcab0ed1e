import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createHub, type PublishResult } from '@resumable-sse/core';
import { openSse, serveHub } from '@resumable-sse/testkit/http';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteStore } from './index.ts';
import { tempDirectory } from './test-support/sqlite-files.ts';

const temp = tempDirectory('epoch');
const dir = temp.path;
afterAll(() => temp.remove());

/** One server "process": a store on `path`, a hub and an HTTP endpoint; publishes `data` then stops. */
async function runServer(path: string, data: string[], resumeFrom?: string) {
  const store = sqliteStore({ path });
  const hub = createHub({ store });
  const http = await serveHub(hub, { stream: 'restarts', heartbeatMs: 0 });
  try {
    const published: PublishResult[] = [];
    for (const item of data) published.push(await hub.publish('restarts', { data: item }));
    if (resumeFrom === undefined) return { published, received: undefined };
    const reader = await openSse(http.url, { headers: { 'Last-Event-ID': resumeFrom } });
    await reader.waitForCaughtUp();
    reader.close();
    return { published, received: reader };
  } finally {
    await hub.close();
    await http.close();
    await store.close();
  }
}

describe('an old cursor across SQLite restarts, over HTTP', () => {
  it('the same file reopened keeps the epoch: the cursor resumes with no reset and nothing lost', async () => {
    const path = join(dir, 'kept.db');
    const first = await runServer(path, ['a1', 'a2', 'a3']);
    const second = await runServer(path, ['b1'], first.published[0]!.id);
    expect(second.published[0]!.epoch).toBe(first.published[0]!.epoch);
    expect(second.received!.resets).toEqual([]);
    expect(second.received!.appEvents.map((event) => event.data)).toEqual(['a2', 'a3', 'b1']);
  });

  it('a replaced file starts a new epoch: the old cursor gets reset{epoch}, then everything retained', async () => {
    const path = join(dir, 'replaced.db');
    const first = await runServer(path, ['a1', 'a2', 'a3']);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    const second = await runServer(path, ['b1', 'b2'], first.published[1]!.id);
    expect(second.published[0]!.epoch).not.toBe(first.published[0]!.epoch);
    expect(second.received!.resets.map((reset) => JSON.parse(reset.data))).toEqual([
      { reason: 'epoch', requested: first.published[1]!.id, oldest: second.published[0]!.id },
    ]);
    expect(second.received!.appEvents.map((event) => event.data)).toEqual(['b1', 'b2']);
  });
});
