import { EventSource } from 'eventsource';
import { expect, it } from 'vitest';
import type { SuiteContext } from '../fixture.ts';
import { sleep } from '../wait.ts';

const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `e${from + i}`);
const TYPES = ['message', 'reset', 'caught-up'];

/** A standard `EventSource` (the `eventsource` package) and no client library at all. */
export function eventSourceCases<Req>(ctx: SuiteContext<Req>): void {
  it('EventSource: reconnects with Last-Event-ID whenever the server ends the connection, losing and repeating nothing', async () => {
    const served = await ctx.serve({ endpoint: { maxConnectionMs: 250, retry: 20, heartbeatMs: 0 } });
    const source = ctx.eventSource(served.url, TYPES);
    await source.waitFor(() => source.of('caught-up').length === 1, 'the first caught-up');
    for (let i = 0; i < 40; i++) {
      await served.publish(1);
      await sleep(20);
    }
    await source.waitFor(() => source.of('message').length >= 40, '40 messages');
    await sleep(50);
    expect(source.of('message').map((message) => message.data)).toEqual(numbers(1, 40));
    expect(source.opens).toBeGreaterThanOrEqual(3);
    expect(source.of('reset')).toEqual([]);
    expect(source.of('caught-up').length).toBe(source.opens);
  });

  it('EventSource: a first connect with ?lastEventId= catches up, and a later reconnect resumes from its own Last-Event-ID', async () => {
    const served = await ctx.serve({
      maxEvents: 5,
      endpoint: { maxConnectionMs: 300, retry: 20, heartbeatMs: 0 },
    });
    const ids = (await served.publish(8)).map((p) => p.id);
    const source = ctx.eventSource(served.withQuery(ids[1]!), TYPES);
    await source.waitFor(() => source.of('caught-up').length === 1, 'the first caught-up');
    expect(source.messages.map((message) => message.type)).toEqual([
      'reset',
      ...Array(5).fill('message'),
      'caught-up',
    ]);
    const reset = source.of('reset')[0]!;
    expect(JSON.parse(reset.data)).toMatchObject({ reason: 'evicted', requested: ids[1] });
    // The browser-visible lastEventId after a reset is the baseline just before what follows it.
    const baseline = served.hub.codec.decode(reset.lastEventId);
    expect(baseline.ok && baseline.cursor.offset).toBe(3);
    expect(source.of('message').map((message) => message.data)).toEqual(numbers(4, 8));

    // The URL still says ?lastEventId=<evicted>; the header sent on reconnect must win.
    await source.waitFor(() => source.opens >= 2, 'a reconnect');
    await served.publish(1);
    await source.waitFor(() => source.of('message').length === 6, 'the live event');
    await sleep(50);
    expect(source.of('message').map((message) => message.data)).toEqual(numbers(4, 9));
    expect(source.of('reset')).toHaveLength(1);
  });

  it('EventSource: a 401 from authorize fails the connection without reconnecting', async () => {
    const served = await ctx.serve({ endpoint: { authorize: () => ({ status: 401 }), retry: 20 } });
    const source = ctx.eventSource(served.url, TYPES);
    await source.waitFor(() => source.errors.length > 0, 'an error');
    expect(source.errors[0]!.code).toBe(401);
    await sleep(100);
    expect(source.source.readyState).toBe(EventSource.CLOSED);
    expect(source.opens).toBe(0);
  });
}
