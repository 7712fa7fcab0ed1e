import { once } from 'node:events';
import { createServer, get, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SHUTDOWN_GRACE_MS, installGracefulShutdown, shutdownGraceMs } from './graceful-shutdown.ts';
import { StartupError } from './startup-error.ts';

const MEBIBYTE = 1_048_576;

describe('SHUTDOWN_GRACE_MS', () => {
  it('defaults to 10 s, reads a whole number of ms, and treats empty as unset', () => {
    expect(DEFAULT_SHUTDOWN_GRACE_MS).toBe(10_000);
    expect(shutdownGraceMs({})).toBe(10_000);
    expect(shutdownGraceMs({ SHUTDOWN_GRACE_MS: ' ' })).toBe(10_000);
    expect(shutdownGraceMs({ SHUTDOWN_GRACE_MS: '250' })).toBe(250);
    expect(shutdownGraceMs({ SHUTDOWN_GRACE_MS: '0' })).toBe(0);
  });

  it.each(['-1', '1.5', '5s', '3600001'])('refuses %s with a StartupError naming the variable', (raw) => {
    const install = () =>
      installGracefulShutdown({ servers: [], env: { SHUTDOWN_GRACE_MS: raw }, signals: [], exit: () => {} });
    expect(install).toThrow(StartupError);
    expect(install).toThrow(
      `SHUTDOWN_GRACE_MS="${raw}" is not valid: set SHUTDOWN_GRACE_MS to a whole number from 0 to 3600000.`,
    );
  });
});

describe('shutdown with bytes still queued', () => {
  it.each([
    ['a keep-alive socket', 'keep-alive'],
    ['a socket that asked to close', 'close'],
  ])('a response ended with megabytes queued on %s reaches the client whole', async (_, connection) => {
    const body = Buffer.alloc(8 * MEBIBYTE, 'x');
    const open = new Set<ServerResponse>();
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      // More than socket buffers hold while the client does not read: most of it stays queued.
      response.write(body);
      open.add(response);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;

    let exitCode: number | undefined;
    const shutdown = installGracefulShutdown({
      servers: [server],
      graceMs: 10_000,
      signals: [],
      log: () => {},
      exit: (code) => {
        exitCode = code;
      },
      closeStreams: () => {
        for (const held of open) held.end('END');
      },
    });
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      get({ port, host: '127.0.0.1', path: '/', headers: { connection } }, resolve).on('error', reject);
    });
    response.pause();
    const done = shutdown();
    // The server is ending the response while the client is still away.
    await new Promise((resolve) => setTimeout(resolve, 200));
    let received = 0;
    let tail = '';
    response.on('data', (chunk: Buffer) => {
      received += chunk.byteLength;
      tail = (tail + chunk.toString('latin1')).slice(-3);
    });
    const ended = await new Promise<string>((resolve) => {
      response.once('end', () => resolve(response.complete ? 'complete' : 'cut'));
      response.once('aborted', () => resolve('aborted'));
      response.once('error', (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
      response.resume();
    });
    await done;
    expect({ ended, received, tail, exitCode }).toEqual({
      ended: 'complete',
      received: body.byteLength + 3,
      tail: 'END',
      exitCode: 0,
    });
  });
});
