/**
 * Scenario 3 — memory per idle subscriber: the server's RSS after a full GC with N open, quiet
 * connections, minus its RSS before them, per 1,000 connections. A warm-up batch first opens and
 * closes a few connections so code loaded on first use is not billed to the subscribers. Of the
 * RSS growth, the part that is V8's young generation growing is reported on its own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Child } from '../harness/child-process.ts';
import type { ServerStats } from '../harness/messages.ts';
import { openSubscribers } from './fanout.ts';

export interface IdleMemorySample {
  readonly connections: number;
  /** RSS growth per 1,000 idle connections, bytes. */
  readonly rssPer1000: number;
  /** JS heap growth per 1,000 idle connections, bytes. */
  readonly heapPer1000: number;
  /**
   * Growth of the memory V8 reserves for new objects (its young generation), per 1,000
   * connections, bytes. V8 sizes it by how much was allocated and survived lately, up to a fixed
   * cap: a cost of the setup burst, shared by all connections, that does not grow past the cap.
   */
  readonly youngGenerationPer1000: number;
}

export async function measureIdleMemory(server: Child, connections: number): Promise<IdleMemorySample> {
  const warmup = await openSubscribers(server, 50);
  await warmup.client.stop();
  await sleep(200);
  const before = await server.request<ServerStats>({ cmd: 'gc' });
  const { client } = await openSubscribers(server, connections);
  try {
    await sleep(500);
    const after = await server.request<ServerStats>({ cmd: 'gc' });
    return {
      connections,
      rssPer1000: ((after.rss - before.rss) / connections) * 1000,
      heapPer1000: ((after.heapUsed - before.heapUsed) / connections) * 1000,
      youngGenerationPer1000:
        (((after.heapSpaces.new_space ?? 0) - (before.heapSpaces.new_space ?? 0)) / connections) * 1000,
    };
  } finally {
    await client.stop();
  }
}
