/**
 * `pnpm bench`: runs every scenario, prints the table, and writes `results/latest.md`,
 * `results/fanout.svg` and `results/latest.json`. `BENCH_QUICK=1` for a ~1-minute smoke run;
 * `BENCH_OUT=<dir>` to write somewhere else than `results/`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchResults, runBench } from './bench.ts';
import { configFromEnv } from './config.ts';
import { renderMarkdown } from './report/markdown.ts';
import { medianOf } from './report/summarize.ts';
import { renderFanoutChart } from './report/svg-chart.ts';

export function writeResults(results: BenchResults, outDir: string): { markdown: string; svg: string } {
  const markdown = renderMarkdown(results);
  const sizes = Object.keys(results.fanout)
    .map(Number)
    .sort((a, b) => a - b);
  const svg = renderFanoutChart(
    results.config.fanout.contenders.map((name) => ({
      name,
      points: sizes.map(
        (size) =>
          [size, medianOf(results.fanout[size] ?? {}, name, (sample) => sample.deliveriesPerSec)] as const,
      ),
    })),
    `${results.config.payloadBytes}-byte events, ${results.config.fanout.burst} per macrotask; median of ${results.config.runs} run(s); ` +
      `${results.machine.cores} cores, Node ${results.machine.node}`,
  );
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'latest.md'), markdown);
  writeFileSync(join(outDir, 'fanout.svg'), svg);
  writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  return { markdown, svg };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const config = configFromEnv();
  const outDir = process.env.BENCH_OUT ?? fileURLToPath(new URL('../results/', import.meta.url));
  console.log(`resumable-sse bench: ${config.label} size, ${config.runs} run(s)`);
  const results = await runBench(config, { log: (line) => console.log(line) });
  const { markdown } = writeResults(results, outDir);
  console.log(`\n${markdown}`);
  console.log(`Written to ${outDir} in ${(results.durationMs / 1000).toFixed(0)} s.`);
  process.exitCode = results.errors.length > 0 ? 1 : 0;
}
