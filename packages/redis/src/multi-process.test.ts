import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { range } from './test-support/recorder.ts';
import { waitFor } from './test-support/wait.ts';

/** Two real Node processes on one Redis, each with its own store and connections. */
let server: RedisServerHandle;
const children: ChildProcess[] = [];

beforeAll(async () => {
  server = await startRedisServer();
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await server?.stop();
});

interface Child {
  readonly lines: Record<string, unknown>[];
  /** Writes one line to the child's stdin. */
  send(line: string): void;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

function runNode(script: string, args: readonly string[]): Child {
  const file = fileURLToPath(new URL(`./test-support/${script}`, import.meta.url));
  const child = spawn(process.execPath, ['--conditions=@resumable-sse/source', file, ...args], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { lines, exited, stderr: () => stderr, send: (line) => void child.stdin?.write(`${line}\n`) };
}

function waitForLine(child: Child, predicate: (line: Record<string, unknown>) => boolean, what: string) {
  return waitFor(
    () => child.lines.some(predicate),
    () => `${what}; got ${JSON.stringify(child.lines.slice(-3))}; stderr: ${child.stderr()}`,
    20_000,
  );
}

describe('several processes on one Redis', () => {
  it('delivers every event published in process A to a live subscriber in process B, in order', async () => {
    const stream = 'mp-live';
    const subscriber = runNode('subscriber-process.ts', [server.url, stream, '200']);
    await waitForLine(subscriber, (line) => line.ready === true, 'subscriber B never became ready');
    const publisher = runNode('publisher-process.ts', [server.url, stream, '200', '10', '1']);
    expect(await publisher.exited, publisher.stderr()).toBe(0);
    expect(await subscriber.exited, subscriber.stderr()).toBe(0);

    const published = publisher.lines.filter((line) => typeof line.offset === 'number');
    expect(published.map((line) => line.offset)).toEqual(range(1, 200));
    const received = subscriber.lines.filter((line) => typeof line.offset === 'number');
    expect(received.map((line) => line.offset)).toEqual(range(1, 200));
    expect(received.map((line) => line.data)).toEqual(range(1, 200).map((n) => `event-${n}`));
    expect(received.every((line) => line.event === 'n')).toBe(true);
  });

  it('lets a subscriber move to process B with a cursor from process A and lose nothing while A keeps publishing', async () => {
    const stream = 'mp-handover';
    // A holds after offset 150 until B is subscribed, so B joins while A is still publishing on
    // any machine, however slowly B's process starts.
    const publisher = runNode('publisher-process.ts', [server.url, stream, '300', '7', '10', '150']);
    await waitForLine(publisher, (line) => line.offset === 100, 'publisher A never reached offset 100');
    const cursor = publisher.lines.find((line) => line.offset === 100)?.cursor as string;
    const subscriber = runNode('subscriber-process.ts', [server.url, stream, '300', cursor]);
    await waitForLine(subscriber, (line) => line.ready === true, 'subscriber B never became ready');
    await waitForLine(publisher, (line) => typeof line.holding === 'number', 'publisher A never held');
    publisher.send('go');
    expect(await subscriber.exited, subscriber.stderr()).toBe(0);
    expect(await publisher.exited, publisher.stderr()).toBe(0);

    const received = subscriber.lines.filter((line) => typeof line.offset === 'number');
    expect(received.map((line) => line.offset)).toEqual(range(101, 300));
    expect(received.map((line) => line.data)).toEqual(range(101, 300).map((n) => `event-${n}`));
    // B joined while A was still publishing: part came from the log, the rest live, merged by offset.
    expect(new Set(received.map((line) => line.via))).toEqual(new Set(['replay', 'live']));
  });
});
