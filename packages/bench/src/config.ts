/**
 * What one `pnpm bench` run measures and how big. The full size fits in 10 minutes on 2 cores;
 * `BENCH_QUICK=1` is a ~1-minute smoke run with the same scenarios at small sizes;
 * `BENCH_CONTENDERS` picks the servers (names under `src/servers/`) for scenarios 1–3.
 */
export interface BenchConfig {
  readonly label: 'full' | 'quick' | 'tiny';
  /** Repetitions; every figure is the median over them. */
  readonly runs: number;
  readonly payloadBytes: number;
  readonly fanout: {
    readonly contenders: readonly string[];
    readonly subscribers: readonly number[];
    /** Deliveries per measurement: events = deliveries / subscribers. */
    readonly deliveries: number;
    /** Events published per macrotask (see README: "Fan-out"). */
    readonly burst: number;
    /**
     * Deliveries of a discarded pass at the smallest size before each server's first measured
     * one, so every contender is measured with its code compiled, not while V8 is still at it.
     */
    readonly warmupDeliveries: number;
  };
  readonly latency: {
    readonly contenders: readonly string[];
    readonly subscribers: number;
    readonly durationMs: number;
    readonly sampledConnections: number;
  };
  readonly idle: { readonly contenders: readonly string[]; readonly connections: number };
  readonly seek: {
    readonly retentions: readonly number[];
    readonly limit: number;
    readonly budgetMs: number;
  };
  readonly storm: {
    readonly contenders: readonly string[];
    /** Storm sizes: the first is the headline; smaller ones show where a contender still copes. */
    readonly clients: readonly number[];
    readonly behind: number;
    readonly seedEvents: number;
    readonly timeoutMs: number;
    readonly stallMs: number;
  };
  readonly append: { readonly stores: readonly string[]; readonly events: number };
  /** One Redis vs a three-master cluster (each master with a replica): appends and fan-out. */
  readonly cluster: {
    readonly targets: readonly ClusterTargetName[];
    readonly events: number;
    readonly streams: number;
    readonly subscribersPerStream: number;
  };
}

export type ClusterTargetName = 'redis' | 'cluster-sharded' | 'cluster-classic';
export const CLUSTER_TARGETS: readonly ClusterTargetName[] = ['redis', 'cluster-sharded', 'cluster-classic'];

/** Framework contenders: the two limits, two peers, and our three adapters. */
export const FRAMEWORK_CONTENDERS = [
  'bare',
  'bare-coalesced',
  'better-sse',
  'hono-streamsse',
  'ours-hono',
  'ours-express',
  'ours-fastify',
];
/**
 * Storm contenders: our stores behind one adapter, and Vercel's resumable-stream on the same Redis
 * — as configured out of the box, and with Redis' Pub/Sub output-buffer limit lifted
 * (`-unbounded`), since its replay travels through Pub/Sub.
 */
export const STORM_CONTENDERS = [
  'memory',
  'sqlite',
  'redis',
  'resumable-stream',
  'resumable-stream-unbounded',
];
export const STORES = ['memory', 'sqlite', 'redis'];

const FULL: BenchConfig = {
  label: 'full',
  runs: 3,
  payloadBytes: 256,
  fanout: {
    contenders: FRAMEWORK_CONTENDERS,
    subscribers: [100, 1_000, 5_000],
    deliveries: 240_000,
    burst: 10,
    warmupDeliveries: 120_000,
  },
  latency: {
    contenders: FRAMEWORK_CONTENDERS,
    subscribers: 1_000,
    durationMs: 2_000,
    sampledConnections: 100,
  },
  idle: { contenders: FRAMEWORK_CONTENDERS, connections: 2_000 },
  seek: { retentions: [500, 1_000_000], limit: 50, budgetMs: 300 },
  storm: {
    contenders: STORM_CONTENDERS,
    clients: [1_000, 200],
    behind: 1_000,
    seedEvents: 2_000,
    timeoutMs: 60_000,
    stallMs: 5_000,
  },
  append: { stores: STORES, events: 20_000 },
  cluster: { targets: CLUSTER_TARGETS, events: 10_000, streams: 24, subscribersPerStream: 10 },
};

const QUICK: BenchConfig = {
  label: 'quick',
  runs: 1,
  payloadBytes: 256,
  fanout: {
    contenders: FRAMEWORK_CONTENDERS,
    subscribers: [100, 1_000],
    deliveries: 50_000,
    burst: 10,
    warmupDeliveries: 10_000,
  },
  latency: { contenders: FRAMEWORK_CONTENDERS, subscribers: 200, durationMs: 500, sampledConnections: 50 },
  idle: { contenders: FRAMEWORK_CONTENDERS, connections: 500 },
  seek: { retentions: [500, 1_000_000], limit: 50, budgetMs: 50 },
  storm: {
    contenders: STORM_CONTENDERS,
    clients: [200],
    behind: 200,
    seedEvents: 400,
    timeoutMs: 30_000,
    stallMs: 3_000,
  },
  append: { stores: STORES, events: 1_000 },
  cluster: { targets: CLUSTER_TARGETS, events: 2_000, streams: 12, subscribersPerStream: 5 },
};

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const base = env.BENCH_QUICK === '1' ? QUICK : FULL;
  // `BENCH_CONTENDERS=bare,bare-coalesced` runs scenarios 1–3 for those servers only.
  const contenders = env.BENCH_CONTENDERS?.split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (!contenders?.length) return base;
  return {
    ...base,
    fanout: { ...base.fanout, contenders },
    latency: { ...base.latency, contenders },
    idle: { ...base.idle, contenders },
  };
}
