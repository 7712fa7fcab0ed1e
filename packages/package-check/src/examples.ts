/**
 * How each package's README example is driven: a real HTTP client against the example's own
 * server, or the example run as a script (twice, where the point is what survives a restart).
 * A public package without an entry here fails the check: its example would go unrun.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openSse } from '@resumable-sse/testkit/http';
import { startRedisServer } from '@resumable-sse/testkit/redis-server';
import { cutProxy } from './cut-proxy.ts';
import { startExample, startServerExample } from './example-process.ts';
import { runOk } from './run.ts';

export interface ExampleContext {
  readonly project: string;
  /** The example's file in the project. */
  readonly file: string;
  /** Another package's example file, for examples that need a server (the client's). */
  exampleOf(name: string): string;
}

export type Driver = (ctx: ExampleContext) => Promise<string>;

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** The Hono, Express and Fastify examples: `POST /news` publishes, `GET /stream` streams. */
function publishingServer(contentType: 'text/plain' | 'application/json'): Driver {
  return async ({ project, file }) => {
    const { process: server, base } = await startServerExample(file, project);
    try {
      const publish = async (word: string): Promise<void> => {
        const body = contentType === 'text/plain' ? word : JSON.stringify({ word });
        const response = await fetch(`${base}/news`, {
          method: 'POST',
          headers: { 'content-type': contentType },
          body,
        });
        assert(response.status === 201, `POST /news answered ${response.status}: ${await response.text()}`);
      };
      await publish('one');
      await publish('two');
      const first = await openSse(`${base}/stream`);
      await first.waitForEvents(2, 5_000);
      first.close();
      const seen = first.appEvents.map((event) => event.data);
      assert(seen[0]?.includes('one') === true && seen[1]?.includes('two') === true, `replayed ${seen}`);
      await publish('three');
      const resumed = await openSse(`${base}/stream`, {
        headers: { 'last-event-id': first.appEvents[1]!.id! },
      });
      await resumed.waitForEvents(1, 5_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      resumed.close();
      const after = resumed.appEvents.map((event) => event.data);
      assert(after.length === 1 && after[0]!.includes('three'), `resumed with ${JSON.stringify(after)}`);
      assert(resumed.resets.length === 0, 'the resume was answered with a reset');
      return 'replayed one, two; resumed after two with exactly three';
    } finally {
      await server.stop();
    }
  };
}

/** Core's example: a node:http server with a tick every second. */
const tickingServer: Driver = async ({ project, file }) => {
  const { process: server, base } = await startServerExample(file, project);
  try {
    const first = await openSse(`${base}/stream`);
    await first.waitForEvents(1, 5_000);
    first.close();
    const last = first.appEvents.at(-1)!;
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const resumed = await openSse(`${base}/stream`, { headers: { 'last-event-id': last.id! } });
    await resumed.waitForEvents(1, 5_000);
    resumed.close();
    const gap = Date.parse(resumed.appEvents[0]!.data) - Date.parse(last.data);
    // The tick published while disconnected must come first: about 1 s after the last one seen.
    assert(
      gap > 500 && gap < 1_500,
      `resumed ${gap} ms after the last tick seen: a tick was lost or repeated`,
    );
    return `resumed with the tick ${gap} ms after the last one seen`;
  } finally {
    await server.stop();
  }
};

/** The client's example, against the Hono example, through a proxy that drops the connection. */
const clientThroughCut: Driver = async ({ project, file, exampleOf }) => {
  const { process: server, base } = await startServerExample(exampleOf('@resumable-sse/hono'), project);
  const proxy = await cutProxy(Number(new URL(base).port));
  const client = startExample(file, project, { STREAM_URL: `http://127.0.0.1:${proxy.port}/stream` });
  try {
    const publish = (word: string) => fetch(`${base}/news`, { method: 'POST', body: word });
    await client.waitForOutput(/status: live/);
    await publish('one');
    await client.waitForOutput(/news one/);
    proxy.cut();
    await publish('two');
    await client.waitForOutput(/news two/);
    const lines = client.output().split('\n');
    assert(lines.filter((line) => line.endsWith('news one')).length === 1, 'event one was delivered twice');
    assert(!/cannot resume/.test(client.output()), 'the client was told to reset');
    return 'delivered one; after the connection was cut, resumed with exactly two';
  } finally {
    await client.stop();
    await proxy.close();
    await server.stop();
  }
};

/** Runs a script example twice and reads the `head: n` it prints each time. */
async function headsOfTwoRuns(file: string, cwd: string, env: Record<string, string>): Promise<string[]> {
  const outputs: string[] = [];
  for (let run = 0; run < 2; run += 1) {
    const { stdout } = await runOk(process.execPath, [file], {
      cwd,
      env: { ...process.env, ...env },
      timeoutMs: 20_000,
    });
    outputs.push(stdout);
  }
  return outputs.map((stdout) => /head: (\d+)/.exec(stdout)?.[1] ?? `none in ${stdout}`);
}

const redisTwice: Driver = async ({ project, file }) => {
  const redis = await startRedisServer();
  try {
    const heads = await headsOfTwoRuns(file, project, { REDIS_URL: redis.url });
    assert(heads.join() === '1,2', `heads over two processes: ${heads}`);
    return 'two processes on one Redis: head 1, then 2';
  } finally {
    await redis.stop();
  }
};

const sqliteTwice: Driver = async ({ project, file }) => {
  const cwd = join(project, 'sqlite-run');
  mkdirSync(cwd, { recursive: true });
  // No better-sqlite3 in the project: the store runs on node:sqlite, as the README says it can.
  const heads = await headsOfTwoRuns(file, cwd, {});
  assert(heads.join() === '1,2', `heads across a restart: ${heads}`);
  return 'across a restart on one file: head 1, then 2 (node:sqlite)';
};

/** The testkit's examples are Vitest files (a store one and an adapter one): run them as their reader would. */
const vitestFile: Driver = async ({ project }) => {
  const { stdout } = await runOk(
    process.execPath,
    [join(project, 'node_modules/vitest/vitest.mjs'), 'run', 'example.test.ts'],
    {
      cwd: project,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      timeoutMs: 90_000,
    },
  );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colours from the summary
  const plain = stdout.replace(/\u001b\[[0-9;]*m/g, '');
  return `vitest: ${/Tests\s+(.*)/.exec(plain)?.[1]?.trim() ?? 'passed'}`;
};

/**
 * The Durable Streams example: create a stream, append, read from the start, append again and
 * read from the offset the first read answered — exactly the new data.
 */
const durableStreamsServer: Driver = async ({ project, file }) => {
  const { process: server, base } = await startServerExample(file, project);
  try {
    const url = `${base}/v1/stream/package-check`;
    const send = async (init: RequestInit, query = '') => {
      const response = await fetch(`${url}${query}`, init);
      assert(response.ok, `${init.method ?? 'GET'} ${query} answered ${response.status}`);
      return response;
    };
    await send({ method: 'PUT', headers: { 'Content-Type': 'text/plain' } });
    await send({ method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'one' });
    const first = await send({}, '?offset=-1');
    const offset = first.headers.get('stream-next-offset');
    assert(
      (await first.text()) === 'one' && offset !== null,
      'the first read did not return "one" and an offset',
    );
    await send({ method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'two' });
    const resumed = await (await send({}, `?offset=${encodeURIComponent(offset)}`)).text();
    assert(resumed === 'two', `resumed from ${offset} with ${JSON.stringify(resumed)}`);
    return `appended one; resumed from ${offset} with exactly two`;
  } finally {
    await server.stop();
  }
};

export const DRIVERS: Readonly<Record<string, Driver>> = {
  '@resumable-sse/durable-streams': durableStreamsServer,
  '@resumable-sse/core': tickingServer,
  '@resumable-sse/client': clientThroughCut,
  '@resumable-sse/hono': publishingServer('text/plain'),
  '@resumable-sse/express': publishingServer('text/plain'),
  '@resumable-sse/fastify': publishingServer('application/json'),
  '@resumable-sse/redis': redisTwice,
  '@resumable-sse/sqlite': sqliteTwice,
  '@resumable-sse/testkit': vitestFile,
};

/** The file an example is saved as; Vitest only picks up `*.test.ts`. */
export function exampleFileName(name: string): string {
  const short = name.replace('@resumable-sse/', '');
  return name === '@resumable-sse/testkit' ? `${short}.example.test.ts` : `${short}.example.ts`;
}
