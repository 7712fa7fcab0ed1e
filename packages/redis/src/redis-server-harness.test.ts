import { rawRedisCommand, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { describe, expect, it } from 'vitest';

/** The test harness every Redis test (and the apps' and failure tests) relies on. */
describe('startRedisServer (testkit harness)', () => {
  it('runs a real server on loopback, restarts it empty on the same port, and stops it for good', async () => {
    const server = await startRedisServer();
    try {
      expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
      expect(await server.command('SET', 'k', 'v')).toBe('OK');
      expect(await server.command('CONFIG', 'GET', 'save')).toBe('save\n');
      const firstPid = server.pid;
      await server.restart();
      expect(server.pid).not.toBe(firstPid);
      expect(await rawRedisCommand(server.port, ['GET', 'k'])).toBe('');
      await server.command('SET', 'k', 'v');
      await server.flushAll();
      expect(await server.command('DBSIZE')).toBe('0');
      // A crash, then a restart on the same port.
      server.kill('SIGKILL');
      await expect(server.command('PING')).rejects.toThrow();
      await server.restart();
      expect(await server.command('PING')).toBe('PONG');
    } finally {
      await server.stop();
      await server.stop();
    }
    await expect(rawRedisCommand(server.port, ['PING'], 500)).rejects.toThrow();
  });

  it('saves a snapshot and restarts from it after a crash: what came after is gone, what came before is back', async () => {
    const server = await startRedisServer();
    try {
      await server.command('SET', 'k', 'before');
      const snapshot = await server.saveSnapshot();
      await server.command('SET', 'k', 'after');
      await server.command('SET', 'later', 'x');
      const { port, pid } = server;
      await server.restartFrom(snapshot);
      expect(server.port).toBe(port);
      expect(server.pid).not.toBe(pid);
      expect(await server.command('GET', 'k')).toBe('before');
      expect(await server.command('EXISTS', 'later')).toBe('0');
      // The copy is kept: the same older state can be restored again.
      await server.command('SET', 'k', 'again');
      await server.restartFrom(snapshot);
      expect(await server.command('GET', 'k')).toBe('before');
    } finally {
      await server.stop();
    }
  });

  it('stops a frozen server too', async () => {
    const server = await startRedisServer();
    server.kill('SIGSTOP');
    await server.stop();
    await expect(rawRedisCommand(server.port, ['PING'], 500)).rejects.toThrow();
  });

  it('fails (never skips) when the binary is missing, saying which command provisions it', async () => {
    const saved = process.env.REDIS_SERVER_BIN;
    process.env.REDIS_SERVER_BIN = '/nonexistent/redis-server';
    try {
      await expect(startRedisServer()).rejects.toThrow(/not found.*pnpm test.*provision/s);
    } finally {
      if (saved === undefined) delete process.env.REDIS_SERVER_BIN;
      else process.env.REDIS_SERVER_BIN = saved;
    }
  });

  it('fails with the log tail when the server refuses to start', async () => {
    await expect(startRedisServer({ args: ['--no-such-directive', 'x'] })).rejects.toThrow(
      /exited before it was ready[\s\S]*no-such-directive/i,
    );
  });
});
