/**
 * Scenario 1 — fan-out: one publisher, S subscribers on loopback, 256-byte events published as
 * fast as the server takes them. Deliveries per second run from the first publish to the last
 * frame arriving at the load generator; CPU is the server's own `process.cpuUsage` over the window.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Child, spawnChild } from '../harness/child-process.ts';
import type {
  AwaitResult,
  ConnectResult,
  LoadReport,
  PublishResult,
  ServerStats,
} from '../harness/messages.ts';

export interface FanoutSample {
  readonly subscribers: number;
  readonly events: number;
  readonly deliveriesPerSec: number;
  /** Server CPU over the window, in % of one core. */
  readonly serverCpuPercent: number;
  /** Server CPU per delivery, in microseconds. */
  readonly cpuUsPerDelivery: number;
  /** Load generator CPU over the window, in % of one core (near 100 % would mean it limited the run). */
  readonly clientCpuPercent: number;
  /** Connections that did not get every event (should be 0). */
  readonly incomplete: number;
}

export interface FanoutOptions {
  readonly subscribers: number;
  readonly events: number;
  readonly payloadBytes: number;
  /** Events published per macrotask. */
  readonly burst: number;
  readonly timeoutMs?: number;
}

/** Opens `count` idle subscribers to `server` in a fresh load-generator process. */
export async function openSubscribers(
  server: Child,
  count: number,
  extra: {
    latencySamples?: number;
    concurrency?: number;
    lastEventId?: string;
    localAddress?: string;
  } = {},
): Promise<{ client: Child; connected: ConnectResult }> {
  const client = await spawnChild({
    script: 'load/sse-load.ts',
    expectPort: false,
    env: {
      BENCH_LOAD_CONFIG: JSON.stringify({
        port: server.port,
        path: '/stream',
        connections: count,
        concurrency: extra.concurrency ?? 256,
        lastEventId: extra.lastEventId,
        latencySamples: extra.latencySamples ?? 0,
        localAddress: extra.localAddress,
      }),
    },
  });
  const connected = await client.request<ConnectResult>({ cmd: 'connect' });
  if (connected.failed > 0) {
    await client.stop();
    throw new Error(`${connected.failed} of ${count} connections failed to open`);
  }
  // Let each contender's connect preamble (retry:, caught-up) arrive before counting starts.
  await sleep(300);
  await client.request({ cmd: 'reset' });
  return { client, connected };
}

export async function measureFanout(server: Child, options: FanoutOptions): Promise<FanoutSample> {
  const { subscribers, events, payloadBytes } = options;
  const { client } = await openSubscribers(server, subscribers);
  try {
    await server.request({ cmd: 'mark' });
    const published = server.request<PublishResult>({
      cmd: 'publish',
      count: events,
      payloadBytes,
      burst: options.burst,
    });
    const done = await client.request<AwaitResult>({
      cmd: 'await',
      frames: events,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    const stats = await server.request<ServerStats>({ cmd: 'stats' });
    const { startedAt } = await published;
    const load = await client.request<LoadReport>({ cmd: 'report' });
    const elapsedMs = done.doneAt - startedAt;
    const deliveries = Math.min(done.totalFrames, events * subscribers);
    return {
      subscribers,
      events,
      deliveriesPerSec: deliveries / (elapsedMs / 1000),
      serverCpuPercent: stats.cpuUs / 10 / stats.wallMs,
      cpuUsPerDelivery: stats.cpuUs / Math.max(1, deliveries),
      clientCpuPercent: load.cpuUs / 10 / stats.wallMs,
      incomplete: subscribers - done.complete,
    };
  } finally {
    await client.stop();
  }
}
