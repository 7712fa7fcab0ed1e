/**
 * The Durable Streams section of the bench: the reference server (`@durable-streams/server` 0.3.7,
 * in memory) against ours on the memory, SQLite and Redis stores, in one run, with ratios.
 * `pnpm --dir packages/bench bench:durable-streams` (small sizes); `BENCH_DS_FULL=1` for the
 * issue's sizes (1,000 SSE readers, 100,000 streams). Writes `results/durable-streams.md`
 * unless `BENCH_OUT` names another directory.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '@resumable-sse/testkit/redis-server';
import { spawnChild } from '../harness/child-process.ts';
import { machineNotes } from '../machine.ts';
import {
  appendThroughput,
  catchupThroughput,
  type DurableSizes,
  FULL,
  manyStreams,
  SMALL,
  sseFanout,
} from './scenarios.ts';

const CONTENDERS = ['reference', 'memory', 'sqlite', 'redis'] as const;
type Contender = (typeof CONTENDERS)[number];

interface Row {
  appendsPerSec: number;
  catchupMBps: number;
  fanoutDeliveriesPerSec: number;
  streamsRssMiB: number;
  rssBaseMiB: number;
  error?: string;
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(
  contender: Contender,
  sizes: DurableSizes,
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<Row> {
  const child = await spawnChild({
    script: 'durable-streams/server.ts',
    env: { ...env, BENCH_DS_SERVER: contender },
  });
  const base = `http://127.0.0.1:${child.port}`;
  const row: Row = {
    appendsPerSec: Number.NaN,
    catchupMBps: Number.NaN,
    fanoutDeliveriesPerSec: Number.NaN,
    streamsRssMiB: Number.NaN,
    rssBaseMiB: Number.NaN,
  };
  try {
    row.appendsPerSec = await appendThroughput(base, sizes, contender);
    log(`  ${contender}: appends ${row.appendsPerSec.toFixed(0)}/s`);
    row.catchupMBps = await catchupThroughput(base, sizes, contender);
    log(`  ${contender}: catch-up ${row.catchupMBps.toFixed(1)} MB/s`);
    row.fanoutDeliveriesPerSec = await sseFanout(base, sizes, contender);
    log(
      `  ${contender}: SSE fan-out ${row.fanoutDeliveriesPerSec.toFixed(0)} deliveries/s to ${sizes.fanoutReaders} readers`,
    );
    await settle(500);
    row.rssBaseMiB = rssMiB(child.pid);
    await manyStreams(base, sizes, contender);
    await settle(500);
    row.streamsRssMiB = rssMiB(child.pid) - row.rssBaseMiB;
    log(`  ${contender}: ${sizes.smallStreams} streams: +${row.streamsRssMiB.toFixed(0)} MiB RSS`);
  } catch (error) {
    row.error = error instanceof Error ? error.message : String(error);
    log(`  ${contender}: FAILED ${row.error}`);
  } finally {
    await child.stop();
  }
  return row;
}

const ratio = (ours: number, reference: number) =>
  Number.isFinite(ours) && Number.isFinite(reference) && reference > 0
    ? `${(ours / reference).toFixed(2)}×`
    : '–';
const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

function render(
  rows: Record<Contender, Row>,
  sizes: DurableSizes,
  notes: Awaited<ReturnType<typeof machineNotes>>,
  label: string,
): string {
  const ref = rows.reference;
  const lines = [
    `# Durable Streams: ours vs the reference server (${label} size)`,
    '',
    `Node ${notes.node}, ${notes.cores} cores (${notes.cpuModel}), load ${notes.loadBefore.toFixed(2)} before the run, ${Math.round(notes.busyBefore * 100)} % busy.`,
    `Appends: ${sizes.appendWriters} writers × ${sizes.appendsPerWriter} awaited ${sizes.appendBytes}-byte POSTs. ` +
      `Catch-up: ${sizes.catchupChunks} × ${sizes.catchupChunkBytes / 1024} KiB appends read ${sizes.catchupReads}× from -1. ` +
      `Fan-out: ${sizes.fanoutReaders} SSE readers of one stream, ${sizes.fanoutEvents} appends. ` +
      `Streams: ${sizes.smallStreams} PUTs with a 64-byte body, RSS growth of the server.`,
    '',
    '| server | appends/s | ÷ ref | catch-up MB/s | ÷ ref | SSE deliveries/s | ÷ ref | RSS for streams (MiB) | ÷ ref |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const name of CONTENDERS) {
    const row = rows[name];
    const self = name === 'reference';
    lines.push(
      `| ${self ? 'reference (@durable-streams/server 0.3.7, memory)' : `ours, ${name} store`} | ${fixed(row.appendsPerSec)} | ${self ? '' : ratio(row.appendsPerSec, ref.appendsPerSec)} | ${fixed(row.catchupMBps, 1)} | ${self ? '' : ratio(row.catchupMBps, ref.catchupMBps)} | ${fixed(row.fanoutDeliveriesPerSec)} | ${self ? '' : ratio(row.fanoutDeliveriesPerSec, ref.fanoutDeliveriesPerSec)} | ${fixed(row.streamsRssMiB)} | ${self ? '' : ratio(row.streamsRssMiB, ref.streamsRssMiB)} |`,
    );
  }
  const failures = CONTENDERS.filter((name) => rows[name].error !== undefined);
  if (failures.length > 0) {
    lines.push('', 'Failures:', ...failures.map((name) => `- ${name}: ${rows[name].error}`));
  }
  return `${lines.join('\n')}\n`;
}

const full = process.env.BENCH_DS_FULL === '1';
const sizes = full ? FULL : SMALL;
const log = (line: string) => console.log(line);
const notes = await machineNotes();
const redis = await startRedisServer();
const dir = mkdtempSync(join(tmpdir(), 'bench-durable-'));
const env = { BENCH_DS_SQLITE_PATH: join(dir, 'streams.db'), BENCH_DS_REDIS_URL: redis.url };
const rows = {} as Record<Contender, Row>;
try {
  for (const contender of CONTENDERS) {
    log(`durable-streams: ${contender}`);
    rows[contender] = await measure(contender, sizes, env, log);
  }
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
const markdown = render(rows, sizes, notes, full ? 'full' : 'small');
const outDir = process.env.BENCH_OUT ?? fileURLToPath(new URL('../../results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'durable-streams.md'), markdown);
console.log(`\n${markdown}`);
process.exitCode = CONTENDERS.some((name) => rows[name].error !== undefined) ? 1 : 0;
