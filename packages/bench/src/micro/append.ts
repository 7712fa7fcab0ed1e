/**
 * Scenario 6 — append throughput per store, without HTTP: one event per `append` awaited in
 * turn, 32 such appenders at once on one stream, and batches of 100 events per `append`.
 */
import { type EventStore, memoryStore } from '@resumable-sse/core';
import { nowMs } from '../harness/clock.ts';
import { answerCommands } from '../harness/ipc-server.ts';
import type { ServerConfig } from '../harness/messages.ts';
import { makePayload } from '../harness/payload.ts';

export interface AppendRow {
  /** Events per second, one event per awaited append. */
  readonly single: number;
  /** Events per second, 32 appenders in parallel on one stream. */
  readonly concurrent: number;
  /** Events per second, 100 events per append. */
  readonly batch: number;
}

async function openStore(config: ServerConfig): Promise<{ store: EventStore; release: () => void }> {
  const maxEvents = config.maxEvents ?? 10_000;
  if (config.store === 'sqlite') {
    const { sqliteStore } = await import('@resumable-sse/sqlite');
    return { store: sqliteStore({ path: config.sqlitePath!, maxEvents }), release: () => {} };
  }
  if (config.store === 'redis') {
    const [{ redisStore }, { Redis }] = await Promise.all([
      import('@resumable-sse/redis'),
      import('ioredis'),
    ]);
    const client = new Redis(config.redisUrl!);
    return { store: redisStore({ client, maxEvents }), release: () => client.disconnect() };
  }
  return { store: memoryStore({ maxEvents }), release: () => {} };
}

async function measure(config: ServerConfig, events: number, payloadBytes: number): Promise<AppendRow> {
  const { store, release } = await openStore(config);
  const data = makePayload(payloadBytes);
  try {
    const appendConcurrently = async (stream: string, count: number): Promise<void> => {
      let left = count;
      const worker = async (): Promise<void> => {
        while (left > 0) {
          left -= 1;
          await store.append(stream, [{ data }]);
        }
      };
      await Promise.all(Array.from({ length: 32 }, worker));
    };
    // Warm-up: creates the streams' epochs, and runs each path long enough for V8 to compile it,
    // so the figures below are the store's, not the compiler's.
    for (const stream of ['single', 'concurrent', 'batch']) await store.append(stream, [{ data }]);
    for (let index = 0; index < 500; index += 1) await store.append('warm-up', [{ data }]);
    await appendConcurrently('warm-up', events);

    let start = nowMs();
    for (let index = 0; index < events; index += 1) await store.append('single', [{ data }]);
    const single = events / ((nowMs() - start) / 1000);

    start = nowMs();
    await appendConcurrently('concurrent', events);
    const concurrent = events / ((nowMs() - start) / 1000);

    const batch = Array.from({ length: 100 }, () => ({ data }));
    const batches = Math.max(1, Math.round(events / 100));
    start = nowMs();
    for (let index = 0; index < batches; index += 1) await store.append('batch', batch);
    const batched = (batches * 100) / ((nowMs() - start) / 1000);

    return { single, concurrent, batch: batched };
  } finally {
    await store.close();
    release();
  }
}

answerCommands(
  (command) =>
    measure(command.config as ServerConfig, command.events as number, command.payloadBytes as number),
  async () => {},
);
