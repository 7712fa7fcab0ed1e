import { Agent, get } from 'node:http';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, type RunningApp, runUntilExit, startApp } from './testing/index.ts';

const entry = fileURLToPath(new URL('./test-support/lifecycle-app.ts', import.meta.url));
const started: RunningApp[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.stop('SIGKILL')));
});

function noStackTrace(text: string): void {
  expect(text).not.toMatch(/^\s+at /m);
}

describe('an app on demo-support, as a real process', () => {
  it('starts on a free port, logs one URL line, and answers /health', async () => {
    const app = await startApp({ entry, env: { STORE: 'memory' } });
    started.push(app);
    expect(app.url).toBe(`http://127.0.0.1:${app.port}`);
    expect(app.output()).toBe(`lifecycle listening on ${app.url} (store: memory)\n`);
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'on %s ends open streams, then closes the store, and exits 0',
    async (signal) => {
      const app = await startApp({ entry, env: { STORE: 'memory' } });
      started.push(app);
      // Wrapped in an object: resolving with a bare promise would wait for the whole body.
      const { body } = await new Promise<{ body: Promise<string> }>((resolve, reject) => {
        get(`${app.url}/hold`, (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            text += chunk;
            if (text === 'hello\n')
              resolve({ body: new Promise((done) => response.on('end', () => done(text))) });
          });
        }).on('error', reject);
      });
      const status = await app.stop(signal);
      expect(status).toEqual({ code: 0, signal: null });
      expect(await body).toBe('hello\nbye\n');
      const output = app.output();
      expect(output.indexOf('streams closed (1)')).toBeGreaterThan(0);
      expect(output.indexOf('store closed')).toBeGreaterThan(output.indexOf('streams closed (1)'));
    },
  );

  it('does not wait out the grace period for sockets with no request in flight', async () => {
    const app = await startApp({ entry, env: { STORE: 'memory' } });
    started.push(app);
    // A keep-alive socket after a finished request, and one that connected but never asked anything.
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      get(`${app.url}/health`, { agent }, (response) => {
        response.resume();
        response.on('end', resolve);
      }).on('error', reject);
    });
    const silent = connect(app.port, '127.0.0.1');
    await new Promise((resolve) => silent.once('connect', resolve));
    silent.on('error', () => {});

    const stopping = Date.now();
    expect(await app.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    // The fixture's grace period is 2000 ms.
    expect(Date.now() - stopping).toBeLessThan(1_000);
    agent.destroy();
    silent.destroy();
  });

  it('refuses an unknown STORE with one clear line and exit code 1', async () => {
    const result = await runUntilExit({ entry, env: { STORE: 'postgres' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: STORE="postgres" is not a store this app knows: set STORE to one of memory, sqlite, redis.\n',
    );
    expect(result.stdout).toBe('');
  });

  it('refuses an unreachable Redis with one clear line and exit code 1', async () => {
    const port = await freePort();
    const result = await runUntilExit({
      entry,
      env: { STORE: 'redis', REDIS_URL: `redis://127.0.0.1:${port}` },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`^error: Cannot reach Redis at REDIS_URL="redis://127.0.0.1:${port}" \\(.+\\)`),
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    noStackTrace(result.stderr);
  });

  it('hides the Redis password in that message', async () => {
    const port = await freePort();
    const result = await runUntilExit({
      entry,
      env: { STORE: 'redis', REDIS_URL: `redis://user:s3cret@127.0.0.1:${port}` },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`redis://user:***@127.0.0.1:${port}`);
    expect(result.stderr).not.toContain('s3cret');
  });

  it('refuses a busy port with one clear line', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const result = await runUntilExit({ entry, env: { STORE: 'memory' }, port });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `error: Port ${port} on 127.0.0.1 is already in use: stop the other process or set PORT.\n`,
      );
    } finally {
      blocker.close();
    }
  });
});
