/**
 * Quick local throughput figures for both drivers: single appends, batches of 100, and
 * read-after pages of 100 from random offsets in a 100 000-event stream.
 *
 *   ./scripts/pnpm exec node --conditions=@resumable-sse/source packages/sqlite/scripts/measure.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SqliteDriverName, sqliteStore } from '../src/index.ts';

const SINGLE_APPENDS = 20_000;
const BATCHES = 1_000;
const BATCH_SIZE = 100;
const READS = 5_000;
const READ_PAGE = 100;
const PAYLOAD = JSON.stringify({
  type: 'token',
  text: 'lorem ipsum dolor sit amet',
  index: 0,
  padding: 'x'.repeat(40),
});

function perSecond(count: number, started: bigint): string {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return `${Math.round(count / seconds).toLocaleString('en-US')}/s`;
}

async function measure(driver: SqliteDriverName): Promise<Record<string, string>> {
  const directory = mkdtempSync(join(tmpdir(), 'resumable-sse-measure-'));
  try {
    const store = sqliteStore({
      path: join(directory, 'events.db'),
      driver,
      maxEvents: BATCHES * BATCH_SIZE,
    });

    let started = process.hrtime.bigint();
    for (let index = 0; index < SINGLE_APPENDS; index += 1) await store.append('single', [{ data: PAYLOAD }]);
    const single = perSecond(SINGLE_APPENDS, started);

    const batch = Array.from({ length: BATCH_SIZE }, () => ({ event: 'token', data: PAYLOAD }));
    started = process.hrtime.bigint();
    for (let index = 0; index < BATCHES; index += 1) await store.append('batched', batch);
    const batched = perSecond(BATCHES * BATCH_SIZE, started);

    const head = BATCHES * BATCH_SIZE;
    let read = 0;
    started = process.hrtime.bigint();
    for (let index = 0; index < READS; index += 1) {
      const after = Math.floor(Math.random() * (head - READ_PAGE));
      read += (await store.readAfter('batched', after, READ_PAGE)).length;
    }
    const reads = perSecond(read, started);
    const pages = perSecond(READS, started);

    await store.close();
    return {
      driver,
      'single appends': single,
      'appends in batches of 100': batched,
      'readAfter (events)': reads,
      'readAfter (pages of 100)': pages,
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

console.log(
  `Node ${process.version}, ${PAYLOAD.length}-byte payloads, WAL + synchronous=NORMAL, one process`,
);
const rows = [];
for (const driver of ['better-sqlite3', 'node:sqlite'] as const) rows.push(await measure(driver));
console.table(rows);
