/**
 * Hostile input against every demo app, as a real child process on its default store (SQLite):
 * fuzzed resume cursors (half `Last-Event-ID`, half `?lastEventId=`) each opening a real stream,
 * and hostile request bodies over keep-alive — 100,000 inputs per app (see COUNT). No 5xx, no
 * dropped answer, no crash, every stream well-formed (nothing injected), every refusal a JSON
 * `{ "error" }`, live heap flat and RSS bounded. Oversized headers get 431, oversized bodies 413.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_APPS, type DemoApp } from './support/demo-apps.ts';
import { recordFigure } from './support/figures.ts';
import { type CursorFuzzReport, type FuzzReport, fuzzBodies, fuzzCursors } from './support/fuzz-runners.ts';
import { HEAP_SNAPSHOT_OPTION, liveHeapBytes } from './support/heap-snapshot.ts';
import { sendOne } from './support/keep-alive-sender.ts';
import { halves, MIB, mib, sampleProcess } from './support/process-sampler.ts';
import { buildRequest, rawExchange } from './support/raw-exchange.ts';
import { runSeed, seededRandom } from './support/seeded-random.ts';

/**
 * Per app and per kind: 50,000 cursors (25,000 in `Last-Event-ID`, 25,000 in `?lastEventId=`)
 * and 50,000 bodies — 100,000 hostile inputs per app, which keeps the whole suite near 5 minutes
 * on 2 cores. `RESILIENCE_FUZZ_COUNT=100000` runs 100,000 of each (about 2.5 minutes per app).
 */
const COUNT = Number(process.env.RESILIENCE_FUZZ_COUNT ?? 50_000);
/** The first tenth of each kind warms caches and JIT; the heap is measured after it and at the end. */
const WARM_UP = Math.ceil(COUNT / 10);
/**
 * Live heap (after a full GC) may not grow by more than this between the end of a warm-up and
 * the end of its run: 45,000 requests later, 8 MiB is under 200 bytes per request, so anything
 * kept per request (a listener, a map entry, a buffered body) fails it.
 */
const HEAP_GROWTH_LIMIT = 8 * MIB;
/**
 * The app runs with its old generation capped at 192 MiB, so unbounded allocation ends in a heap
 * OOM crash (caught as a dropped answer). RSS itself moves with when the collector runs (V8 lets
 * the heap grow before a full GC); it must stay within 256 MiB of the idle process.
 */
const NODE_OPTIONS = `--max-old-space-size=192 ${HEAP_SNAPSHOT_OPTION}`;
const RSS_HEADROOM = 256 * MIB;

const APP_EVENTS: Record<string, ReadonlySet<string>> = {
  'telemetry-sidecar': new Set(['application/x-sentry-envelope']),
  'cloudevents-player': new Set(['cloudevent', 'ping']),
  'generation-jobs': new Set(['token', 'completed', 'failed']),
};

const running: RunningApp[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop('SIGKILL')));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function line(name: string, report: FuzzReport): string {
  const statuses = Object.entries(report.statuses)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
  return `${name}: ${report.requests} in ${(report.elapsedMs / 1000).toFixed(1)} s, 5xx ${report.serverErrors}, no answer ${report.noAnswer}, anomalies ${report.anomalyCount}; statuses ${statuses}`;
}

/** Adds up two runs of the same fuzzer. */
function merge(first: FuzzReport, second: FuzzReport): FuzzReport {
  const add = (a: Record<string | number, number> = {}, b: Record<string | number, number> = {}) => {
    const sum: Record<string | number, number> = { ...a };
    for (const [key, value] of Object.entries(b)) sum[key] = (sum[key] ?? 0) + value;
    return sum;
  };
  const extra = (report: FuzzReport) => report as Partial<CursorFuzzReport>;
  return {
    requests: first.requests + second.requests,
    statuses: add(first.statuses, second.statuses),
    serverErrors: first.serverErrors + second.serverErrors,
    noAnswer: first.noAnswer + second.noAnswer,
    anomalies: [...first.anomalies, ...second.anomalies].slice(0, 10),
    anomalyCount: first.anomalyCount + second.anomalyCount,
    elapsedMs: first.elapsedMs + second.elapsedMs,
    ...(extra(first).resets
      ? {
          resets: add(extra(first).resets, extra(second).resets),
          kinds: add(extra(first).kinds, extra(second).kinds),
        }
      : {}),
  } as FuzzReport;
}

async function publishSome(app: DemoApp, url: string, count: number): Promise<void> {
  for (let n = 0; n < count; n++) {
    const result = await sendOne(url, app.validPublish(n));
    expect(result.status, result.body).toBe(app.publishedStatus);
  }
}

describe.each(DEMO_APPS.map((app) => [app.name, app] as const))('hostile input: %s', (name, app) => {
  it.skipIf(!app.exists)(
    `${COUNT} fuzzed cursors and ${COUNT} hostile bodies: no 5xx, no crash, nothing injected, RSS bounded; 431/413 for oversized`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), `rsse-hostile-${name}-`));
      dirs.push(dir);
      const server = await startApp({
        entry: app.entry,
        cwd: dir,
        env: {
          STORE: 'sqlite',
          SQLITE_PATH: join(dir, 'app.db'),
          BUFFER_SIZE: '500',
          NODE_OPTIONS,
          ...app.env,
        },
      });
      running.push(server);
      const port = server.port;
      await publishSome(app, server.url, 30);
      const stream = await app.prepareStream(server.url);
      const first = await rawExchange(
        port,
        buildRequest('GET', stream.path, [['Accept', 'text/event-stream'], ...stream.headers]),
      );
      expect(first.status).toBe(200);
      const cursors = first.events
        .filter((event) => event.id && event.event !== 'reset')
        .map((event) => event.id!);
      expect(cursors.length).toBeGreaterThan(0);

      const sampler = sampleProcess(server.pid, 250);
      const baseline = sampler.samples[0]!.rssBytes;
      const cursorRun = (count: number, seed: number) =>
        fuzzCursors({
          port,
          path: stream.path,
          headers: stream.headers,
          cursors,
          appEvents: APP_EVENTS[name]!,
          count,
          seed,
        });
      const bodyRandom = seededRandom(runSeed(32));
      const bodyRun = (count: number) => fuzzBodies(server.url, count, () => app.hostileRequest(bodyRandom));

      // Cursors first, while the stream is short (bodies publish envelopes, and every `reset`
      // replays the retained stream under `initial: 'earliest'`); each kind measured on its own.
      const warmCursors = await cursorRun(WARM_UP, runSeed(31));
      const heapBeforeCursors = await liveHeapBytes(server.pid, dir);
      const cursorReport = merge(
        warmCursors,
        await cursorRun(COUNT - WARM_UP, runSeed(33)),
      ) as CursorFuzzReport;
      const heapAfterCursors = await liveHeapBytes(server.pid, dir);
      const warmBodies = await bodyRun(WARM_UP);
      const heapBeforeBodies = await liveHeapBytes(server.pid, dir);
      const bodyReport = merge(warmBodies, await bodyRun(COUNT - WARM_UP));
      const heapAfterBodies = await liveHeapBytes(server.pid, dir);
      const samples = sampler.stop();

      // Oversized: a header block past Node's 16 KiB limit, a body past the app's limit (declared and chunked).
      const bigHeader = await rawExchange(
        port,
        buildRequest('GET', stream.path, [['X-Padding', 'a'.repeat(20_000)], ...stream.headers]),
      );
      const bigCursor = await rawExchange(
        port,
        buildRequest('GET', stream.path, [['Last-Event-ID', 'a'.repeat(20_000)], ...stream.headers]),
      );
      const valid = app.validPublish(0);
      const bigBody = await sendOne(server.url, { ...valid, body: Buffer.alloc(app.maxBodyBytes + 1, 0x20) });
      const chunked = await rawExchange(
        port,
        Buffer.concat([
          Buffer.from(
            `${valid.method} ${valid.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n`,
          ),
          Buffer.from(
            Object.entries(valid.headers)
              .map(([key, value]) => `${key}: ${value}\r\n`)
              .join(''),
          ),
          Buffer.from('\r\n'),
          ...Array.from({ length: Math.ceil(app.maxBodyBytes / 8_192) + 2 }, () =>
            Buffer.from(`2000\r\n${' '.repeat(8_192)}\r\n`),
          ),
          Buffer.from('0\r\n\r\n'),
        ]),
      );
      const health = await sendOne(server.url, { method: 'GET', path: '/health', headers: {} });

      const rss = samples.map((sample) => sample.rssBytes);
      const peak = Math.max(...rss);
      const split = halves(rss);
      const lines = [
        line(`${name} cursors`, cursorReport) +
          `; resets ${JSON.stringify(cursorReport.resets)}; kinds ${JSON.stringify(cursorReport.kinds)}`,
        line(`${name} bodies`, bodyReport),
        `${name} oversized: header ${bigHeader.status}, Last-Event-ID ${bigCursor.status}, body ${bigBody.status}, chunked body ${chunked.status}`,
        `${name} live heap: cursors ${mib(heapBeforeCursors)} → ${mib(heapAfterCursors)}, bodies ${mib(heapBeforeBodies)} → ${mib(heapAfterBodies)}; server CPU ${((samples.at(-1)!.cpuMs - samples[0]!.cpuMs) / 1000).toFixed(1)} s; RSS: idle ${mib(baseline)}, peak ${mib(peak)}, end ${mib(rss.at(-1)!)}, median first half ${mib(split.first)}, second half ${mib(split.second)}; fds ${samples[0]!.fds} → ${samples.at(-1)!.fds}`,
        ...cursorReport.anomalies.map((anomaly) => `  cursor anomaly: ${anomaly}`),
        ...bodyReport.anomalies.map((anomaly) => `  body anomaly: ${anomaly}`),
      ];
      console.log(lines.join('\n'));
      recordFigure(`hostile ${name}`, lines);

      expect(cursorReport.serverErrors).toBe(0);
      expect(cursorReport.noAnswer).toBe(0);
      expect(cursorReport.anomalies).toEqual([]);
      expect(bodyReport.serverErrors).toBe(0);
      expect(bodyReport.noAnswer).toBe(0);
      expect(bodyReport.anomalies).toEqual([]);
      expect(bigHeader.status).toBe(431);
      expect(bigCursor.status).toBe(431);
      expect(bigBody.status).toBe(413);
      expect(chunked.status).toBe(413);
      expect(health.status).toBe(200);
      expect(heapAfterCursors - heapBeforeCursors).toBeLessThan(HEAP_GROWTH_LIMIT);
      expect(heapAfterBodies - heapBeforeBodies).toBeLessThan(HEAP_GROWTH_LIMIT);
      expect(peak - baseline).toBeLessThan(RSS_HEADROOM);
      expect(server.output()).not.toMatch(/uncaught|unhandled|heap out of memory/i);
      await server.stop('SIGTERM');
    },
    240_000,
  );
});

it('covers every demo app (those missing are listed)', () => {
  const missing = DEMO_APPS.filter((app) => !app.exists).map((app) => app.name);
  if (missing.length > 0) console.log(`hostile input: not covered (app not present): ${missing.join(', ')}`);
  expect(DEMO_APPS.length).toBe(3);
});
