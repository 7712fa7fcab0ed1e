import { afterEach, describe, expect, it } from 'vitest';
import { type RecordedClient, recordClient } from './test-support/record-client.ts';
import { startTestSseServer, type TestSseServer } from './test-support/test-sse-server.ts';
import { waitFor } from './test-support/wait.ts';
import type { EventStreamClientOptions } from './types.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: Parameters<typeof startTestSseServer>[0]): Promise<TestSseServer> {
  const srv = await startTestSseServer(options);
  cleanups.push(() => srv.close());
  return srv;
}

function client(url: string, options: EventStreamClientOptions = {}): RecordedClient {
  const recorded = recordClient(url, { backoff: { initialMs: 20, maxMs: 100 }, ...options });
  cleanups.push(() => recorded.client.close());
  return recorded;
}

describe('an id on caught-up is the resume cursor', () => {
  it("initial 'now', caught up with no event yet: resumes from the caught-up position and gets what came while away", async () => {
    const srv = await start({ initial: 'now' });
    srv.publish('before-1');
    srv.publish('before-2');
    const c = client(srv.streamUrl);
    await waitFor(() => c.client.status === 'live', 'live');
    expect(c.data()).toEqual([]);
    expect(c.client.lastEventId).toBe(srv.events[1]!.id);

    await srv.stop();
    srv.publish('while-away');
    await srv.start();
    await srv.waitForRequests(2);
    await waitFor(() => c.data().length === 1, 'the event published while away');
    expect(srv.requests[1]!.lastEventId).toBe(srv.events[1]!.id);
    expect(c.data()).toEqual(['while-away']);
  });

  it('an empty log: the baseline id of offset 0 is kept, so the first event is not missed', async () => {
    const srv = await start({ initial: 'now' });
    const storage = new Map<string, string>();
    const c = client(srv.streamUrl, {
      storage: {
        getItem: (key) => storage.get(key) ?? null,
        setItem: (key, value) => void storage.set(key, value),
        removeItem: (key) => void storage.delete(key),
      },
    });
    await waitFor(() => c.client.status === 'live', 'live');
    expect(c.client.lastEventId).toBe(`${srv.epoch}.0`);
    expect([...storage.values()]).toEqual([`${srv.epoch}.0`]);

    await srv.stop();
    srv.publish('first');
    await srv.start();
    await waitFor(() => c.data().length === 1, 'the first event');
    expect(srv.requests[1]!.lastEventId).toBe(`${srv.epoch}.0`);
  });

  it('a server that sends no id on caught-up leaves the cursor as it was', async () => {
    const srv = await start({ initial: 'now', caughtUpId: false });
    srv.publish('before');
    const c = client(srv.streamUrl);
    await waitFor(() => c.client.status === 'live', 'live');
    expect(c.client.lastEventId).toBeUndefined();
  });
});
