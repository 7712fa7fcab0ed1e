/**
 * The drain grace must not cut a reader that keeps reading, however slowly: a real node:http
 * server and a raw TCP client that reads 96 KiB/s (a slow mobile link), one large live frame and
 * a backlog behind `hub.close()`, each watched for 25 s at the default grace.
 *
 * The server sees the unsent bytes drop only in steps of ~1.3–1.6 MB on loopback (the kernel wakes
 * a writer once a third or so of the send buffer is free): about 14 s apart at this rate, so a
 * grace shorter than that (10 s) cut this reader after ~18 s.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHub, createSseEndpoint, type DisconnectReason, memoryStore } from '../index.ts';
import { toSseRequest, toSseSink } from '../node/index.ts';
import type { SseEndpointOptions } from './types.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serveCore(endpoint: Omit<SseEndpointOptions<IncomingMessage>, 'stream'>) {
  const disconnects: DisconnectReason[] = [];
  /** Per response, how it ended on the server: 'finished' (clean end sent) or 'destroyed' (dropped). */
  const outcomes: string[] = [];
  const store = memoryStore({ maxEvents: 1000 });
  const hub = createHub({ store, hooks: { onDisconnect: ({ reason }) => disconnects.push(reason) } });
  const sse = createSseEndpoint<IncomingMessage>(hub, { stream: 'feed', ...endpoint });
  const server: Server = createServer(async (req, res) => {
    const plan = await sse.handle(toSseRequest(req, res), req);
    res.writeHead(plan.status, plan.headers);
    if (plan.kind === 'response') return void res.end(plan.body);
    res.flushHeaders();
    res.on('close', () => outcomes.push(res.writableFinished ? 'finished' : 'destroyed'));
    await plan.pipe(toSseSink(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await hub.close();
  });
  return { hub, server, port, disconnects, outcomes };
}

/** A raw reader taking at most `bytesPerTick` every `tickMs`: slow, but never stops. */
function steadyReader(port: number, bytesPerTick: number, tickMs: number, headers = '') {
  const socket: Socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write(`GET /stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n${headers}\r\n`);
  const state = { bytes: 0, closed: false, text: '', lastAt: performance.now(), maxGapMs: 0, tail: '' };
  socket.pause();
  const timer = setInterval(() => {
    let budget = bytesPerTick;
    while (budget > 0) {
      const chunk: Buffer | null =
        socket.read(Math.min(budget, socket.readableLength || budget)) ?? socket.read();
      if (chunk === null) break;
      budget -= chunk.byteLength;
      state.bytes += chunk.byteLength;
      const now = performance.now();
      state.maxGapMs = Math.max(state.maxGapMs, now - state.lastAt);
      state.lastAt = now;
      state.tail = (state.tail + chunk.toString('latin1')).slice(-64);
    }
  }, tickMs);
  socket.on('close', () => {
    state.closed = true;
    clearInterval(timer);
  });
  cleanups.push(() => {
    clearInterval(timer);
    socket.destroy();
  });
  return state;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const WATCH_MS = 25_000;

const KIB_PER_SECOND = 96;

describe('a slow reader that keeps reading, at the default drainGraceMs', () => {
  it(`live: a reader taking ${KIB_PER_SECOND} KiB/s of one 24 MiB frame is not cut`, async () => {
    const { hub, port, disconnects } = await serveCore({ highWaterMarkBytes: 64 * KiB, heartbeatMs: 100 });
    const reader = steadyReader(port, (KIB_PER_SECOND * KiB) / 8, 125);
    await sleep(300);
    await hub.publish('feed', { data: 'x'.repeat(24 * MiB) });
    const start = performance.now();
    while (disconnects.length === 0 && performance.now() - start < WATCH_MS) await sleep(100);
    expect(reader.bytes, 'the reader kept reading').toBeGreaterThan(WATCH_MS * KIB_PER_SECOND * 0.5);
    expect(disconnects).toEqual([]);
  }, 60_000);

  it(`after hub.close(): a reader taking ${KIB_PER_SECOND} KiB/s behind an 8 MiB backlog is not dropped`, async () => {
    const { hub, port, outcomes } = await serveCore({ highWaterMarkBytes: 64 * MiB, heartbeatMs: 0 });
    const reader = steadyReader(port, (KIB_PER_SECOND * KiB) / 8, 125);
    await sleep(300);
    for (let i = 0; i < 8; i++) await hub.publish('feed', { data: `e${i} ${'x'.repeat(MiB)}` });
    await sleep(1_000);
    void hub.close();
    const start = performance.now();
    while (outcomes.length === 0 && performance.now() - start < WATCH_MS) await sleep(100);
    expect(reader.bytes, 'the reader kept reading').toBeGreaterThan(WATCH_MS * KIB_PER_SECOND * 0.5);
    // Still reading (or ended cleanly), never dropped.
    expect(outcomes.filter((outcome) => outcome === 'destroyed')).toEqual([]);
  }, 60_000);
});
