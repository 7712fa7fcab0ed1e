/**
 * What each idle connection holds, by constructor: a heap snapshot of the server before and after
 * N quiet connections open, the difference grouped by what V8 names each object (constructor for
 * objects, function name for closures, the node type otherwise) and divided by N.
 *
 *   ./scripts/pnpm --dir packages/bench run bench:heap-census        (10,000 connections)
 *   HEAP_CENSUS_CONNECTIONS=2000 HEAP_CENSUS_CONTENDERS=bare,ours-hono ./scripts/pnpm --dir packages/bench run bench:heap-census
 *
 * It prints a table per contender (the top rows and the total) and writes nothing else.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnChild } from '../harness/child-process.ts';
import { openSubscribers } from '../scenarios/fanout.ts';

const CONNECTIONS = Number(process.env.HEAP_CENSUS_CONNECTIONS ?? 10_000);
const CONTENDERS = (process.env.HEAP_CENSUS_CONTENDERS ?? 'bare,ours-hono,ours-express,ours-fastify')
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);
const TOP_ROWS = Number(process.env.HEAP_CENSUS_ROWS ?? 14);

interface HeapSnapshotFile {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[]] } };
  readonly nodes: number[];
  readonly strings: string[];
}

interface Tally {
  count: number;
  bytes: number;
}

/** Objects and their self sizes by group name. */
function census(path: string): Map<string, Tally> {
  const file = JSON.parse(readFileSync(path, 'utf8')) as HeapSnapshotFile;
  const fields = file.snapshot.meta.node_fields;
  const types = file.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, Tally>();
  for (let index = 0; index < file.nodes.length; index += width) {
    const type = types[file.nodes[index + typeAt]!]!;
    const name = file.strings[file.nodes[index + nameAt]!]!;
    const group = type === 'object' ? name : type === 'closure' ? `${name || '(anonymous)'}()` : `(${type})`;
    const tally = groups.get(group) ?? { count: 0, bytes: 0 };
    tally.count += 1;
    tally.bytes += file.nodes[index + sizeAt]!;
    groups.set(group, tally);
  }
  return groups;
}

function perConnection(before: Map<string, Tally>, after: Map<string, Tally>): [string, Tally][] {
  const rows: [string, Tally][] = [];
  for (const [group, tally] of after) {
    const earlier = before.get(group) ?? { count: 0, bytes: 0 };
    rows.push([
      group,
      {
        count: (tally.count - earlier.count) / CONNECTIONS,
        bytes: (tally.bytes - earlier.bytes) / CONNECTIONS,
      },
    ]);
  }
  return rows.sort((a, b) => b[1].bytes - a[1].bytes);
}

async function measure(contender: string, scratch: string): Promise<[string, Tally][]> {
  const server = await spawnChild({ script: `servers/${contender}.ts` });
  try {
    const warmup = await openSubscribers(server, 50);
    await warmup.client.stop();
    await sleep(200);
    const beforePath = join(scratch, `${contender}-before.heapsnapshot`);
    await server.request({ cmd: 'heap-snapshot', path: beforePath }, 120_000);
    const { client } = await openSubscribers(server, CONNECTIONS);
    try {
      await sleep(500);
      const afterPath = join(scratch, `${contender}-after.heapsnapshot`);
      await server.request({ cmd: 'heap-snapshot', path: afterPath }, 300_000);
      return perConnection(census(beforePath), census(afterPath));
    } finally {
      await client.stop();
    }
  } finally {
    await server.stop();
  }
}

function table(contender: string, rows: [string, Tally][]): string {
  const total = rows.reduce((sum, [, tally]) => sum + tally.bytes, 0);
  const lines = [
    `### ${contender}: ${total.toFixed(0)} bytes of JS heap per connection`,
    '',
    '| what | objects / connection | bytes / connection |',
    '| --- | ---: | ---: |',
  ];
  for (const [group, tally] of rows.slice(0, TOP_ROWS)) {
    lines.push(`| \`${group}\` | ${tally.count.toFixed(2)} | ${tally.bytes.toFixed(0)} |`);
  }
  return lines.join('\n');
}

const scratch = mkdtempSync(join(tmpdir(), 'heap-census-'));
try {
  console.log(`Heap census: ${CONNECTIONS.toLocaleString('en-US')} idle connections per contender\n`);
  for (const contender of CONTENDERS) {
    console.log(`${table(contender, await measure(contender, scratch))}\n`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
