/**
 * The soak: a fixture server (Hono) holding many subscribers for a long time under a steady
 * publish rate, with a little churn (subscribers dropping and resuming with their cursor). Every
 * few seconds it samples the server after a full GC — resident memory, live heap and open file
 * descriptors (`/proc/self/fd` of the server process) — and at the end compares the second half
 * of the run with the first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, waitUntil } from '@resumable-sse/testkit/http';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { type FixtureProcess, startFixtureProcess } from '../support/fixture-process.ts';
import { halves, MIB, mib } from '../support/process-sampler.ts';
import { seededRandom } from '../support/seeded-random.ts';
import { SoakSubscriber } from './soak-subscriber.ts';

export interface SoakOptions {
  readonly subscribers: number;
  /** Measured time, after the warm-up. */
  readonly durationMs: number;
  /** Not measured: caches, JIT and allocator settle. */
  readonly warmUpMs: number;
  readonly eventsPerSecond: number;
  /** Subscribers that drop and resume with their cursor, per second. */
  readonly churnPerSecond: number;
  readonly sampleEveryMs: number;
  readonly store: 'memory' | 'sqlite' | 'redis';
  readonly log: (line: string) => void;
}

export interface SoakSample {
  readonly atMs: number;
  readonly rss: number;
  readonly heapUsed: number;
  /** Heap V8 has reserved (see `growthLimits`). */
  readonly heapTotal: number;
  readonly fds: number;
  readonly connections: number;
}

/**
 * Growth allowed from the first half's median to the second half's, per quantity. Samples come
 * after a full GC, so what remains is what is reachable plus the allocator's slack:
 * - live heap: 4 MiB — at 20 events/s to 1,000 subscribers (20,000 deliveries/s) and 5 resumes/s,
 *   a leak of even a few bytes per delivery or a few hundred per reconnection exceeds it within
 *   half a minute, while GC-to-GC noise measured here stays under 1 MiB;
 * - RSS: 16 MiB or 10 %, plus whatever V8's reserved heap (heapTotal) grew — the allocator keeps
 *   freed pages a while, so RSS is coarser than the heap, and V8 enlarges its young generation once
 *   under sustained load (heapTotal jumps by tens of MiB while heapUsed stays flat), pages that RSS
 *   then counts. Growth beyond both is native memory that nothing accounts for;
 * - file descriptors: the churn in flight plus 5 — one socket per subscriber is constant, and a
 *   leaked socket per reconnection would add hundreds.
 */
export function growthLimits(
  options: Pick<SoakOptions, 'churnPerSecond'>,
  firstRss: number,
  heapTotalGrowth: number,
) {
  return {
    heapUsed: 4 * MIB,
    rss: Math.max(16 * MIB, firstRss * 0.1) + Math.max(0, heapTotalGrowth),
    fds: options.churnPerSecond + 5,
  };
}

export interface SoakReport {
  readonly options: Omit<SoakOptions, 'log'>;
  readonly samples: SoakSample[];
  readonly published: number;
  readonly delivered: number;
  readonly gaps: number;
  readonly repeats: number;
  readonly resets: number;
  readonly reconnects: number;
  readonly growth: {
    rss: ReturnType<typeof halves>;
    heapUsed: ReturnType<typeof halves>;
    heapTotal: ReturnType<typeof halves>;
    fds: ReturnType<typeof halves>;
  };
  readonly limits: ReturnType<typeof growthLimits>;
  /** Quantities whose growth passed its limit. */
  readonly failures: string[];
}

async function startStore(
  store: SoakOptions['store'],
): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> {
  if (store === 'redis') {
    const redis: RedisServerHandle = await startRedisServer();
    return { env: { STORE: 'redis', REDIS_URL: redis.url }, stop: () => redis.stop() };
  }
  if (store === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'rsse-soak-'));
    return {
      env: { STORE: 'sqlite', SQLITE_PATH: join(dir, 'soak.db') },
      stop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  return { env: { STORE: 'memory' }, stop: async () => {} };
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const { log } = options;
  const store = await startStore(options.store);
  let server: FixtureProcess | undefined;
  const subscribers: SoakSubscriber[] = [];
  try {
    server = await startFixtureProcess({
      env: {
        ...store.env,
        BUFFER_SIZE: '10000',
        INITIAL: 'now',
        HEARTBEAT_MS: '1000',
        NODE_OPTIONS: process.env.SOAK_NODE_OPTIONS ?? '--expose-gc',
      },
    });
    const url = `${server.url}/stream`;
    for (let index = 0; index < options.subscribers; index += 50) {
      const batch = Array.from(
        { length: Math.min(50, options.subscribers - index) },
        () => new SoakSubscriber(url),
      );
      await Promise.all(batch.map((subscriber) => subscriber.connect()));
      subscribers.push(...batch);
    }
    const live = server;
    await waitUntil(
      async () => (await live.stats()).connections === options.subscribers,
      `${options.subscribers} connections`,
      30_000,
    );
    log(`soak: ${options.subscribers} subscribers connected to ${server.url} (store ${options.store})`);

    let published = 0;
    let running = true;
    const perTick = Math.max(1, Math.round(options.eventsPerSecond / 10));
    const publisher = (async () => {
      const started = performance.now();
      for (let tick = 0; running; tick++) {
        const due = started + tick * 100;
        if (performance.now() < due) await sleep(due - performance.now());
        const events = Array.from({ length: perTick }, () => ({ event: 'soak', data: String(++published) }));
        const response = await fetch(`${live.url}/publish`, {
          method: 'POST',
          body: JSON.stringify({ events }),
        });
        if (response.status !== 200)
          throw new Error(`publish answered ${response.status}: ${await response.text()}`);
        await response.arrayBuffer();
      }
    })();
    const random = seededRandom(61);
    const churner = (async () => {
      while (running) {
        await sleep(1_000);
        if (!running) break;
        const chosen = random.distinct(
          Math.min(options.churnPerSecond, subscribers.length),
          0,
          subscribers.length - 1,
        );
        await Promise.all(chosen.map((index) => subscribers[index]!.reconnect()));
      }
    })();

    const samples: SoakSample[] = [];
    const started = Date.now();
    const end = started + options.warmUpMs + options.durationMs;
    let lastLog = 0;
    while (Date.now() < end) {
      await sleep(options.sampleEveryMs);
      const stats = await live.stats(true);
      const atMs = Date.now() - started;
      if (atMs < options.warmUpMs) continue;
      samples.push({
        atMs,
        rss: stats.rss,
        heapUsed: stats.heapUsed,
        heapTotal: stats.heapTotal,
        fds: stats.fds,
        connections: stats.connections,
      });
      if (atMs - lastLog >= Math.max(Number(process.env.SOAK_LOG_MS ?? 10_000), options.durationMs / 30)) {
        lastLog = atMs;
        log(
          `  ${(atMs / 1000).toFixed(0).padStart(6)} s  rss ${mib(stats.rss).padStart(10)}  heap ${mib(stats.heapUsed).padStart(10)} of ${mib(stats.heapTotal).padStart(10)}  external ${mib(stats.external).padStart(9)}  buffers ${mib(stats.arrayBuffers).padStart(9)}  fds ${String(stats.fds).padStart(5)}  connections ${stats.connections}  published ${published}`,
        );
      }
    }
    running = false;
    await Promise.all([publisher, churner]);
    // Let the last events arrive before counting.
    await waitUntil(
      () => subscribers.every((subscriber) => subscriber.lastSeq === published),
      'every subscriber to get the last event',
      30_000,
    ).catch(() => {});

    const growth = {
      rss: halves(samples.map((sample) => sample.rss)),
      heapUsed: halves(samples.map((sample) => sample.heapUsed)),
      heapTotal: halves(samples.map((sample) => sample.heapTotal)),
      fds: halves(samples.map((sample) => sample.fds)),
    };
    const limits = growthLimits(options, growth.rss.first, growth.heapTotal.growth);
    const failures = (['rss', 'heapUsed', 'fds'] as const).filter((key) => growth[key].growth > limits[key]);
    const sum = (pick: (subscriber: SoakSubscriber) => number) =>
      subscribers.reduce((total, subscriber) => total + pick(subscriber), 0);
    return {
      options: { ...options, log: undefined } as Omit<SoakOptions, 'log'>,
      samples,
      published,
      delivered: sum((subscriber) => subscriber.received),
      gaps: sum((subscriber) => subscriber.gaps),
      repeats: sum((subscriber) => subscriber.repeats),
      resets: sum((subscriber) => subscriber.resets),
      reconnects: sum((subscriber) => subscriber.reconnects),
      growth,
      limits,
      failures,
    };
  } finally {
    for (const subscriber of subscribers) subscriber.close();
    await server?.stop();
    await store.stop();
  }
}

export function describeSoak(report: SoakReport): string {
  const { growth, limits } = report;
  const row = (name: string, key: keyof SoakReport['growth'], format: (value: number) => string) => {
    const limit = key === 'heapTotal' ? undefined : limits[key];
    const verdict = limit === undefined ? '(reported)' : growth[key].growth > limit ? 'FAIL' : 'ok';
    return `  ${name.padEnd(16)} first half ${format(growth[key].first).padStart(10)}  second half ${format(growth[key].second).padStart(10)}  growth ${format(growth[key].growth).padStart(10)}  limit ${(limit === undefined ? '—' : format(limit)).padStart(10)}  ${verdict}`;
  };
  const minutes = (report.options.durationMs / 60_000).toFixed(report.options.durationMs < 60_000 ? 2 : 0);
  return [
    `soak report: ${report.options.subscribers} subscribers, ${minutes} min measured after ${(report.options.warmUpMs / 1000).toFixed(0)} s warm-up, ${report.options.eventsPerSecond} events/s, ${report.options.churnPerSecond} resumes/s, store ${report.options.store}`,
    `  published ${report.published}, delivered ${report.delivered}, gaps ${report.gaps}, repeats ${report.repeats}, resets ${report.resets}, resumes ${report.reconnects}, samples ${report.samples.length}`,
    row('RSS', 'rss', mib),
    row('live heap', 'heapUsed', mib),
    row('V8 reserved', 'heapTotal', mib),
    row('fds', 'fds', (value) => String(value)),
  ].join('\n');
}
