import { afterEach, describe, expect, it } from 'vitest';
import { EventStreamError } from './errors.ts';
import { streamEvents } from './iterate.ts';
import { startTestSseServer, type TestSseServer } from './test-support/test-sse-server.ts';
import { sleep, waitFor } from './test-support/wait.ts';

let srv: TestSseServer;
afterEach(() => srv?.close());

describe('streamEvents', () => {
  it('yields events in order and closes the connection when the loop is left', async () => {
    srv = await startTestSseServer();
    for (const data of ['a', 'b', 'c']) srv.publish(data);
    const seen: string[] = [];
    for await (const event of streamEvents(srv.streamUrl)) {
      seen.push(event.data);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['a', 'b']);
    await waitFor(() => srv.openStreamCount() === 0, 'the server to see the close');
    await sleep(100);
    expect(srv.requests).toHaveLength(1);
  });

  it('reads only as fast as the loop consumes', async () => {
    srv = await startTestSseServer();
    for (const data of ['a', 'b', 'c']) srv.publish(data);
    const statuses: string[] = [];
    const iterator = streamEvents(srv.streamUrl, { onStatus: (status) => statuses.push(status) });
    expect((await iterator.next()).value?.data).toBe('a');
    await sleep(100);
    // 'b' and 'c' are on the wire, but caught-up is not processed before they are consumed.
    expect(statuses).toEqual(['catching-up']);
    expect((await iterator.next()).value?.data).toBe('b');
    expect((await iterator.next()).value?.data).toBe('c');
    expect(statuses).toEqual(['catching-up']);
    // Asking for the next event means 'c' is handled: caught-up goes through.
    const next = iterator.next();
    await waitFor(() => statuses.includes('live'), 'live');
    srv.publish('d');
    expect((await next).value?.data).toBe('d');
    await iterator.return(undefined);
    expect(statuses.at(-1)).toBe('closed');
  });

  it('ends normally on 204 (the stream is over)', async () => {
    srv = await startTestSseServer();
    srv.respond({ status: 204 });
    const seen: string[] = [];
    for await (const event of streamEvents(srv.streamUrl)) seen.push(event.data);
    expect(seen).toEqual([]);
  });

  it('throws the typed error of any other fatal refusal', async () => {
    srv = await startTestSseServer();
    srv.respond({ status: 403 });
    const consume = async () => {
      for await (const _ of streamEvents(srv.streamUrl)) {
      }
    };
    const error = await consume().catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(EventStreamError);
    expect(error).toMatchObject({ code: 'FORBIDDEN', fatal: true });
  });

  it('ends when the signal is aborted', async () => {
    srv = await startTestSseServer();
    srv.publish('a');
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const event of streamEvents(srv.streamUrl, { signal: controller.signal })) {
      seen.push(event.data);
      controller.abort();
    }
    expect(seen).toEqual(['a']);
  });
});
