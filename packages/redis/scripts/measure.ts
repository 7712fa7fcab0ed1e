/**
 * Quick throughput figures for the Redis store against a throwaway local redis-server.
 * Run from the repo root:
 *   ./scripts/pnpm exec node --conditions=@resumable-sse/source packages/redis/scripts/measure.ts
 * Numbers are for one Node process and one client connection, awaiting each call (no pipelining
 * across calls) unless stated; they measure round trips plus script cost, not Redis' ceiling.
 */
import { startRedisServer } from '@resumable-sse/testkit/redis-server';
import { Redis } from 'ioredis';
import { redisStore } from '../src/index.ts';

const server = await startRedisServer();
const client = new Redis(server.url);
const store = redisStore({ client, maxEvents: 10_000 });
const payload = JSON.stringify({ type: 'token', text: 'x'.repeat(100) });

async function timed(label: string, units: number, unit: string, run: () => Promise<void>): Promise<void> {
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1_000;
  const rate = Math.round(units / seconds).toLocaleString('en-US');
  console.log(`${label.padEnd(44)} ${rate.padStart(10)} ${unit}/s  (${units} in ${seconds.toFixed(2)} s)`);
}

try {
  // Warm up: script cache, connection, JIT.
  for (let i = 0; i < 500; i += 1) await store.append('warmup', [{ data: payload }]);

  const singles = 10_000;
  await timed('append, 1 event per call, sequential', singles, 'events', async () => {
    for (let i = 0; i < singles; i += 1) await store.append('single', [{ data: payload }]);
  });

  const inFlight = async (producers: number, events: number, stream: string) => {
    let next = 0;
    const worker = async () => {
      while (next < events) {
        next += 1;
        await store.append(stream, [{ data: payload }]);
      }
    };
    await Promise.all(Array.from({ length: producers }, worker));
  };
  // Warm the joined-append path, as a long-running server's is.
  await inFlight(32, 5_000, 'warmup');
  for (const producers of [32, 64]) {
    await timed(`append, 1 event per call, ${producers} in flight`, 30_000, 'events', () =>
      inFlight(producers, 30_000, `concurrent-${producers}`),
    );
  }

  const batches = 500;
  const batch = Array.from({ length: 100 }, () => ({ data: payload }));
  await timed('append, batches of 100, sequential', batches * 100, 'events', async () => {
    for (let i = 0; i < batches; i += 1) await store.append('batch', batch);
  });

  const reads = 5_000;
  const head = (await store.position('batch')).head;
  const oldest = (await store.position('batch')).oldest ?? 1;
  let offset = oldest;
  await timed('readAfter, pages of 100, sequential', reads * 100, 'events', async () => {
    for (let i = 0; i < reads; i += 1) {
      const page = await store.readAfter('batch', offset, 100);
      if (page.length !== 100) throw new Error(`short page at ${offset}`);
      offset = offset + 100 >= head - 100 ? oldest : offset + 100;
    }
  });
  await timed('readAfter, pages of 100, 16 in flight', reads * 100, 'events', async () => {
    let done = 0;
    const worker = async () => {
      while (done < reads) {
        done += 1;
        const from = oldest + Math.floor(Math.random() * (head - oldest - 100));
        await store.readAfter('batch', from, 100);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  });
} finally {
  await store.close();
  client.disconnect();
  await server.stop();
}
