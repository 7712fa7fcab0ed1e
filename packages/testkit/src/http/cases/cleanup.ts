import { request } from 'node:http';
import { expect, it } from 'vitest';
import type { Served, SuiteContext } from '../fixture.ts';
import { openSse } from '../raw-sse-client.ts';
import { waitUntil } from '../wait.ts';

const CYCLES = 1_000;
const CONCURRENCY = 25;

/** A client that goes away must leave nothing behind: no subscription, listener, timer or socket. */
export function cleanupCases<Req>(ctx: SuiteContext<Req>): void {
  it(`frees everything a connection held when its client aborts (${CYCLES} connect/abort cycles)`, async () => {
    // Heartbeats far apart: only the abort signal, not a failed write, can notice the client left.
    const served = await ctx.serve({ endpoint: { heartbeatMs: 60_000, initial: { last: 2 } } });
    await served.publish(3);

    // Warm up first: allocations made on first use (module state, server internals) are not leaks.
    for (let i = 0; i < 3; i++) await cycle(served, i);
    await allReleased(served);
    const baseline = activeResources();

    for (let i = 0; i < CYCLES; i += CONCURRENCY) {
      await Promise.all(Array.from({ length: CONCURRENCY }, (_, j) => cycle(served, i + j)));
    }

    await allReleased(served);
    await waitUntil(
      () => activeResources().sockets <= baseline.sockets && activeResources().timers <= baseline.timers,
      `sockets and timers back to ${JSON.stringify(baseline)} (now ${JSON.stringify(activeResources())})`,
    );
    expect(served.hub.stats()).toEqual({ connections: 0, streams: 0, heartbeatTimers: 0 });
    expect(served.store.activeSubscriptions).toBe(0);
    expect(await served.server.connections()).toBe(0);
  }, 60_000);
}

/**
 * One connect/abort cycle; three kinds of client leave at three moments: live (after
 * `caught-up`), as soon as the response head arrives, and before any response at all.
 */
async function cycle(served: Served, n: number): Promise<void> {
  if (n % 3 === 2) return abortBeforeResponse(served.url);
  const connection = await openSse(served.url);
  if (n % 3 === 0) await connection.waitForCaughtUp();
  connection.close();
}

function abortBeforeResponse(url: string): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, headers: { accept: 'text/event-stream' } });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.once('socket', (socket) => socket.once('connect', () => setImmediate(() => req.destroy())));
    req.end();
  });
}

async function allReleased(served: Served): Promise<void> {
  await waitUntil(
    async () => {
      const stats = served.hub.stats();
      return (
        stats.connections === 0 &&
        stats.streams === 0 &&
        stats.heartbeatTimers === 0 &&
        served.store.activeSubscriptions === 0 &&
        (await served.server.connections()) === 0
      );
    },
    `every connection released (hub ${JSON.stringify(served.hub.stats())}, store subscriptions ${served.store.activeSubscriptions})`,
  );
}

/** Sockets and (ref'd) timers of this process, as Node counts them. */
function activeResources(): { sockets: number; timers: number } {
  const resources = process.getActiveResourcesInfo();
  return {
    sockets: resources.filter((name) => name === 'TCPSocketWrap').length,
    timers: resources.filter((name) => name === 'Timeout').length,
  };
}
