/**
 * Scenario 5 — reconnect storm: the server holds a stream of `seedEvents` events; then `clients`
 * connections open at once, each resuming `behind` events before the head. Measured: the time
 * from the first connect until every client has every missed event (ours: until `caught-up`), and
 * the server's peak RSS above its settled baseline while it happens.
 */
import { type Child, spawnChild } from '../harness/child-process.ts';
import type { AwaitResult, ConnectResult, SeedResult, ServerStats } from '../harness/messages.ts';
import { percentile } from '../harness/stats.ts';

export interface StormSample {
  readonly clients: number;
  readonly behind: number;
  /** First connect → last client caught up, ms; NaN unless every client caught up. */
  readonly allCaughtUpMs: number;
  /** Clients that got every missed event. */
  readonly caughtUp: number;
  /** First connect → the last client that did catch up, ms (NaN when none did). */
  readonly lastCaughtUpMs: number;
  /** Median client's connect-start → caught-up, ms. */
  readonly p50ClientMs: number;
  /** Peak RSS during the storm minus RSS before it, bytes. */
  readonly peakRssDelta: number;
  readonly peakRss: number;
  /** Server CPU during the storm, ms. */
  readonly serverCpuMs: number;
  /** Clients that were refused, dropped, or not caught up within the timeout. */
  readonly failed: number;
  /** Of those, connections the server refused or closed before the client was caught up. */
  readonly dropped: number;
  /** Why our hub ended connections during the storm (clients leaving not counted). */
  readonly serverDisconnects: Readonly<Record<string, number>>;
}

export interface StormOptions {
  readonly clients: number;
  readonly behind: number;
  readonly seedEvents: number;
  readonly payloadBytes: number;
  readonly timeoutMs: number;
  /** Gives up on a storm when no byte arrived for this long (a contender that hangs). */
  readonly stallMs: number;
}

export async function measureStorm(server: Child, options: StormOptions): Promise<StormSample> {
  const { clients, behind } = options;
  const seed = await server.request<SeedResult>({
    cmd: 'seed',
    count: options.seedEvents,
    behind,
    payloadBytes: options.payloadBytes,
  });
  const before = await server.request<ServerStats>({ cmd: 'gc' });
  await server.request({ cmd: 'watch-rss', on: true });
  await server.request({ cmd: 'mark' });
  const client = await spawnChild({
    script: 'load/sse-load.ts',
    expectPort: false,
    env: {
      BENCH_LOAD_CONFIG: JSON.stringify({
        port: server.port,
        path: '/stream',
        connections: clients,
        concurrency: clients,
        lastEventId: seed.cursor,
        stallMs: options.stallMs,
      }),
    },
  });
  try {
    const connected = await client.request<ConnectResult>(
      { cmd: 'connect', frames: seed.framesToCatchUp },
      options.timeoutMs,
    );
    const done = await client.request<AwaitResult>(
      { cmd: 'await', frames: seed.framesToCatchUp, timeoutMs: options.timeoutMs },
      options.timeoutMs + 10_000,
    );
    const stats = await server.request<ServerStats>({ cmd: 'stats' });
    await server.request({ cmd: 'watch-rss', on: false });
    return {
      clients,
      behind,
      allCaughtUpMs: done.complete === clients ? done.doneAt - connected.startedAt : Number.NaN,
      caughtUp: done.complete,
      lastCaughtUpMs: done.perConnectionMs.at(-1) ?? Number.NaN,
      p50ClientMs: percentile(done.perConnectionMs, 50),
      peakRssDelta: stats.peakRss - before.rss,
      peakRss: stats.peakRss,
      serverCpuMs: stats.cpuUs / 1000,
      failed: clients - done.complete,
      dropped: done.lost,
      serverDisconnects: Object.fromEntries(
        Object.entries(stats.disconnects).filter(([reason]) => reason !== 'client-closed'),
      ),
    };
  } finally {
    await client.stop();
  }
}
