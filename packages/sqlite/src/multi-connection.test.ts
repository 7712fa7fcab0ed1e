import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { collector } from '@resumable-sse/testkit/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDriverName } from './driver/types.ts';
import { type SqliteStore, sqliteStore } from './sqlite-store.ts';
import { DRIVERS, queryRows, tempDirectory, withConnection } from './test-support/sqlite-files.ts';

const CHILD_SCRIPT = fileURLToPath(new URL('./test-support/append-child.ts', import.meta.url));
const SETTLE_MS = 150;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

interface Child {
  readonly process: ChildProcessByStdio<Writable, Readable, Readable>;
  /** Lets the child start appending. */
  go(): void;
  /** The offsets the child's appends got, once it exited. */
  readonly done: Promise<number[]>;
}

/** Starts a real Node process running TypeScript source, appending to the same file. */
async function startAppender(args: {
  driver: SqliteDriverName;
  file: string;
  stream: string;
  count: number;
  label: string;
  pauseMs?: number;
}): Promise<Child> {
  const child = spawn(
    process.execPath,
    ['--conditions=@resumable-sse/source', CHILD_SCRIPT, JSON.stringify(args)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit');
  const deadline = Date.now() + 15_000;
  while (!stdout.startsWith('ready\n')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`child did not start: ${stderr}`);
    await sleep(10);
  }
  const done = exited.then(([code]) => {
    if (code !== 0) throw new Error(`child exited with ${String(code)}: ${stderr}`);
    const last = stdout.trim().split('\n').at(-1) ?? '{}';
    return (JSON.parse(last) as { offsets: number[] }).offsets;
  });
  return { process: child, go: () => child.stdin.end('go\n'), done };
}

for (const driver of DRIVERS) {
  describe(`several connections on one file (${driver})`, () => {
    let directory: ReturnType<typeof tempDirectory>;
    let file: string;
    const open: SqliteStore[] = [];
    const children: Child[] = [];
    const openStore = (options: Omit<Parameters<typeof sqliteStore>[0], 'path'> = {}): SqliteStore => {
      const store = sqliteStore({ path: file, driver, ...options });
      open.push(store);
      return store;
    };

    beforeEach(() => {
      directory = tempDirectory('multi');
      file = join(directory.path, 'events.db');
    });
    afterEach(async () => {
      for (const child of children.splice(0)) if (child.process.exitCode === null) child.process.kill();
      await Promise.allSettled(open.splice(0).map((store) => store.close()));
      directory.remove();
    });

    it('without polling, another instance’s appends reach a subscriber only with this instance’s next append, before it', async () => {
      const a = openStore();
      const b = openStore();
      const listener = collector('b');
      await b.subscribe('s', listener).ready;
      await a.append('s', [{ data: 'a1' }, { data: 'a2' }]);
      await sleep(SETTLE_MS);
      expect(listener.events).toEqual([]);
      await b.append('s', [{ data: 'b3' }]);
      expect(listener.events.map((event) => [event.offset, event.data])).toEqual([
        [1, 'a1'],
        [2, 'a2'],
        [3, 'b3'],
      ]);
    });

    it('with pollIntervalMs, a subscriber on instance B sees instance A’s appends live, in order, once', async () => {
      const a = openStore();
      const b = openStore({ pollIntervalMs: 20 });
      const listener = collector('b');
      await b.subscribe('s', listener).ready;
      await a.append('s', [{ data: '1' }]);
      await listener.waitForEvents(1);
      await a.append('s', [{ data: '2' }, { data: '3' }]);
      await b.append('s', [{ data: '4' }]);
      await a.append('s', [{ data: '5' }]);
      await listener.waitForEvents(5);
      await sleep(SETTLE_MS);
      expect(listener.events.map((event) => [event.offset, event.data])).toEqual(
        range(1, 5).map((n) => [n, `${n}`]),
      );
      expect(new Set(listener.events.map((event) => event.epoch))).toEqual(
        new Set([(await a.position('s')).epoch]),
      );
    });

    it('closes a polling subscriber with store-unavailable when retention dropped events it never saw', async () => {
      const a = openStore({ maxEvents: 5 });
      const b = openStore({ pollIntervalMs: 200, maxEvents: 5 });
      const listener = collector('b');
      await b.subscribe('s', listener).ready;
      await a.append(
        's',
        range(1, 20).map((n) => ({ data: String(n) })),
      );
      await listener.waitForClose(2000);
      expect(listener.events).toEqual([]);
      expect(listener.closes.map((reason) => reason.code)).toEqual(['store-unavailable']);
    });

    it('tells a polling subscriber epoch-changed when the stream’s log is lost by another connection', async () => {
      const a = openStore();
      const b = openStore({ pollIntervalMs: 20 });
      await a.append('s', [{ data: 'x' }]);
      const listener = collector('b');
      await b.subscribe('s', listener).ready;
      await a.close();
      withConnection(driver, file, (db) => db.exec("DELETE FROM resumable_sse_streams WHERE stream = 's'"));
      await listener.waitForClose();
      expect(listener.closes.map((reason) => reason.code)).toEqual(['epoch-changed']);
    });

    it('a polling subscriber sees every event a child process appends, in order', async () => {
      const count = 150;
      const store = openStore({ pollIntervalMs: 25 });
      const listener = collector('parent');
      await store.subscribe('jobs', listener).ready;
      const child = await startAppender({ driver, file, stream: 'jobs', count, label: 'child' });
      children.push(child);
      child.go();
      expect(await child.done).toEqual(range(1, count));
      await listener.waitForEvents(count);
      await sleep(SETTLE_MS);
      expect(listener.events.map((event) => [event.offset, event.data])).toEqual(
        range(1, count).map((n) => [n, `child-${n}`]),
      );
    });

    it('two processes appending at the same time get distinct, gap-free offsets, and the subscriber sees all in order', async () => {
      const count = 150;
      const store = openStore({ pollIntervalMs: 25 });
      const listener = collector('parent');
      await store.subscribe('shared', listener).ready;
      const child = await startAppender({
        driver,
        file,
        stream: 'shared',
        count,
        label: 'child',
        pauseMs: 1,
      });
      children.push(child);
      child.go();
      const mine: number[] = [];
      for (let index = 1; index <= count; index += 1) {
        const [result] = await store.append('shared', [{ event: 'parent', data: `parent-${index}` }]);
        mine.push(result?.offset ?? -1);
        await sleep(1);
      }
      const theirs = await child.done;
      expect([...mine, ...theirs].sort((x, y) => x - y)).toEqual(range(1, 2 * count));
      // The two processes really took turns, rather than one finishing before the other began.
      expect(Math.max(...mine)).toBeGreaterThan(Math.min(...theirs));
      expect(Math.max(...theirs)).toBeGreaterThan(Math.min(...mine));
      await listener.waitForEvents(2 * count);
      await sleep(SETTLE_MS);
      expect(listener.events.map((event) => event.offset)).toEqual(range(1, 2 * count));
      const stored = queryRows(
        driver,
        file,
        "SELECT seq, data FROM resumable_sse_events WHERE stream = 'shared' ORDER BY seq",
      );
      expect(listener.events.map((event) => event.data)).toEqual(stored.map((row) => row.data));
      // Each process's own events kept their order.
      for (const label of ['parent', 'child']) {
        const own = listener.events.filter((event) => event.event === label).map((event) => event.data);
        expect(own).toEqual(range(1, count).map((n) => `${label}-${n}`));
      }
    });
  });
}
