/**
 * The Durable Streams section of the bench: the reference server (`@durable-streams/server` 0.3.7,
 * in memory) against ours on the memory, SQLite and Redis stores, in one run, with ratios.
 * `pnpm --dir packages/bench bench:durable-streams` (small sizes, `BENCH_DS_RUNS` interleaved runs,
 * default 3); `BENCH_DS_FULL=1` for the
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
  round: string,
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
    row.appendsPerSec = await appendThroughput(base, sizes, `${contender}-${round}`);
    log(`  ${contender}: appends ${row.appendsPerSec.toFixed(0)}/s`);
    row.catchupMBps = await catchupThroughput(base, sizes, `${contender}-${round}`);
    log(`  ${contender}: catch-up ${row.catchupMBps.toFixed(1)} MB/s`);
    row.fanoutDeliveriesPerSec = await sseFanout(base, sizes, `${contender}-${round}`);
    log(
      `  ${contender}: SSE fan-out ${row.fanoutDeliveriesPerSec.toFixed(0)} deliveries/s to ${sizes.fanoutReaders} readers`,
    );
    await settle(500);
    row.rssBaseMiB = rssMiB(child.pid);
    await manyStreams(base, sizes, `${contender}-${round}`);
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

const METRICS = ['appendsPerSec', 'catchupMBps', 'fanoutDeliveriesPerSec', 'streamsRssMiB'] as const;
type Metric = (typeof METRICS)[number];

function median(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[middle]! : (finite[middle - 1]! + finite[middle]!) / 2;
}

/** Median of the per-round ratios: each ratio compares two figures measured minutes apart. */
function medianRatio(runs: readonly Record<Contender, Row>[], name: Contender, metric: Metric): string {
  const value = median(runs.map((run) => run[name][metric] / run.reference[metric]));
  return Number.isFinite(value) && value > 0 ? `${value.toFixed(2)}×` : '–';
}

const fixed = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

function render(
  runs: readonly Record<Contender, Row>[],
  sizes: DurableSizes,
  notes: Awaited<ReturnType<typeof machineNotes>>,
  label: string,
): string {
  const lines = [
    `# Durable Streams: ours vs the reference server (${label} size, ${runs.length} interleaved run(s))`,
    '',
    `Node ${notes.node}, ${notes.cores} cores (${notes.cpuModel}), load ${notes.loadBefore.toFixed(2)} before the run, ${Math.round(notes.busyBefore * 100)} % busy.`,
    `Appends: ${sizes.appendWriters} writers × ${sizes.appendsPerWriter} awaited ${sizes.appendBytes}-byte POSTs. ` +
      `Catch-up: ${sizes.catchupChunks} × ${sizes.catchupChunkBytes / 1024} KiB appends read ${sizes.catchupReads}× from -1. ` +
      `Fan-out: ${sizes.fanoutReaders} SSE readers of one stream, ${sizes.fanoutEvents} appends. ` +
      `Streams: ${sizes.smallStreams} PUTs with a 64-byte body, RSS growth of the server.`,
    'Figures are medians over the runs; ratios are medians of the per-run ratios (ours ÷ reference; > 1× is better except for RSS).',
    '',
    '| server | appends/s | ÷ ref | catch-up MB/s | ÷ ref | SSE deliveries/s | ÷ ref | RSS for streams (MiB) | ÷ ref |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const name of CONTENDERS) {
    const self = name === 'reference';
    const cells = METRICS.flatMap((metric) => [
      fixed(median(runs.map((run) => run[name][metric])), metric === 'catchupMBps' ? 1 : 0),
      self ? '' : medianRatio(runs, name, metric),
    ]);
    lines.push(
      `| ${self ? 'reference (@durable-streams/server 0.3.7, memory)' : `ours, ${name} store`} | ${cells.join(' | ')} |`,
    );
  }
  const failures = runs.flatMap((run, index) =>
    CONTENDERS.filter((name) => run[name].error !== undefined).map(
      (name) => `- run ${index + 1}, ${name}: ${run[name].error}`,
    ),
  );
  if (failures.length > 0) lines.push('', 'Failures:', ...failures);
  return `${lines.join('\n')}\n`;
}

const full = process.env.BENCH_DS_FULL === '1';
const sizes = full ? FULL : SMALL;
const log = (line: string) => console.log(line);
const notes = await machineNotes();
const redis = await startRedisServer();
const dir = mkdtempSync(join(tmpdir(), 'bench-durable-'));
const env = { BENCH_DS_SQLITE_PATH: join(dir, 'streams.db'), BENCH_DS_REDIS_URL: redis.url };
const runCount = Number(process.env.BENCH_DS_RUNS ?? 3);
const runs: Record<Contender, Row>[] = [];
try {
  // Interleaved: round 1 of every server, then round 2…, so a machine that slows down for a while slows all alike.
  for (let round = 1; round <= runCount; round += 1) {
    const rows = {} as Record<Contender, Row>;
    for (const contender of CONTENDERS) {
      log(`durable-streams run ${round}/${runCount}: ${contender}`);
      rows[contender] = await measure(
        contender,
        sizes,
        { ...env, BENCH_DS_SQLITE_PATH: join(dir, `streams-${round}.db`) },
        log,
        `${round}`,
      );
    }
    runs.push(rows);
  }
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
const markdown = render(runs, sizes, notes, full ? 'full' : 'small');
const outDir = process.env.BENCH_OUT ?? fileURLToPath(new URL('../../results/', import.meta.url));
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'durable-streams.md'), markdown);
console.log(`\n${markdown}`);
process.exitCode = runs.some((run) => CONTENDERS.some((name) => run[name].error !== undefined)) ? 1 : 0;
