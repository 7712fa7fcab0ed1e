/**
 * Scale: tens of thousands of idle connections on one server process. How long accepting them
 * takes, what each costs in RSS and JS heap, how long one event takes to reach every one, and what
 * the heartbeats cost while they sit idle.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Child } from '../harness/child-process.ts';
import type { LoadReport, PublishResult, ServerStats } from '../harness/messages.ts';
import { openSubscribers } from './fanout.ts';

export interface ScaleOptions {
  readonly connections: number;
  /** Connections per load-generator process (each has its own source address and descriptors). */
  readonly perLoadProcess: number;
  /** How long the heartbeat CPU is measured; at least two heartbeat intervals. */
  readonly heartbeatWindowMs: number;
  readonly payloadBytes: number;
}

export interface ScaleSample {
  readonly connections: number;
  /** From the first connect to the last response's headers, ms. */
  readonly acceptMs: number;
  readonly rssPerConnection: number;
  readonly heapPerConnection: number;
  /** Publish → the last connection's receipt of one event, ms. */
  readonly oneEventMs: number;
  /** Server CPU while only heartbeats flow, % of one core. */
  readonly heartbeatCpuPercent: number;
  /** Connections that never got the event. */
  readonly missed: number;
}

/** `total` split into parts of at most `size`, as even as possible. */
export function splitEvenly(total: number, size: number): number[] {
  const parts = Math.max(1, Math.ceil(total / size));
  return Array.from(
    { length: parts },
    (_, index) => Math.floor(total / parts) + (index < total % parts ? 1 : 0),
  );
}

async function untilEveryLatency(
  clients: readonly Child[],
  sizes: readonly number[],
  timeoutMs: number,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reports = await Promise.all(clients.map((client) => client.request<LoadReport>({ cmd: 'report' })));
    const complete = reports.every((report, index) => report.latenciesMs.length >= sizes[index]!);
    if (complete || Date.now() > deadline) return reports.flatMap((report) => report.latenciesMs);
    await sleep(100);
  }
}

export async function measureScale(server: Child, options: ScaleOptions): Promise<ScaleSample> {
  const warmup = await openSubscribers(server, 50);
  await warmup.client.stop();
  await sleep(200);
  const before = await server.request<ServerStats>({ cmd: 'gc' });
  const sizes = splitEvenly(options.connections, options.perLoadProcess);
  const opened = await Promise.allSettled(
    sizes.map((size, index) =>
      openSubscribers(server, size, {
        concurrency: 512,
        latencySamples: size,
        localAddress: `127.0.0.${2 + index}`,
      }),
    ),
  );
  const clients = opened.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.client] : []));
  try {
    const failure = opened.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    const connected = opened.flatMap((outcome) =>
      outcome.status === 'fulfilled' ? [outcome.value.connected] : [],
    );
    const acceptMs =
      Math.max(...connected.map((each) => each.connectedAt)) -
      Math.min(...connected.map((each) => each.startedAt));
    const after = await server.request<ServerStats>({ cmd: 'gc' });

    await server.request<PublishResult>({
      cmd: 'publish',
      count: 1,
      payloadBytes: options.payloadBytes,
      burst: 1,
    });
    // The payload carries its publish time; heartbeats carry none, so they cannot pass for it.
    const latencies = await untilEveryLatency(clients, sizes, 60_000);
    const oneEventMs = latencies.length > 0 ? Math.max(...latencies) : Number.NaN;

    await server.request({ cmd: 'mark' });
    await sleep(options.heartbeatWindowMs);
    const idle = await server.request<ServerStats>({ cmd: 'stats' });
    return {
      connections: options.connections,
      acceptMs,
      rssPerConnection: (after.rss - before.rss) / options.connections,
      heapPerConnection: (after.heapUsed - before.heapUsed) / options.connections,
      oneEventMs,
      heartbeatCpuPercent: idle.cpuUs / 10 / idle.wallMs,
      missed: options.connections - latencies.length,
    };
  } finally {
    await Promise.all(clients.map((client) => client.stop()));
  }
}
