/**
 * What every server script shares: read the config, listen on loopback, print `PORT <n>`, and
 * answer the orchestrator's commands (publish, CPU and memory readings, seeding for the storm).
 * A contender script only says how to serve `/stream` and how to publish one event.
 */
import type { Server } from 'node:http';
import { setTimeout as sleep, setImmediate as yieldToLoop } from 'node:timers/promises';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { nowMs } from '../harness/clock.ts';
import { answerCommands } from '../harness/ipc-server.ts';
import type {
  PublishResult,
  SeedResult,
  ServerCommand,
  ServerConfig,
  ServerStats,
} from '../harness/messages.ts';
import { makePayload } from '../harness/payload.ts';

export interface BenchServer {
  readonly port: number;
  /** Publishes one event to every subscriber; returns its id (what a client sends as `Last-Event-ID`). */
  publish(data: string): string | Promise<string>;
  /** Frames a client resuming `events` behind receives before it is caught up (control frames included). */
  framesToCatchUp(events: number): number;
  /** Connections the server ended, by reason (ours: the hub's `onDisconnect`). */
  disconnects?(): Readonly<Record<string, number>>;
  close(): Promise<void>;
}

/** Loopback only; a deep accept backlog so a reconnect storm is not throttled by the kernel. */
export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, backlog: 8192 }, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export function readConfig(): ServerConfig {
  const text = process.env.BENCH_SERVER_CONFIG;
  return text ? (JSON.parse(text) as ServerConfig) : {};
}

/** Three full collections (the server runs with --expose-gc), with a pause for finalizers between. */
async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let round = 0; round < 3; round += 1) {
    gc?.();
    await sleep(20);
  }
}

/** Runs a contender: builds it, prints its port, then serves the orchestrator until told to close. */
export async function runServer(make: (config: ServerConfig) => Promise<BenchServer>): Promise<void> {
  const bench = await make(readConfig());
  let markCpu = process.cpuUsage();
  let markWall = nowMs();
  let peakRss = 0;
  let watcher: ReturnType<typeof setInterval> | undefined;

  const stats = (): ServerStats => {
    const cpu = process.cpuUsage(markCpu);
    const memory = process.memoryUsage();
    return {
      cpuUs: cpu.user + cpu.system,
      wallMs: nowMs() - markWall,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      peakRss: Math.max(peakRss, memory.rss),
      disconnects: bench.disconnects?.() ?? {},
      heapSpaces: Object.fromEntries(
        getHeapSpaceStatistics().map((space) => [space.space_name, space.physical_space_size]),
      ),
    };
  };

  const handle = async (command: ServerCommand): Promise<unknown> => {
    switch (command.cmd) {
      case 'publish':
        return publishMany(bench, command);
      case 'mark':
        markCpu = process.cpuUsage();
        markWall = nowMs();
        return null;
      case 'stats':
        return stats();
      case 'gc':
        await collectGarbage();
        return stats();
      case 'heap-snapshot':
        await collectGarbage();
        return writeHeapSnapshot(command.path);
      case 'watch-rss':
        if (watcher) clearInterval(watcher);
        watcher = undefined;
        peakRss = process.memoryUsage.rss();
        if (command.on) {
          watcher = setInterval(() => {
            peakRss = Math.max(peakRss, process.memoryUsage.rss());
          }, 5);
        }
        return null;
      case 'seed':
        return seed(bench, command);
      case 'close':
        return null;
    }
  };

  answerCommands(
    (command) => handle(command as unknown as ServerCommand),
    () => bench.close(),
  );
  process.stdout.write(`PORT ${bench.port}\n`);
}

async function publishMany(
  bench: BenchServer,
  command: Extract<ServerCommand, { cmd: 'publish' }>,
): Promise<PublishResult> {
  const { count, payloadBytes, ratePerSec } = command;
  const burst = Math.max(1, command.burst ?? 1);
  const startedAt = nowMs();
  let sent = 0;
  // Bursts of `burst` events per macrotask, yielding to the event loop between them so sockets
  // get written; paced, a burst is due every `burst / ratePerSec` seconds, so the rate holds on
  // average with the same write pattern as the peak measurement.
  while (sent < count) {
    const due =
      ratePerSec === undefined
        ? count
        : Math.min(count, (Math.floor(((nowMs() - startedAt) * ratePerSec) / 1000 / burst) + 1) * burst);
    if (sent < due) {
      const end = Math.min(due, sent + burst);
      for (; sent < end; sent += 1) await bench.publish(makePayload(payloadBytes));
    }
    if (ratePerSec === undefined || sent < due) await yieldToLoop();
    else await sleep(1);
  }
  return { startedAt, endedAt: nowMs() };
}

async function seed(
  bench: BenchServer,
  command: Extract<ServerCommand, { cmd: 'seed' }>,
): Promise<SeedResult> {
  const { count, behind, payloadBytes } = command;
  let cursor = '';
  for (let index = 1; index <= count; index += 1) {
    const id = await bench.publish(makePayload(payloadBytes));
    if (index === count - behind) cursor = id;
  }
  return { cursor, framesToCatchUp: bench.framesToCatchUp(behind) };
}
