/**
 * The orchestrator: runs every scenario `runs` times, each contender in its own server process
 * and each load in its own load-generator process, interleaving contenders within a run so a
 * machine that slows down mid-run slows everyone alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisClusterHandle, startRedisCluster } from '@resumable-sse/testkit/redis-cluster';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import type { BenchConfig } from './config.ts';
import { spawnChild } from './harness/child-process.ts';
import type { ServerConfig } from './harness/messages.ts';
import { median } from './harness/stats.ts';
import { type MachineNotes, machineNotes } from './machine.ts';
import type { AppendRow } from './micro/append.ts';
import type { ClusterCommand, ClusterRow, ClusterTarget } from './micro/cluster.ts';
import type { SeekRow } from './micro/seek.ts';
import { type FanoutSample, measureFanout } from './scenarios/fanout.ts';
import { type IdleMemorySample, measureIdleMemory } from './scenarios/idle-memory.ts';
import { type LatencySample, measureLatency } from './scenarios/latency.ts';
import { measureStorm, type StormSample } from './scenarios/storm.ts';

/** Per contender, one sample per run (a failed measurement is `null`, with its error logged). */
export type Samples<T> = Record<string, Array<T | null>>;

export interface BenchResults {
  readonly config: BenchConfig;
  readonly machine: MachineNotes;
  readonly fanout: Record<number, Samples<FanoutSample>>;
  readonly latency: Samples<LatencySample>;
  readonly idle: Samples<IdleMemorySample>;
  readonly seek: Array<SeekRow[] | null>;
  readonly storm: Record<number, Samples<StormSample>>;
  readonly append: Samples<AppendRow>;
  readonly cluster: Samples<ClusterRow>;
  readonly errors: string[];
  readonly durationMs: number;
}

export interface BenchHooks {
  readonly log?: (line: string) => void;
}

export async function runBench(config: BenchConfig, hooks: BenchHooks = {}): Promise<BenchResults> {
  const log = hooks.log ?? (() => {});
  const started = Date.now();
  const errors: string[] = [];
  const machineBefore = await machineNotes();
  if (machineBefore.busyBefore > 0.25) {
    log(
      `note: ${Math.round(machineBefore.busyBefore * 100)} % of the cores were busy before the run; ` +
        'throughput figures will be noisy (CPU per delivery and the ratios less so)',
    );
  }
  const record = async <T>(label: string, work: () => Promise<T>): Promise<T | null> => {
    try {
      return await work();
    } catch (error) {
      const message = `${label}: ${error instanceof Error ? error.message : String(error)}`;
      errors.push(message);
      log(`  ! ${message}`);
      return null;
    }
  };
  const phase = (name: string): void => log(`— ${name} (${((Date.now() - started) / 1000).toFixed(0)} s in)`);
  const push = <T>(samples: Samples<T>, key: string, value: T | null): void => {
    const list = samples[key] ?? [];
    list.push(value);
    samples[key] = list;
  };

  phase('fan-out');
  // 1 — fan-out.
  const fanout: Record<number, Samples<FanoutSample>> = {};
  for (let run = 1; run <= config.runs; run += 1) {
    for (const contender of config.fanout.contenders) {
      const server = await record(`fan-out ${contender} start`, () =>
        spawnChild({ script: `servers/${contender}.ts` }),
      );
      /** About `deliveries` frames to `subscribers` connections: events = deliveries / subscribers. */
      const fanoutPass = (live: NonNullable<typeof server>, subscribers: number, deliveries: number) =>
        measureFanout(live, {
          subscribers,
          events: Math.max(10, Math.round(deliveries / subscribers)),
          payloadBytes: config.payloadBytes,
          burst: config.fanout.burst,
        });
      const smallest = Math.min(...config.fanout.subscribers);
      if (server && config.fanout.warmupDeliveries > 0) {
        await record(`fan-out ${contender} warm-up`, () =>
          fanoutPass(server, smallest, config.fanout.warmupDeliveries),
        );
      }
      for (const subscribers of config.fanout.subscribers) {
        const sample = server
          ? await record(`fan-out ${contender} ×${subscribers}`, () =>
              fanoutPass(server, subscribers, config.fanout.deliveries),
            )
          : null;
        fanout[subscribers] ??= {};
        push(fanout[subscribers], contender, sample);
        if (sample)
          log(
            `fan-out  run ${run} ${contender.padEnd(15)} ${String(subscribers).padStart(5)} subs  ${Math.round(sample.deliveriesPerSec).toLocaleString('en-US')} deliveries/s  cpu ${sample.serverCpuPercent.toFixed(0)} %`,
          );
      }
      await server?.stop();
    }
  }

  phase('latency');
  // 2 — latency at half of each contender's own peak (median fan-out rate nearest that size).
  const latency: Samples<LatencySample> = {};
  const nearest = config.fanout.subscribers.reduce((best, size) =>
    Math.abs(size - config.latency.subscribers) < Math.abs(best - config.latency.subscribers) ? size : best,
  );
  for (let run = 1; run <= config.runs; run += 1) {
    for (const contender of config.latency.contenders) {
      const peak = median(
        (fanout[nearest]?.[contender] ?? []).map((sample) => sample?.deliveriesPerSec ?? Number.NaN),
      );
      const eventsPerSec = Math.max(1, Math.round((0.5 * peak) / config.latency.subscribers));
      const sample = await record(`latency ${contender}`, async () => {
        if (!Number.isFinite(peak))
          throw new Error(`no fan-out rate measured at ${nearest} subscribers to take half of`);
        const server = await spawnChild({ script: `servers/${contender}.ts` });
        try {
          return await measureLatency(server, {
            ...config.latency,
            eventsPerSec,
            payloadBytes: config.payloadBytes,
            burst: config.fanout.burst,
          });
        } finally {
          await server.stop();
        }
      });
      push(latency, contender, sample);
      if (sample)
        log(
          `latency  run ${run} ${contender.padEnd(15)} ${eventsPerSec} ev/s  p50 ${sample.p50Ms.toFixed(2)} ms  p99 ${sample.p99Ms.toFixed(2)} ms`,
        );
    }
  }

  phase('idle memory');
  // 3 — memory per idle subscriber.
  const idle: Samples<IdleMemorySample> = {};
  for (let run = 1; run <= config.runs; run += 1) {
    for (const contender of config.idle.contenders) {
      const sample = await record(`idle memory ${contender}`, async () => {
        const server = await spawnChild({ script: `servers/${contender}.ts` });
        try {
          return await measureIdleMemory(server, config.idle.connections);
        } finally {
          await server.stop();
        }
      });
      push(idle, contender, sample);
      if (sample)
        log(
          `memory   run ${run} ${contender.padEnd(15)} ${(sample.rssPer1000 / 1024 / 1024).toFixed(2)} MiB RSS per 1,000 idle, ${(sample.youngGenerationPer1000 / 1024 / 1024).toFixed(2)} MiB of it young generation`,
        );
    }
  }

  phase('seek');
  // 4 — seek cost.
  const seek: Array<SeekRow[] | null> = [];
  for (let run = 1; run <= config.runs; run += 1) {
    const rows = await record('seek', async () => {
      const child = await spawnChild({ script: 'micro/seek.ts', expectPort: false });
      try {
        return await child.request<SeekRow[]>({ cmd: 'run', ...config.seek }, 300_000);
      } finally {
        await child.stop();
      }
    });
    seek.push(rows);
    for (const row of rows ?? [])
      log(
        `seek     run ${run} retention ${row.retention.toLocaleString('en-US').padStart(9)}  ring ${row.ringNs.toFixed(0)} ns  store ${row.storeNs.toFixed(0)} ns  findIndex ${row.linearNs.toFixed(0)} ns`,
      );
  }

  phase('storm and append');
  // 5 and 6 need Redis and SQLite files.
  const storm: Record<number, Samples<StormSample>> = {};
  const append: Samples<AppendRow> = {};
  const clusterRows: Samples<ClusterRow> = {};
  const redis = await record('redis-server', () => startRedisServer());
  const scratch = mkdtempSync(join(tmpdir(), 'rsse-bench-'));
  try {
    for (let run = 1; run <= config.runs; run += 1) {
      for (const clients of config.storm.clients) {
        storm[clients] ??= {};
        for (const contender of config.storm.contenders) {
          const sample = await record(`storm ${contender} ×${clients}`, async () => {
            const { script, serverConfig } = stormServer(
              contender,
              redis,
              join(scratch, `storm-${run}-${clients}.db`),
            );
            const restore =
              contender.endsWith('-unbounded') && redis ? await liftPubSubLimit(redis) : undefined;
            const server = await spawnChild({
              script,
              env: { BENCH_SERVER_CONFIG: JSON.stringify(serverConfig) },
            });
            try {
              return await measureStorm(server, {
                ...config.storm,
                clients,
                payloadBytes: config.payloadBytes,
              });
            } finally {
              await server.stop();
              await restore?.();
              await redis?.flushAll();
            }
          });
          push(storm[clients], contender, sample);
          if (sample)
            log(
              `storm    run ${run} ${contender.padEnd(26)} ${String(clients).padStart(5)} clients  caught up ${sample.caughtUp}, last after ${sample.lastCaughtUpMs.toFixed(0)} ms  peak RSS +${(sample.peakRssDelta / 1024 / 1024).toFixed(1)} MiB`,
            );
        }
      }
      for (const store of config.append.stores) {
        const row = await record(`append ${store}`, async () => {
          const child = await spawnChild({ script: 'micro/append.ts', expectPort: false });
          try {
            const serverConfig: ServerConfig = {
              store: store as ServerConfig['store'],
              sqlitePath: join(scratch, `append-${run}.db`),
              ...(redis ? { redisUrl: redis.url } : {}),
            };
            return await child.request<AppendRow>(
              {
                cmd: 'run',
                config: serverConfig,
                events: config.append.events,
                payloadBytes: config.payloadBytes,
              },
              300_000,
            );
          } finally {
            await child.stop();
            await redis?.flushAll();
          }
        });
        push(append, store, row);
        if (row)
          log(
            `append   run ${run} ${store.padEnd(16)} single ${Math.round(row.single)}/s  concurrent ${Math.round(row.concurrent)}/s  batch ${Math.round(row.batch)}/s`,
          );
      }
    }
    phase('cluster');
    // 7 — one Redis vs a three-master cluster, in the same run.
    if (config.cluster.targets.length > 0) {
      const cluster = await record('redis cluster', () => startRedisCluster());
      try {
        for (let run = 1; run <= config.runs; run += 1) {
          for (const name of config.cluster.targets) {
            const target = clusterTarget(name, redis, cluster);
            const row = await record(`cluster ${name}`, async () => {
              if (target === undefined) throw new Error('its Redis did not start');
              const child = await spawnChild({ script: 'micro/cluster.ts', expectPort: false });
              try {
                const command: ClusterCommand = {
                  target,
                  events: config.cluster.events,
                  streams: config.cluster.streams,
                  subscribersPerStream: config.cluster.subscribersPerStream,
                  payloadBytes: config.payloadBytes,
                };
                return await child.request<ClusterRow>({ cmd: 'run', ...command }, 300_000);
              } finally {
                await child.stop();
                if (name === 'redis') await redis?.flushAll();
              }
            });
            push(clusterRows, name, row);
            if (row)
              log(
                `cluster  run ${run} ${name.padEnd(16)} appends ${Math.round(row.appendsPerSec)}/s  deliveries ${Math.round(row.deliveriesPerSec)}/s  bus messages ${row.busMessagesPerAppend.toFixed(2)} per append`,
              );
          }
        }
      } finally {
        await cluster?.stop();
      }
    }
  } finally {
    await redis?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }

  return {
    config,
    machine: { ...machineBefore, loadAfter: (await machineNotes()).loadBefore },
    fanout,
    latency,
    idle,
    seek,
    storm,
    append,
    cluster: clusterRows,
    errors,
    durationMs: Date.now() - started,
  };
}

function clusterTarget(
  name: string,
  redis: RedisServerHandle | null,
  cluster: RedisClusterHandle | null,
): ClusterTarget | undefined {
  if (name === 'redis') return redis ? { kind: 'redis', url: redis.url } : undefined;
  if (!cluster) return undefined;
  return {
    kind: 'cluster',
    nodes: cluster.startupNodes.map((node) => ({ ...node })),
    pubSub: name === 'cluster-classic' ? 'classic' : 'sharded',
  };
}

/**
 * resumable-stream replays through Redis Pub/Sub, and Redis drops a subscriber whose output
 * buffer passes `client-output-buffer-limit pubsub` (32 MiB by default). Lifts it; returns the
 * function that puts the previous value back.
 */
async function liftPubSubLimit(redis: RedisServerHandle): Promise<() => Promise<void>> {
  const previous = (await redis.command('CONFIG', 'GET', 'client-output-buffer-limit')).split('\n')[1] ?? '';
  await redis.command('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 0 0 0');
  return async () => {
    if (previous) await redis.command('CONFIG', 'SET', 'client-output-buffer-limit', previous);
  };
}

function stormServer(
  contender: string,
  redis: RedisServerHandle | null,
  sqlitePath: string,
): { script: string; serverConfig: ServerConfig } {
  const redisUrl = redis?.url;
  if (contender.startsWith('resumable-stream'))
    return { script: 'servers/resumable-stream.ts', serverConfig: { redisUrl } };
  return {
    script: 'servers/ours-express.ts',
    serverConfig: { store: contender as ServerConfig['store'], sqlitePath, redisUrl },
  };
}
