/**
 * Smoke test: the whole harness at a tiny size — servers and load generators in their own
 * processes, the micro-benchmarks, Redis and SQLite — for one contender of each kind. It checks
 * that every figure is a well-formed number and the reports render; it asserts no timing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type BenchResults, runBench } from './bench.ts';
import type { BenchConfig } from './config.ts';
import { writeResults } from './run.ts';

const TINY: BenchConfig = {
  label: 'tiny',
  runs: 1,
  payloadBytes: 256,
  // The limit, a peer, and one of ours.
  fanout: {
    contenders: ['bare', 'better-sse', 'ours-express'],
    subscribers: [10, 40],
    deliveries: 800,
    burst: 10,
    warmupDeliveries: 200,
  },
  latency: { contenders: ['better-sse'], subscribers: 10, durationMs: 200, sampledConnections: 5 },
  idle: { contenders: ['bare', 'ours-hono'], connections: 40 },
  seek: { retentions: [500, 20_000], limit: 50, budgetMs: 10 },
  // One of our stores, and the Vercel peer on the same Redis.
  storm: {
    contenders: ['memory', 'resumable-stream'],
    clients: [10],
    behind: 20,
    seedEvents: 40,
    timeoutMs: 20_000,
    stallMs: 5_000,
  },
  append: { stores: ['sqlite'], events: 200 },
  cluster: { targets: ['redis', 'cluster-sharded'], events: 100, streams: 6, subscribersPerStream: 2 },
};

const positive = (value: number) => Number.isFinite(value) && value > 0;

describe('bench harness at a tiny size', () => {
  const out = mkdtempSync(join(tmpdir(), 'rsse-bench-test-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  let results: BenchResults;

  it('runs every scenario without a failed measurement', { timeout: 180_000 }, async () => {
    results = await runBench(TINY);
    expect(results.errors).toEqual([]);
  });

  it('measures fan-out for each contender at each size, every subscriber getting every event', () => {
    for (const size of TINY.fanout.subscribers) {
      for (const contender of TINY.fanout.contenders) {
        const [sample] = results.fanout[size]![contender]!;
        expect(sample).toMatchObject({ subscribers: size, incomplete: 0 });
        expect(positive(sample!.deliveriesPerSec)).toBe(true);
        expect(positive(sample!.cpuUsPerDelivery)).toBe(true);
        expect(Number.isFinite(sample!.serverCpuPercent)).toBe(true);
      }
    }
  });

  it('samples latencies at a positive rate', () => {
    const [sample] = results.latency['better-sse']!;
    expect(sample!.samples).toBeGreaterThan(0);
    expect(positive(sample!.eventsPerSec)).toBe(true);
    expect(Number.isFinite(sample!.p50Ms) && Number.isFinite(sample!.p99Ms)).toBe(true);
    expect(sample!.p99Ms).toBeGreaterThanOrEqual(sample!.p50Ms);
  });

  it('measures idle memory and seek cost as finite numbers', () => {
    for (const contender of TINY.idle.contenders) {
      const [sample] = results.idle[contender]!;
      expect(
        [sample!.rssPer1000, sample!.heapPer1000, sample!.youngGenerationPer1000].every(Number.isFinite),
      ).toBe(true);
    }
    const [rows] = results.seek;
    expect(rows!.map((row) => row.retention)).toEqual(TINY.seek.retentions);
    for (const row of rows!) expect([row.ringNs, row.storeNs, row.linearNs].every(positive)).toBe(true);
  });

  it('catches every storm client up, on our store and on resumable-stream', () => {
    for (const contender of TINY.storm.contenders) {
      const [sample] = results.storm[10]![contender]!;
      expect(sample).toMatchObject({ clients: 10, caughtUp: 10, failed: 0 });
      expect(positive(sample!.allCaughtUpMs) && positive(sample!.peakRss)).toBe(true);
    }
  });

  it('measures append throughput in all three modes', () => {
    const [row] = results.append.sqlite!;
    expect([row!.single, row!.concurrent, row!.batch].every(positive)).toBe(true);
  });

  it('measures one Redis against the cluster, sharded notifications staying on their shard', () => {
    for (const target of TINY.cluster.targets) {
      const [row] = results.cluster[target]!;
      expect([row!.appendsPerSec, row!.deliveriesPerSec].every(positive)).toBe(true);
    }
    expect(results.cluster.redis![0]!.busMessagesPerAppend).toBe(0);
    // Each notification reaches its shard's replica only, and appends joined in one tick share
    // one notification: at most one bus message per append, never a broadcast.
    const sharded = results.cluster['cluster-sharded']![0]!.busMessagesPerAppend;
    expect(sharded).toBeGreaterThan(0);
    expect(sharded).toBeLessThanOrEqual(1.05);
  });

  it('writes the table with a ratio for every pair, and a chart with every contender', () => {
    const { markdown, svg } = writeResults(results, out);
    expect(readFileSync(join(out, 'latest.md'), 'utf8')).toBe(markdown);
    for (const heading of [
      '## Goals',
      '## 1. Fan-out',
      '## 2. Latency',
      '## 3. Memory',
      '## 4. Seek',
      '## 5. Reconnect storm',
      '## 6. Append',
      '## 7. One Redis vs a three-master cluster',
    ]) {
      expect(markdown).toContain(heading);
    }
    expect(markdown).toContain('| ÷ bare | ÷ better-sse | ÷ ours-express |');
    expect(markdown).not.toContain('NaN');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const contender of TINY.fanout.contenders) expect(svg).toContain(`>${contender}</text>`);
    expect(svg.match(/<polyline /g)).toHaveLength(TINY.fanout.contenders.length);
  });
});
