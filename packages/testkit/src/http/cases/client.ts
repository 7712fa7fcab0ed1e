import {
  type ClientStatus,
  createEventStreamClient,
  type EventStreamError,
  type StreamEvent,
} from '@resumable-sse/client';
import type { ResetPayload } from '@resumable-sse/core/protocol';
import { expect, it } from 'vitest';
import type { SuiteContext } from '../fixture.ts';
import { sleep, waitUntil } from '../wait.ts';

const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `e${from + i}`);

/** This repository's client against the adapter. */
export function clientCases<Req>(ctx: SuiteContext<Req>): void {
  const start = (url: string, options: Parameters<typeof createEventStreamClient>[1] = {}) => {
    const seen = {
      events: [] as StreamEvent[],
      statuses: [] as ClientStatus[],
      resets: [] as ResetPayload[],
      caughtUp: [] as number[],
      errors: [] as EventStreamError[],
    };
    const client = createEventStreamClient(url, {
      backoff: { initialMs: 20, maxMs: 100 },
      ...options,
      onEvent: (event) => void seen.events.push(event),
      onStatus: (status) => void seen.statuses.push(status),
      onReset: (payload) => void seen.resets.push(payload),
      onCaughtUp: (info) => void seen.caughtUp.push(info.replayed),
      onError: (error) => void seen.errors.push(error),
    });
    ctx.onCleanup(() => client.close());
    return { client, seen };
  };

  it('@resumable-sse/client: catches up, goes live, and resumes across server-ended connections', async () => {
    const served = await ctx.serve({
      endpoint: { initial: 'earliest', maxConnectionMs: 250, retry: 20, heartbeatMs: 50 },
    });
    await served.publish(5);
    const { client, seen } = start(served.url);
    await waitUntil(() => client.status === 'live', 'live');
    expect(seen.caughtUp[0]).toBe(5);
    for (let i = 0; i < 30; i++) {
      await served.publish(1);
      await sleep(20);
    }
    await waitUntil(() => seen.events.length >= 35, '35 events');
    await sleep(50);
    expect(seen.events.map((event) => event.data)).toEqual(numbers(1, 35));
    // `connecting` is the status at creation; whether onStatus repeats it is the client's choice.
    expect(seen.statuses.filter((status) => status !== 'connecting').slice(0, 2)).toEqual([
      'catching-up',
      'live',
    ]);
    expect(seen.statuses).toContain('reconnecting');
    expect(client.metrics.reconnects).toBeGreaterThanOrEqual(1);
    expect(seen.resets).toEqual([]);
  });

  it('@resumable-sse/client: an evicted cursor gives onReset before the retained events', async () => {
    const served = await ctx.serve({ maxEvents: 5 });
    const ids = (await served.publish(8)).map((p) => p.id);
    const { client, seen } = start(served.url, { lastEventId: ids[0]! });
    await waitUntil(() => client.status === 'live', 'live');
    expect(seen.resets).toMatchObject([{ reason: 'evicted', requested: ids[0] }]);
    expect(seen.events.map((event) => event.data)).toEqual(numbers(4, 8));
  });

  it('@resumable-sse/client: stops for good on a 403 from authorize', async () => {
    const served = await ctx.serve({ endpoint: { authorize: () => ({ status: 403 }) } });
    const { client, seen } = start(served.url);
    await waitUntil(() => client.status === 'closed', 'closed');
    expect(seen.errors.at(-1)?.code).toBe('FORBIDDEN');
    expect(client.metrics.reconnects).toBe(0);
  });
}
