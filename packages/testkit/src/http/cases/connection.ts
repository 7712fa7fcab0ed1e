import { expect, it } from 'vitest';
import type { SuiteContext } from '../fixture.ts';
import { sleep } from '../wait.ts';

/** Response headers (docs/protocol.md §4, §7), the first byte, `retry:`, heartbeats, connection lifetime. */
export function connectionCases<Req>(ctx: SuiteContext<Req>): void {
  it('answers with the event-stream headers and a first byte before any event is published', async () => {
    const served = await ctx.serve();
    const started = performance.now();
    const connection = await ctx.open(served.url);
    expect(connection.status).toBe(200);
    expect(connection.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const cacheControl = connection.headers['cache-control']?.split(',').map((part) => part.trim());
    expect(cacheControl).toEqual(expect.arrayContaining(['no-cache', 'no-transform']));
    expect(connection.headers['x-accel-buffering']).toBe('no');
    expect(connection.headers.connection).toBe('keep-alive');
    expect(connection.headers['content-length']).toBeUndefined();
    expect(connection.headers['content-encoding']).toBeUndefined();
    await connection.waitForCaughtUp(1_000);
    expect(connection.firstByteAt! - started).toBeLessThan(1_000);
    expect(connection.appEvents).toEqual([]);
  });

  it('refuses a missing hub (plain JavaScript) when the handler is built, not at the first request', async () => {
    const attempt = ctx.harness.start({
      hub: undefined as never,
      endpoint: { stream: 'feed' },
      compression: false,
    });
    const outcome = await attempt.then(
      async (server) => {
        await server.close();
        return 'started';
      },
      (error: unknown) => error,
    );
    expect(outcome).toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/hub/) });
  });

  it('sends retry: at connect, before anything else', async () => {
    const served = await ctx.serve({ endpoint: { retry: 1234 } });
    await served.publish(1);
    const connection = await ctx.open(served.url);
    await connection.waitForCaughtUp();
    expect(connection.retries).toEqual([1234]);
    expect(connection.text.startsWith('retry: 1234\n') || connection.text.startsWith('retry:1234\n')).toBe(
      true,
    );
  });

  it('sends no retry: when retry is false, and still a first byte at once', async () => {
    const served = await ctx.serve({ endpoint: { retry: false } });
    const connection = await ctx.open(served.url);
    await connection.waitForCaughtUp();
    expect(connection.retries).toEqual([]);
    expect(connection.text.startsWith(':')).toBe(true);
  });

  it('sends a heartbeat comment every heartbeatMs while idle', async () => {
    const served = await ctx.serve({ endpoint: { heartbeatMs: 40, retry: 1000 } });
    const connection = await ctx.open(served.url);
    await connection.waitForCaughtUp();
    const before = connection.comments.length;
    await sleep(400);
    // 10 intervals elapsed; allow for timer drift on a loaded machine.
    expect(connection.comments.length - before).toBeGreaterThanOrEqual(4);
    expect(connection.comments.length - before).toBeLessThanOrEqual(12);
    expect(connection.ended).toBe(false);
  });

  it('sends no heartbeat when heartbeatMs is 0', async () => {
    const served = await ctx.serve({ endpoint: { heartbeatMs: 0, retry: 1000 } });
    const connection = await ctx.open(served.url);
    await connection.waitForCaughtUp();
    await sleep(200);
    expect(connection.comments).toEqual([]);
  });

  it('delivers live events to every connected client, same ids, in order', async () => {
    const served = await ctx.serve();
    const clients = await Promise.all([ctx.open(served.url), ctx.open(served.url), ctx.open(served.url)]);
    await Promise.all(clients.map((client) => client.waitForCaughtUp()));
    const published = await served.publish(5, { event: 'tick' });
    for (const client of clients) {
      await client.waitForEvents(5);
      expect(client.appEvents).toEqual(
        published.map((p, i) => ({ id: p.id, event: 'tick', data: `e${i + 1}` })),
      );
    }
  });

  it('ends a connection after maxConnectionMs (±10 %), so the client resumes with its cursor', async () => {
    const served = await ctx.serve({ endpoint: { maxConnectionMs: 300, heartbeatMs: 0 } });
    const started = performance.now();
    const connection = await ctx.open(served.url);
    await connection.waitForEnd(3_000);
    const lifetime = performance.now() - started;
    expect(lifetime).toBeGreaterThanOrEqual(260);
    expect(lifetime).toBeLessThan(900);
  });

  it('takes the stream name from the request', async () => {
    const served = await ctx.serve({
      endpoint: {
        stream: (request) => ctx.harness.header(request, 'x-stream') ?? 'feed',
        initial: 'earliest',
      },
    });
    await served.publish(2, { stream: 'feed', event: 'feed' });
    await served.publish(3, { stream: 'other', event: 'other' });
    const connection = await ctx.open(served.url, { headers: { 'x-stream': 'other' } });
    await connection.waitForCaughtUp();
    await served.publish(1, { stream: 'feed', event: 'feed' });
    await served.publish(1, { stream: 'other', event: 'other' });
    await connection.waitForEvents(4);
    await served.publish(1, { stream: 'other', event: 'other' });
    await connection.waitForEvents(5);
    expect(connection.appEvents.map((event) => `${event.event}:${event.data}`)).toEqual(
      ['e1', 'e2', 'e3', 'e4', 'e5'].map((data) => `other:${data}`),
    );
  });
}
