import { afterEach, describe, expect, it } from 'vitest';
import { EventStreamError } from './errors.ts';
import { streamEvents } from './iterate.ts';
import { type RecordedClient, recordClient } from './test-support/record-client.ts';
import { startTestSseServer, type TestSseServer } from './test-support/test-sse-server.ts';
import { sleep, waitFor } from './test-support/wait.ts';
import type { EventStreamClientOptions, FetchLike } from './types.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(): Promise<TestSseServer> {
  const srv = await startTestSseServer();
  cleanups.push(() => srv.close());
  return srv;
}

function client(url: string, options: EventStreamClientOptions = {}): RecordedClient {
  const recorded = recordClient(url, { backoff: { initialMs: 10, maxMs: 20 }, ...options });
  cleanups.push(() => recorded.client.close());
  return recorded;
}

/** The built-in fetch, counting the calls that reach it. */
function countingFetch(): { fetch: FetchLike; calls: () => number } {
  let calls = 0;
  return {
    fetch: (url, init) => {
      calls++;
      return fetch(url, init);
    },
    calls: () => calls,
  };
}

/** Closed with one fatal error of `code`, and nothing retried after it. */
async function expectFinal(recorded: RecordedClient, code: string): Promise<EventStreamError> {
  await waitFor(() => recorded.client.status === 'closed', `closed with ${code}`, 2_000);
  // Long enough for several backoff rounds, had the client gone on retrying.
  await sleep(150);
  const errors = recorded.errors();
  expect(errors.map((error) => [error.code, error.fatal])).toEqual([[code, true]]);
  expect(recorded.client.error).toBe(errors[0]);
  expect(recorded.client.metrics.reconnects).toBe(0);
  expect(recorded.statuses()).toEqual(['closed']);
  return errors[0]!;
}

describe('a URL no request can reach is final at once (no retry loop)', () => {
  it.each([
    ['a relative URL outside a page', '/stream', /not an absolute URL.*http:\/\/host:port\/stream/],
    ['a malformed URL', 'http://[bad/stream', /not an absolute URL/],
    ['an ftp: URL', 'ftp://127.0.0.1/stream', /scheme "ftp:".*use http: or https:/],
    ['a file: URL', 'file:///etc/passwd', /scheme "file:"/],
    ['a ws: URL', 'ws://127.0.0.1/stream', /scheme "ws:"/],
  ])('%s: INVALID_URL, saying what to pass', async (_, url, message) => {
    const error = await expectFinal(client(url), 'INVALID_URL');
    expect(error.message).toMatch(message);
    expect(error.message).toContain(url);
  });

  it('a port fetch blocks: INVALID_URL after the one attempt', async () => {
    const error = await expectFinal(client('http://127.0.0.1:1/stream'), 'INVALID_URL');
    expect(error.message).toMatch(/blocked list/);
  });

  it('with a custom fetch that rejects a relative URL (Node): INVALID_URL after one call', async () => {
    const counting = countingFetch();
    await expectFinal(client('/stream', { fetch: counting.fetch }), 'INVALID_URL');
    expect(counting.calls()).toBe(1);
  });

  it('streamEvents throws INVALID_URL at once instead of hanging', async () => {
    const consume = async () => {
      for await (const _ of streamEvents('/stream')) {
      }
    };
    const error = await consume().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(EventStreamError);
    expect(error).toMatchObject({ code: 'INVALID_URL', fatal: true });
  }, 5_000);
});

describe('a request fetch refuses to build is final at once', () => {
  it.each([
    ['a header value with a line break', { headers: { 'x-token': 'a\nb' } }],
    ['a header name with a space', { headers: { 'x token': 'a' } }],
    ['a headers function returning a bad value', { headers: () => ({ 'x-token': 'a\r\nb' }) }],
    ['an unknown credentials mode', { credentials: 'bogus' as RequestCredentials }],
  ])('%s: INVALID_REQUEST, and the server never sees a request', async (_, options) => {
    const srv = await server();
    const error = await expectFinal(client(srv.streamUrl, options), 'INVALID_REQUEST');
    expect(error.message).toMatch(/fix the headers|fix its name or value/);
    expect(srv.requests).toHaveLength(0);
  });
});

describe('genuine network failures are still retried', () => {
  it('a TypeError from fetch with no telling cause (how browsers report a network error)', async () => {
    const srv = await server();
    srv.publish('a');
    let failures = 2;
    const flaky: FetchLike = (url, init) =>
      failures-- > 0 ? Promise.reject(new TypeError('Failed to fetch')) : fetch(url, init);
    const c = client(srv.streamUrl, { fetch: flaky });
    await waitFor(() => c.data().length === 1, 'the event after two failed attempts');
    expect(c.errors().map((error) => [error.code, error.fatal])).toEqual([
      ['NETWORK_ERROR', false],
      ['NETWORK_ERROR', false],
    ]);
  });

  it('nothing listening on the port (ECONNREFUSED)', async () => {
    const srv = await server();
    const url = srv.streamUrl;
    await srv.stop();
    const c = client(url);
    await waitFor(() => c.errors().length >= 2, 'two failed attempts');
    expect(c.errors().every((error) => error.code === 'NETWORK_ERROR' && !error.fatal)).toBe(true);
    expect(c.client.status).toBe('reconnecting');
  });

  it('a headers function that rejects (a token refresh failing for now)', async () => {
    const srv = await server();
    srv.publish('a');
    let failures = 1;
    const c = client(srv.streamUrl, {
      headers: async () => {
        if (failures-- > 0) throw new Error('token service unreachable');
        return { authorization: 'Bearer t' };
      },
    });
    await waitFor(() => c.data().length === 1, 'the event after the failed refresh');
    expect(c.errors().map((error) => [error.code, error.fatal])).toEqual([['NETWORK_ERROR', false]]);
  });
});
