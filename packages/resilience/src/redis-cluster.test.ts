/**
 * Drills on a real six-node Redis Cluster (three masters, three replicas) with three app
 * processes, each with its own `Cluster` client and store; streams spread over all three masters;
 * readers over real HTTP, some hopping between the apps with their cursors, some staying connected;
 * publishes over HTTP, retried with their idempotency key until acknowledged.
 *
 * 1. Spread and hop: 0 lost, 0 duplicated, no reset.
 * 2. Slots of live streams resharded under load (`redis-cli --cluster reshard`): the same.
 * 3. A master SIGKILLed mid-stream while cut off from its replica, the replica promoted; without
 *    and with `waitForReplicas: 1`: every reader ends with exactly the log as it finally is, a
 *    reset only where the log really went backwards; with WAIT nothing acknowledged is lost.
 * 4. Every node restarted at once, without persistence: every reader gets a reset and then the
 *    whole new log; none hangs.
 *
 * Bounded by default; CLUSTER_DRILL_EVENTS sets the events per stream (e.g. 5000 for a full run).
 */
import { type RedisStore, redisStore } from '@resumable-sse/redis';
import { type RedisClusterHandle, startRedisCluster } from '@resumable-sse/testkit/redis-cluster';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClusterApp,
  type ClusterAppTuning,
  type FinalLog,
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
/** The test's own view of the logs, on connections of its own. */
let inspector: { client: Cluster; store: RedisStore } | undefined;

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);

afterAll(async () => {
  for (const app of apps.splice(0)) await app.stop().catch(() => {});
  await inspector?.store.close();
  inspector?.client.disconnect();
  await cluster?.stop();
});

/** The apps' tuning: one set without WAIT for most drills, one with it. */
const PLAIN = { resubscribeGraceMs: 10_000 } as const;
const DURABLE = { waitForReplicas: 1, replicaWaitTimeoutMs: 500, resubscribeGraceMs: 10_000 } as const;
let appsTuning: ClusterAppTuning | undefined;

/** Three app processes with `tuning`; the running ones are kept when they already have it. */
async function startApps(tuning: ClusterAppTuning): Promise<ClusterApp[]> {
  if (appsTuning === tuning && apps.length === 3) return [...apps];
  for (const app of apps.splice(0)) await app.stop();
  const started = await Promise.all([0, 1, 2].map(() => startClusterApp(cluster.startupNodes, tuning)));
  apps.push(...started);
  appsTuning = tuning;
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

function report(name: string, started: number, run: DrillRun, logs: Map<string, FinalLog>, extra = ''): void {
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

/**
 * Every reader has exactly its stream's final log (after its last reset, if any), and every reset
 * it got was justified. `exactLog`: that log is 1..EVENTS (nothing acknowledged was lost);
 * `noResets`: and nobody was reset at all.
 */
function expectReaders(
  outcome: DrillRun,
  logs: Map<string, FinalLog>,
  expected: { readonly exactLog: boolean; readonly noResets: boolean },
): void {
  for (const [stream, results] of outcome.results) {
    const log = logs.get(stream)!;
    if (expected.exactLog) expect(log.seqs, stream).toEqual(range(1, EVENTS));
    for (const result of results) {
      const verdict = judge(result, log);
      expect(verdict.silentGap, stream).toBe(false);
      expect(verdict.report.lost, stream).toEqual([]);
      expect(verdict.report.duplicated, stream).toEqual([]);
      expect(verdict.report.outOfOrder, stream).toBe(0);
      expect(verdict.needlessResets, stream).toBe(0);
      if (expected.noResets) expect(verdict.resets, stream).toBe(0);
    }
  }
}

async function logsOf(streams: readonly string[]): Promise<Map<string, FinalLog>> {
  // A fresh client: the cluster may have been restarted since the last one connected.
  await inspector?.store.close();
  inspector?.client.disconnect();
  const client = new Cluster([...cluster.startupNodes]);
  client.on('error', () => {});
  inspector = { client, store: redisStore({ client, maxEvents: Number.MAX_SAFE_INTEGER }) };
  const { store } = inspector;
  return new Map(
    await Promise.all(streams.map(async (stream) => [stream, await finalLog(store, stream)] as const)),
  );
}

describe('Redis Cluster drills (three masters, three replicas, three apps)', () => {
  it(
    '1. streams on every master, readers hopping between apps: 0 lost, 0 duplicated, no reset',
    async () => {
      const started = Date.now();
      const servers = await startApps(PLAIN);
      const masters = await mastersWithSlots();
      expect(masters).toHaveLength(3);
      const streams = (
        await Promise.all(
          masters.map((master, index) => streamsWhere(`spread${index}`, STREAMS_PER_MASTER, master.has)),
        )
      ).flat();
      const outcome = await run(streams, servers, () => {});
      const logs = await logsOf(streams);
      report('cluster spread', started, outcome, logs);
      expectReaders(outcome, logs, { exactLog: true, noResets: true });
      // The hopping readers really moved between apps.
      const hops = [...outcome.results.values()].reduce((sum, results) => sum + results[1]!.connections, 0);
      expect(hops).toBeGreaterThan(streams.length * 5);
    },
    DEADLINE_MS + 60_000,
  );

  it(
    '2. slots of live streams resharded under load: MOVED/ASK handled, 0 lost, 0 duplicated, none stuck',
    async () => {
      const started = Date.now();
      const servers = await startApps(PLAIN);
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
      const logs = await logsOf(streams);
      report('cluster reshard', started, outcome, logs, `, ${moving.size} slots moved`);
      expectReaders(outcome, logs, { exactLog: true, noResets: true });
    },
    DEADLINE_MS + 60_000,
  );

  it.each([
    // Without first: the apps of drills 1 and 2 go on; those with WAIT then serve drill 4 too.
    ['without waitForReplicas (asynchronous replication)', 0],
    ['with waitForReplicas: 1', 1],
  ])(
    '3. a master killed mid-stream, its replica promoted, %s: never a silent gap, a reset only where the log went back',
    async (label, replicas) => {
      const started = Date.now();
      const servers = await startApps(replicas > 0 ? DURABLE : PLAIN);
      const masters = await mastersWithSlots();
      const victim = masters[0]!;
      const streams = [
        ...(await streamsWhere(`killed${replicas}`, 3, victim.has)),
        ...(await streamsWhere(`elsewhere${replicas}`, 2, (slot) => !victim.has(slot))),
      ];
      let killing: Promise<number> | undefined;
      const outcome = await run(streams, servers, (seq) => {
        if (seq === Math.floor(EVENTS / 3)) {
          // Until the killed node is back as the new master's replica, WAIT on that shard cannot succeed.
          // The master dies holding writes its replica never got: acknowledged ones are lost unless
          // the append waited for the replica.
          killing = cluster.killMaster(victim.port, { replicaLagMs: 200 }).then(async (promotedPort) => {
            await cluster.rejoin(victim.port, promotedPort);
            return promotedPort;
          });
        }
      });
      const promoted = await killing;
      expect(promoted).not.toBe(victim.port);
      const logs = await logsOf(streams);
      // Every seq was acknowledged in the end (the publisher retries until it is): a missing one is
      // an acknowledged append the failover dropped.
      const droppedAcks = [...logs.values()].reduce((sum, log) => sum + (EVENTS - new Set(log.seqs).size), 0);
      report(
        `cluster master killed ${label}`,
        started,
        outcome,
        logs,
        `, master ${victim.port} → ${promoted}, acknowledged appends the failover dropped ${droppedAcks}`,
      );
      // With WAIT every acknowledged publish survived, exactly once; a reader may still be reset
      // for an append it saw live whose WAIT failed (the notification goes out first). Without WAIT
      // only the readers' side is promised: each has the log as it is, or was told by a reset.
      expectReaders(outcome, logs, { exactLog: replicas > 0, noResets: false });
      // Without WAIT the cut really cost acknowledged appends, and the readers that had them were
      // told; with WAIT none was lost (the appends during the cut failed and were retried).
      const resets = [...outcome.results.values()]
        .flat()
        .reduce((sum, result) => sum + result.resetsAt.length, 0);
      if (replicas === 0) {
        expect(droppedAcks).toBeGreaterThan(0);
        expect(resets).toBeGreaterThan(0);
      } else {
        expect(droppedAcks).toBe(0);
      }
      for (const log of logs.values()) expect(new Set(log.seqs).size).toBe(log.seqs.length);
      // The kill really cut connections under the readers of the killed master's streams.
      const cut = streams
        .slice(0, 3)
        .reduce(
          (sum, stream) => sum + outcome.results.get(stream)!.reduce((n, result) => n + result.cuts, 0),
          0,
        );
      expect(cut + outcome.figures.retries).toBeGreaterThan(0);
    },
    DEADLINE_MS + 60_000,
  );

  it(
    '4. the whole cluster restarted (no persistence): every reader resets, gets the whole new log, none hangs',
    async () => {
      const started = Date.now();
      await cluster.restart();
      const servers = await startApps(DURABLE);
      const masters = await mastersWithSlots();
      const streams = (
        await Promise.all(masters.map((master, index) => streamsWhere(`restart${index}`, 1, master.has)))
      ).flat();
      let restarting: Promise<void> | undefined;
      const outcome = await run(streams, servers, (seq) => {
        if (seq === Math.floor(EVENTS / 2)) restarting = cluster.restart();
      });
      await restarting;
      const logs = await logsOf(streams);
      report('cluster restarted', started, outcome, logs);
      for (const [stream, results] of outcome.results) {
        const log = logs.get(stream)!;
        // The old log is gone; the new one holds what was published after the restart.
        expect(log.seqs.at(-1)).toBe(EVENTS);
        expect(log.seqs[0]).toBeGreaterThan(1);
        for (const result of results) expect(judge(result, log).resets).toBeGreaterThanOrEqual(1);
      }
      expectReaders(outcome, logs, { exactLog: false, noResets: false });
    },
    DEADLINE_MS + 60_000,
  );
});
