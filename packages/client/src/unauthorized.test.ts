import { afterEach, describe, expect, it } from 'vitest';
import type { EventStreamError } from './errors.ts';
import { type RecordedClient, recordClient } from './test-support/record-client.ts';
import { startTestSseServer, type TestSseServer } from './test-support/test-sse-server.ts';
import { sleep, waitFor } from './test-support/wait.ts';
import type { EventStreamClientOptions, UnauthorizedInfo } from './types.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(): Promise<TestSseServer> {
  const started = await startTestSseServer();
  cleanups.push(() => started.close());
  return started;
}

function client(url: string, options: EventStreamClientOptions): RecordedClient {
  const recorded = recordClient(url, { backoff: { initialMs: 20, maxMs: 100 }, ...options });
  cleanups.push(() => recorded.client.close());
  return recorded;
}

const UNAUTHORIZED = {
  status: 401,
  contentType: 'application/json',
  body: '{"error":"expired"}',
  headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
};

/** A token source the hook refreshes, as an app's sign-in code would. */
function tokens() {
  const state = { token: 'old', refreshes: 0, infos: [] as UnauthorizedInfo[] };
  return {
    state,
    headers: () => ({ authorization: `Bearer ${state.token}` }),
    refresh: async (info: UnauthorizedInfo) => {
      state.infos.push(info);
      await sleep(10);
      state.token = `new${++state.refreshes}`;
      return true;
    },
  };
}

const finalError = (c: RecordedClient): EventStreamError | undefined => c.client.error;

describe('onUnauthorized', () => {
  it('refreshes on 401 and retries at once with the new headers, resuming from the cursor', async () => {
    const srv = await server();
    srv.publish('a');
    srv.publish('b');
    const auth = tokens();
    const c = client(srv.streamUrl, { headers: auth.headers, onUnauthorized: auth.refresh });
    await waitFor(() => c.client.status === 'live', 'live');
    srv.respond(UNAUTHORIZED);
    srv.dropConnections();
    srv.publish('c');
    await waitFor(() => c.events.length === 3, 'three events');
    await waitFor(() => c.client.status === 'live', 'live again');

    expect(c.data()).toEqual(['a', 'b', 'c']);
    expect(srv.requests.map((request) => request.headers.authorization)).toEqual([
      'Bearer old',
      'Bearer old',
      'Bearer new1',
    ]);
    // The retry after the refresh resumes where the dropped connection was.
    expect(srv.requests[2]!.lastEventId).toBe(srv.events[1]!.id);
    expect(auth.state.infos).toHaveLength(1);
    expect(auth.state.infos[0]!.wwwAuthenticate).toBe('Bearer error="invalid_token"');
    expect(auth.state.infos[0]!.error).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    // The refreshed 401 is reported, not fatal.
    expect(c.errors().filter((error) => error.code === 'UNAUTHORIZED')).toMatchObject([
      { fatal: false, status: 401 },
    ]);
  });

  it('refreshes again on a later 401 once a connection was accepted in between', async () => {
    const srv = await server();
    const auth = tokens();
    srv.respond(UNAUTHORIZED);
    const c = client(srv.streamUrl, { headers: auth.headers, onUnauthorized: auth.refresh });
    await waitFor(() => c.client.status === 'live', 'live');
    srv.respond(UNAUTHORIZED);
    srv.dropConnections();
    await srv.waitForRequests(4);
    await waitFor(() => c.client.status === 'live', 'live again');
    expect(auth.state.refreshes).toBe(2);
    expect(srv.requests.at(-1)!.headers.authorization).toBe('Bearer new2');
  });

  it('stops with a final UNAUTHORIZED when the refreshed credentials are refused too (no loop)', async () => {
    const srv = await server();
    srv.respond(UNAUTHORIZED, 10);
    const auth = tokens();
    const c = client(srv.streamUrl, { headers: auth.headers, onUnauthorized: auth.refresh });
    await waitFor(() => c.client.status === 'closed', 'closed');
    await sleep(200);
    expect(srv.requests).toHaveLength(2);
    expect(auth.state.refreshes).toBe(1);
    expect(finalError(c)).toMatchObject({ code: 'UNAUTHORIZED', fatal: true, status: 401 });
    expect(finalError(c)!.message).toMatch(/again right after onUnauthorized refreshed/);
  });

  it('stops with a final UNAUTHORIZED carrying the cause when the hook throws', async () => {
    const srv = await server();
    srv.respond(UNAUTHORIZED, 10);
    const cause = new Error('the sign-in server is down');
    const c = client(srv.streamUrl, {
      onUnauthorized: () => {
        throw cause;
      },
    });
    await waitFor(() => c.client.status === 'closed', 'closed');
    await sleep(200);
    expect(srv.requests).toHaveLength(1);
    expect(finalError(c)).toMatchObject({ code: 'UNAUTHORIZED', fatal: true, cause });
    expect(finalError(c)!.message).toMatch(/onUnauthorized threw/);
  });

  it.each([
    ['false', false, /did not refresh/],
    ['a string', 'yes', /returned "yes" instead of true \(retry\) or false \(stop\)/],
    ['undefined', undefined, /returned undefined instead of true/],
    ['an object', { token: 't' }, /returned an object instead of true/],
  ])('stops with a final UNAUTHORIZED when the hook resolves %s', async (_name, answer, message) => {
    const srv = await server();
    srv.respond(UNAUTHORIZED, 10);
    const c = client(srv.streamUrl, {
      // What an untyped caller might hand back.
      onUnauthorized: (async () => answer) as unknown as () => Promise<boolean>,
    });
    await waitFor(() => c.client.status === 'closed', 'closed');
    await sleep(200);
    expect(srv.requests).toHaveLength(1);
    expect(finalError(c)).toMatchObject({ code: 'UNAUTHORIZED', fatal: true });
    expect(finalError(c)!.message).toMatch(message);
    expect(c.errors()).toEqual([finalError(c)]);
  });

  it('does not call the hook for 403, which stays final', async () => {
    const srv = await server();
    srv.respond({ status: 403 }, 10);
    let calls = 0;
    const c = client(srv.streamUrl, {
      onUnauthorized: () => {
        calls++;
        return true;
      },
    });
    await waitFor(() => c.client.status === 'closed', 'closed');
    expect(calls).toBe(0);
    expect(srv.requests).toHaveLength(1);
    expect(finalError(c)).toMatchObject({ code: 'FORBIDDEN', fatal: true });
  });

  it('close() while the hook runs ends the client without another request', async () => {
    const srv = await server();
    srv.respond(UNAUTHORIZED);
    let c: RecordedClient | undefined;
    c = client(srv.streamUrl, {
      onUnauthorized: async () => {
        c?.client.close();
        return true;
      },
    });
    await waitFor(() => c?.client.status === 'closed', 'closed');
    await sleep(200);
    expect(srv.requests).toHaveLength(1);
    expect(c.client.error).toBeUndefined();
  });
});
