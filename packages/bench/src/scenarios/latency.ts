/**
 * Scenario 2 — latency: events published at a steady rate (half of the contender's own peak
 * fan-out rate), each carrying its publish time; the load generator subtracts it from the
 * arrival time on a sample of connections. Both processes read the same system clock.
 */
import type { Child } from '../harness/child-process.ts';
import type { AwaitResult, LoadReport, PublishResult } from '../harness/messages.ts';
import { percentile } from '../harness/stats.ts';
import { openSubscribers } from './fanout.ts';

export interface LatencySample {
  readonly subscribers: number;
  readonly eventsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly samples: number;
  readonly incomplete: number;
}

export interface LatencyOptions {
  readonly subscribers: number;
  readonly eventsPerSec: number;
  readonly durationMs: number;
  readonly payloadBytes: number;
  /** Events per macrotask, as in the fan-out measurement the rate comes from. */
  readonly burst: number;
  /** Connections whose timestamps are read. */
  readonly sampledConnections: number;
}

export async function measureLatency(server: Child, options: LatencyOptions): Promise<LatencySample> {
  const { subscribers, eventsPerSec, payloadBytes } = options;
  const events = Math.max(20, Math.round((eventsPerSec * options.durationMs) / 1000));
  const { client } = await openSubscribers(server, subscribers, {
    latencySamples: options.sampledConnections,
  });
  try {
    const published = server.request<PublishResult>({
      cmd: 'publish',
      count: events,
      payloadBytes,
      ratePerSec: eventsPerSec,
      burst: options.burst,
    });
    const done = await client.request<AwaitResult>({
      cmd: 'await',
      frames: events,
      timeoutMs: options.durationMs * 4 + 30_000,
    });
    await published;
    const report = await client.request<LoadReport>({ cmd: 'report' });
    const sorted = [...report.latenciesMs].sort((a, b) => a - b);
    return {
      subscribers,
      eventsPerSec,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      samples: sorted.length,
      incomplete: subscribers - done.complete,
    };
  } finally {
    await client.stop();
  }
}
