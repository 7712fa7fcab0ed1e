/**
 * Owner pages: the time to read one page of a user's streams (`pageByOwner`, limit 20) on each
 * lifecycle store, while the registry holds 10× more streams of other users. The figure stays flat
 * when the registry grows, because every store reads the owner's own index, never the others'.
 *
 *   ./scripts/pnpm --dir packages/bench run bench:owner-pages          (10,000 and 100,000 records)
 *   OWNER_PAGES_QUICK=1 ./scripts/pnpm --dir packages/bench run bench:owner-pages   (2,000 and 20,000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LifecycleStore, memoryLifecycle } from '@resumable-sse/core/lifecycle';
import { redisLifecycle } from '@resumable-sse/redis';
import { sqliteLifecycle } from '@resumable-sse/sqlite';
import { startRedisServer } from '@resumable-sse/testkit/redis-server';
import { Redis } from 'ioredis';
import { median } from '../harness/stats.ts';
import { timePerOp } from './micro-kit.ts';

const quick = process.env.OWNER_PAGES_QUICK === '1';
const SIZES = quick ? [2_000, 20_000] : [10_000, 100_000];
/** The measured user's streams; everyone else's fill the rest of the registry. */
const OWN = quick ? 200 : 1_000;
const LIMIT = 20;
const timing = { minMs: quick ? 100 : 400, minOps: 50, warmupOps: 20 };

async function fill(store: LifecycleStore, total: number): Promise<string> {
  const owner = 'measured';
  const pending: Promise<unknown>[] = [];
  for (let index = 0; index < total; index += 1) {
    const mine = index % Math.floor(total / OWN) === 0;
    pending.push(
      store.register({
        streamId: `s-${index}`,
        type: 'generation',
        owner: mine ? owner : `user-${index % 997}`,
      }),
    );
    if (pending.length >= 500) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  return owner;
}

/** ns per first page and per page halfway through the owner's streams. */
async function measure(store: LifecycleStore, total: number): Promise<{ first: number; deep: number }> {
  const owner = await fill(store, total);
  let after: string | null = null;
  for (let page = 0; page < OWN / LIMIT / 2; page += 1) {
    after = (await store.pageByOwner(owner, { after: after ?? undefined, limit: LIMIT })).next;
  }
  const deepCursor = after ?? undefined;
  const first: number[] = [];
  const deep: number[] = [];
  for (let round = 0; round < 3; round += 1) {
    first.push(await timePerOp(() => store.pageByOwner(owner, { limit: LIMIT }), timing));
    deep.push(await timePerOp(() => store.pageByOwner(owner, { after: deepCursor, limit: LIMIT }), timing));
  }
  return { first: median(first), deep: median(deep) };
}

const scratch = mkdtempSync(join(tmpdir(), 'owner-pages-'));
const redis = await startRedisServer();
const rows: string[] = [];
try {
  for (const total of SIZES) {
    const stores: Array<[string, () => { store: LifecycleStore; release: () => void }]> = [
      ['memory', () => ({ store: memoryLifecycle(), release: () => {} })],
      [
        'sqlite',
        () => ({ store: sqliteLifecycle({ path: join(scratch, `pages-${total}.db`) }), release: () => {} }),
      ],
      [
        'redis',
        () => {
          const client = new Redis(redis.url);
          return {
            store: redisLifecycle({ client, keyPrefix: `pages${total}` }),
            release: () => client.disconnect(),
          };
        },
      ],
    ];
    for (const [name, open] of stores) {
      const { store, release } = open();
      const { first, deep } = await measure(store, total);
      await store.close();
      release();
      rows.push(
        `| ${name} | ${total.toLocaleString('en-US')} | ${OWN.toLocaleString('en-US')} | ${(first / 1000).toFixed(1)} | ${(deep / 1000).toFixed(1)} |`,
      );
      console.log(rows.at(-1));
    }
  }
} finally {
  await redis.stop();
  rmSync(scratch, { recursive: true, force: true });
}
console.log(
  [
    '',
    `pageByOwner, limit ${LIMIT}: µs per page`,
    `| store | records in the registry | the user’s | first page µs | page ${OWN / LIMIT / 2 + 1} µs |`,
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n'),
);
