/**
 * Drills on a real six-node Redis Cluster (three masters, three replicas) with three app servers,
 * each with its own `Cluster` client and store; streams spread over all three masters; readers
 * over real HTTP, some hopping between the apps with their cursors, some staying connected.
 *
 * 1. Spread and hop: 0 lost, 0 duplicated, no reset.
 * 2. Slots of live streams resharded under load (`redis-cli --cluster reshard`): the same.
 * 3. A master SIGKILLed mid-stream, its replica promoted (`waitForReplicas: 1`): every reader ends
 *    with exactly the log as it finally is; a reset only where the log really went backwards.
 * 4. Every node restarted at once, without persistence: every reader gets a reset and then the
 *    whole new log; none hangs.
 *
 * Bounded by default; CLUSTER_DRILL_EVENTS sets the events per stream (e.g. 5000 for a full run).
 */
import { type RedisClusterHandle, startRedisCluster } from '@resumable-sse/testkit/redis-cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClusterApp,
  finalLog,
  judge,
  type PublishFigures,
  publishSequence,
  type ReaderResult,
  readUntil,
  startClusterApp,
} from './support/cluster-drill.ts';
import { recordFigure } from './support/figures.ts';
import { runSeed, seededRandom } from './support/seeded-random.ts';
import { describeSequence, range } from './support/sequence-check.ts';

const EVENTS = Number(process.env.CLUSTER_DRILL_EVENTS ?? 300);
const STREAMS_PER_MASTER = 2;
const DEADLINE_MS = 60_000 + EVENTS * 30;
const SEED = runSeed(20);

let cluster: RedisClusterHandle;
const apps: ClusterApp[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);

afterAll(async () => {
  for (const app of apps.splice(0)) await app.stop().catch(() => {});
  await cluster?.stop();
});

async function startApps(tuning: Parameters<typeof startClusterApp>[1] = {}): Promise<ClusterApp[]> {
  for (const app of apps.splice(0)) await app.stop();
  const started = await Promise.all([0, 1, 2].map(() => startClusterApp(cluster.startupNodes, tuning)));
  apps.push(...started);
  return started;
}

async function mastersWithSlots(): Promise<Array<{ port: number; has: (slot: number) => boolean }>> {
  return (await cluster.nodes())
    .filter((node) => node.role === 'master' && !node.failed && node.slots.length > 0)
    .map((node) => ({
      port: node.port,
      has: (slot: number) => node.slots.some(([from, to]) => slot >= from && slot <= to),
    }));
}

/** Stream names whose slots satisfy `wanted`, found by asking the cluster. */
async function streamsWhere(
  label: string,
  count: number,
  wanted: (slot: number) => boolean,
): Promise<string[]> {
  const names: string[] = [];
  for (let index = 0; names.length < count; index++) {
    const name = `${label}-${index}`;
    if (wanted(await cluster.slotOf(`rsse:{${name}}:log`))) names.push(name);
  }
  return names;
}

interface DrillRun {
  readonly results: Map<string, ReaderResult[]>;
  readonly figures: PublishFigures;
}

/** Publishes 1..EVENTS on every stream while two readers per stream (one hopping) read them. */
async function run(
  streams: readonly string[],
  servers: readonly ClusterApp[],
  fault: (seq: number) => Promise<void> | void,
): Promise<DrillRun> {
  const deadline = Date.now() + DEADLINE_MS;
  const figures: PublishFigures = { retries: 0, deduplicated: 0 };
  const urls = (stream: string) => servers.map((server) => `${server.url}/${stream}`);
  const readers = streams.map((stream, index) =>
    Promise.all([
      readUntil({ urls: urls(stream), random: seededRandom(SEED + 10 * index), lastSeq: EVENTS, deadline }),
      readUntil({
        urls: urls(stream),
        random: seededRandom(SEED + 10 * index + 1),
        lastSeq: EVENTS,
        deadline,
        hopEvery: 25,
      }),
    ]),
  );
  // The fault fires once, from the first stream's publisher; the others keep publishing meanwhile.
  await Promise.all(
    streams.map((stream, index) =>
      publishSequence({
        apps: servers,
        stream,
        from: 1,
        to: EVENTS,
        random: seededRandom(SEED + 1_000 + index),
        deadline,
        figures,
        before: index === 0 ? fault : undefined,
      }),
    ),
  );
  const settled = await Promise.all(readers);
  return { results: new Map(streams.map((stream, index) => [stream, settled[index]!])), figures };
}

function report(name: string, started: number, run: DrillRun, logs: Map<string, number[]>, extra = ''): void {
  const lines: string[] = [];
  let lost = 0;
  let duplicated = 0;
  let resets = 0;
  for (const [stream, results] of run.results) {
    for (const [index, result] of results.entries()) {
      const verdict = judge(result, logs.get(stream)!);
      lost += verdict.report.lost.length;
      duplicated += verdict.report.duplicated.length;
      resets += verdict.resets;
      lines.push(
        `${stream} reader ${index}: ${describeSequence(verdict.report)}, resets ${verdict.resets}, connections ${result.connections}, cut ${result.cuts}`,
      );
    }
  }
  const summary = `${name}: ${run.results.size} streams × ${EVENTS} events, ${run.results.size * 2} readers; lost ${lost}, duplicated ${duplicated}, resets ${resets}; publish retries ${run.figures.retries} (deduplicated ${run.figures.deduplicated})${extra}; ${((Date.now() - started) / 1000).toFixed(1)} s`;
  console.log([summary, ...lines].join('\n'));
  recordFigure(name, [summary, ...lines]);
}

async function logsOf(streams: readonly string[], app: ClusterApp): Promise<Map<string, number[]>> {
  return new Map(
    await Promise.all(streams.map(async (stream) => [stream, await finalLog(app.store, stream)] as const)),
  );
}

describe('Redis Cluster drills (three masters, three replicas, three apps)', () => {
  it('1. streams on every master, readers hopping between apps: 0 lost, 0 duplicated, no reset', async () => {
    const started = Date.now();
    const servers = await startApps();
    const masters = await mastersWithSlots();
    expect(masters).toHaveLength(3);
    const streams = (
      await Promise.all(
        masters.map((master, index) => streamsWhere(`spread${index}`, STREAMS_PER_MASTER, master.has)),
      )
    ).flat();
    const outcome = await run(streams, servers, () => {});
    const logs = await logsOf(streams, servers[0]!);
    report('cluster spread', started, outcome, logs);
    for (const [stream, results] of outcome.results) {
      expect(logs.get(stream)).toEqual(range(1, EVENTS));
      for (const result of results) {
        const verdict = judge(result, range(1, EVENTS));
        expect(verdict.report.lost).toEqual([]);
        expect(verdict.report.duplicated).toEqual([]);
        expect(verdict.report.outOfOrder).toBe(0);
        expect(verdict.resets).toBe(0);
      }
    }
    // The hopping readers really moved between apps.
    const hops = [...outcome.results.values()].reduce((sum, results) => sum + results[1]!.connections, 0);
    expect(hops).toBeGreaterThan(streams.length * 5);
  }, 120_000);

  it('2. slots of live streams resharded under load: MOVED/ASK handled, 0 lost, 0 duplicated, none stuck', async () => {
    const started = Date.now();
    const servers = await startApps({ resubscribeGraceMs: 10_000 });
    const [from, to] = await mastersWithSlots();
    const moving = new Set(await cluster.lowestSlots(from!.port, 100));
    const streams = [
      ...(await streamsWhere('moving', 4, (slot) => moving.has(slot))),
      ...(await streamsWhere('staying', 2, (slot) => !moving.has(slot))),
    ];
    let resharding: Promise<void> | undefined;
    const outcome = await run(streams, servers, (seq) => {
      if (seq === Math.floor(EVENTS / 3)) resharding = cluster.reshard(from!.port, to!.port, moving.size);
    });
    await resharding;
    for (const stream of streams.slice(0, 4)) {
      expect(await cluster.ownerOf(await cluster.slotOf(`rsse:{${stream}}:log`))).toBe(to!.port);
    }
    const logs = await logsOf(streams, servers[1]!);
    report('cluster reshard', started, outcome, logs, `, ${moving.size} slots moved`);
    for (const [stream, results] of outcome.results) {
      expect(logs.get(stream)).toEqual(range(1, EVENTS));
      for (const result of results) {
        const verdict = judge(result, range(1, EVENTS));
        expect(verdict.report.lost).toEqual([]);
        expect(verdict.report.duplicated).toEqual([]);
        expect(verdict.resets).toBe(0);
      }
    }
  }, 120_000);

  it('3. a master killed mid-stream, its replica promoted: never a silent gap, a reset only where the log went back', async () => {
    const started = Date.now();
    const servers = await startApps({
      waitForReplicas: 1,
      replicaWaitTimeoutMs: 500,
      resubscribeGraceMs: 10_000,
    });
    const masters = await mastersWithSlots();
    const victim = masters[0]!;
    const streams = [
      ...(await streamsWhere('killed', 3, victim.has)),
      ...(await streamsWhere('elsewhere', 2, (slot) => !victim.has(slot))),
    ];
    let killing: Promise<number> | undefined;
    // Until the killed node is back as the new master's replica, that shard cannot confirm appends.
    const outcome = await run(streams, servers, (seq) => {
      if (seq === Math.floor(EVENTS / 3)) {
        killing = cluster.killMaster(victim.port).then(async (promotedPort) => {
          await cluster.rejoin(victim.port, promotedPort);
          return promotedPort;
        });
      }
    });
    const promoted = await killing;
    expect(promoted).not.toBe(victim.port);
    const logs = await logsOf(streams, servers[2]!);
    report('cluster master killed', started, outcome, logs, `, master ${victim.port} → ${promoted}`);
    for (const [stream, results] of outcome.results) {
      // waitForReplicas: every acknowledged publish survived the failover, exactly once.
      expect(logs.get(stream), stream).toEqual(range(1, EVENTS));
      for (const result of results) {
        const verdict = judge(result, logs.get(stream)!);
        expect(verdict.silentGap).toBe(false);
        expect(verdict.report.lost).toEqual([]);
        expect(verdict.report.duplicated).toEqual([]);
        expect(verdict.needlessResets).toBe(0);
      }
    }
    // The kill really cut connections under the readers of the killed master's streams.
    const cut = streams
      .slice(0, 3)
      .reduce(
        (sum, stream) => sum + outcome.results.get(stream)!.reduce((n, result) => n + result.cuts, 0),
        0,
      );
    expect(cut + outcome.figures.retries).toBeGreaterThan(0);
  }, 180_000);

  it('4. the whole cluster restarted (no persistence): every reader resets, gets the whole new log, none hangs', async () => {
    const started = Date.now();
    await cluster.restart();
    const servers = await startApps({ resubscribeGraceMs: 1_000 });
    const masters = await mastersWithSlots();
    const streams = (
      await Promise.all(masters.map((master, index) => streamsWhere(`restart${index}`, 1, master.has)))
    ).flat();
    let restarting: Promise<void> | undefined;
    const outcome = await run(streams, servers, (seq) => {
      if (seq === Math.floor(EVENTS / 2)) restarting = cluster.restart();
    });
    await restarting;
    const logs = await logsOf(streams, servers[0]!);
    report('cluster restarted', started, outcome, logs);
    for (const [stream, results] of outcome.results) {
      const log = logs.get(stream)!;
      // The old log is gone; the new one holds what was published after the restart.
      expect(log.at(-1)).toBe(EVENTS);
      expect(log[0]).toBeGreaterThan(1);
      for (const result of results) {
        const verdict = judge(result, log);
        expect(verdict.resets).toBeGreaterThanOrEqual(1);
        expect(verdict.report.lost).toEqual([]);
        expect(verdict.report.duplicated).toEqual([]);
        expect(verdict.needlessResets).toBe(0);
      }
    }
  }, 180_000);
});
