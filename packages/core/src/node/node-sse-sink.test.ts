/**
 * The Node sink on a real `node:http` response and a real client: what a tick's frames become
 * on the wire, and that batching loses, reorders or delays nothing.
 */
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SseSink } from '../engine/types.ts';
import { toSseSink } from './node-http.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Connection {
  readonly sink: SseSink;
  readonly res: ServerResponse;
  /** Every `res.write` the sink made, as text. */
  readonly writes: string[];
  /** Every chunk the sink passed to `res.write`, as passed. */
  readonly chunks: Uint8Array[];
  /** What the client has received so far. */
  received(): string;
  /** Resolves when the response ended. */
  readonly ended: Promise<void>;
  /** Bytes the client has received. */
  receivedBytes(): number;
  /** Starts reading, for a client opened with `paused`. */
  resume(): void;
}

/** With `paused`, the client does not read until `resume()`: the socket's buffers fill up. */
async function connect({ paused = false } = {}): Promise<Connection> {
  let opened!: (value: { res: ServerResponse }) => void;
  const serverSide = new Promise<{ res: ServerResponse }>((resolve) => {
    opened = resolve;
  });
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.flushHeaders();
    opened({ res });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  let text = '';
  let bytes = 0;
  let body: { resume(): void } | undefined;
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => {
    resolveEnded = resolve;
  });
  const client = request({ host: '127.0.0.1', port, path: '/' }, (response) => {
    body = response;
    response.on('data', (chunk: Buffer) => {
      bytes += chunk.byteLength;
      // Large bodies are only counted, never kept as text.
      if (text.length < 1_000_000) text += chunk.toString('utf8');
    });
    if (paused) response.pause();
    response.on('end', resolveEnded);
    response.on('error', resolveEnded);
  });
  client.on('error', () => resolveEnded());
  client.end();
  cleanups.push(() => void client.destroy());
  const { res } = await serverSide;
  const writes: string[] = [];
  const chunks: Uint8Array[] = [];
  const write = res.write.bind(res) as (chunk: Uint8Array) => boolean;
  res.write = ((chunk: Uint8Array) => {
    writes.push(Buffer.from(chunk).toString('utf8'));
    chunks.push(chunk);
    return write(chunk);
  }) as typeof res.write;
  return {
    sink: toSseSink(res),
    res,
    writes,
    chunks,
    received: () => text,
    ended,
    receivedBytes: () => bytes,
    resume: () => body?.resume(),
  };
}

const frame = (n: number) => new TextEncoder().encode(`data: ${n}\n\n`);

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('toSseSink', () => {
  it('hands the frames of one tick to the response in one write, in order', async () => {
    const { sink, writes, received } = await connect();
    for (let n = 1; n <= 10; n++) sink.write(frame(n));
    expect(writes).toEqual([]);
    expect(sink.bufferedBytes).toBe(9 * frame(1).byteLength + frame(10).byteLength);
    await until(() => received().includes('data: 10'), 'the batch to arrive');
    expect(writes).toHaveLength(1);
    expect(received()).toBe(Array.from({ length: 10 }, (_, i) => `data: ${i + 1}\n\n`).join(''));
  });

  it('writes frames of later ticks as later writes', async () => {
    const { sink, writes, received } = await connect();
    sink.write(frame(1));
    await new Promise((resolve) => setImmediate(resolve));
    sink.write(frame(2));
    sink.write(frame(3));
    await until(() => received().includes('data: 3'), 'both batches');
    expect(writes).toEqual(['data: 1\n\n', 'data: 2\n\ndata: 3\n\n']);
  });

  it('sends a large frame without copying it, after the smaller frames written before it', async () => {
    const { sink, writes, received } = await connect();
    const large = new TextEncoder().encode(`data: ${'x'.repeat(100_000)}\n\n`);
    sink.write(frame(1));
    sink.write(large);
    sink.write(frame(2));
    await until(() => received().endsWith('data: 2\n\n'), 'everything');
    expect(writes.map((write) => write.length)).toEqual([
      frame(1).byteLength,
      large.byteLength,
      frame(2).byteLength,
    ]);
  });

  it('says the buffer is full once a batch reaches the response high-water mark, and drain hands it over', async () => {
    const { sink, res, writes } = await connect();
    const big = new TextEncoder().encode(`data: ${'y'.repeat(4_000)}\n\n`);
    const answers: boolean[] = [];
    while (sink.bufferedBytes < res.writableHighWaterMark) answers.push(sink.write(big));
    expect(answers.at(-1)).toBe(false);
    expect(answers.slice(0, -1).every(Boolean)).toBe(true);
    const drained = sink.drain();
    expect(writes).toHaveLength(1);
    await drained;
  });

  it('end() delivers what was batched before ending', async () => {
    const { sink, received, ended } = await connect();
    sink.write(frame(1));
    sink.write(frame(2));
    sink.end();
    await ended;
    expect(received()).toBe('data: 1\n\ndata: 2\n\n');
    expect(sink.closed).toBe(true);
    expect(sink.write(frame(3))).toBe(false);
  });

  it('abort() drops the batch with the connection', async () => {
    const { sink, writes, ended } = await connect();
    sink.write(frame(1));
    sink.abort!();
    await ended;
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([]);
    expect(sink.bufferedBytes).toBe(0);
  });

  it('gives sockets due the same frames in a tick one shared buffer, and others their own', async () => {
    const [a, b, c] = [await connect(), await connect(), await connect()];
    const shared = [frame(1), frame(2), frame(3)];
    for (const chunk of shared) a.sink.write(chunk);
    for (const chunk of shared) b.sink.write(chunk);
    // Equal bytes but other arrays (a filtered or later-joined connection): not the same run.
    for (const n of [1, 2, 3]) c.sink.write(frame(n));
    await until(
      () => [a, b, c].every((connection) => connection.received().endsWith('data: 3\n\n')),
      'all three',
    );
    expect(a.chunks).toHaveLength(1);
    expect(b.chunks[0]).toBe(a.chunks[0]);
    expect(c.chunks[0]).not.toBe(a.chunks[0]);
    expect([a, b, c].map((connection) => connection.received())).toEqual(
      Array(3).fill('data: 1\n\ndata: 2\n\ndata: 3\n\n'),
    );
  });

  it('a response whose flush throws ends alone; the others of the tick still get their frames', async () => {
    const [first, broken, last] = [await connect(), await connect(), await connect()];
    // `flush` is what the compression middleware adds to a response; here it fails.
    Object.assign(broken.res, {
      flush: () => {
        throw new Error('compression failed');
      },
    });
    for (const connection of [first, broken, last]) {
      connection.sink.write(frame(1));
      connection.sink.write(frame(2));
    }
    await until(() => first.received().endsWith('data: 2\n\n'), 'the first connection');
    await until(() => last.received().endsWith('data: 2\n\n'), 'the last connection');
    await broken.ended;
    expect(broken.sink.closed).toBe(true);
    expect(last.sink.closed).toBe(false);
  });

  it('a response whose flush and destroy both throw still holds up no other socket of the tick', async () => {
    const [first, broken, last] = [await connect(), await connect(), await connect()];
    const destroy = broken.res.destroy.bind(broken.res);
    Object.assign(broken.res, {
      flush: () => {
        throw new Error('compression failed');
      },
      destroy: () => {
        destroy();
        throw new Error('destroy failed');
      },
    });
    for (const connection of [first, broken, last]) connection.sink.write(frame(1));
    await until(() => last.received() === 'data: 1\n\n', 'the socket after the broken one');
    expect(first.received()).toBe('data: 1\n\n');
  });
});

describe('toSseSink, behind a client that does not read', () => {
  const MiB = 1_048_576;
  /** A frame far larger than what loopback's socket buffers take from a client that does not read. */
  const huge = () => new Uint8Array(16 * MiB).fill(0x61);

  it('keeps what the response cannot take and hands it over in pieces, so what the client reads shows', async () => {
    const { sink, res, chunks, resume, receivedBytes } = await connect({ paused: true });
    sink.write(huge());
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stalled = sink.bufferedBytes;
    expect(stalled).toBeGreaterThan(4 * MiB);
    // Node counts a write unsent until all of it is in the kernel: it holds at most one piece.
    expect(res.writableLength).toBeLessThanOrEqual(512 * 1024);
    expect(Math.max(...chunks.map((chunk) => chunk.byteLength))).toBeLessThanOrEqual(256 * 1024);
    resume();
    await until(() => sink.bufferedBytes === 0, 'everything handed over');
    await until(() => receivedBytes() >= 16 * MiB, 'everything received');
  });

  it('end() with bytes still held ends the response after them, and says how many are left', async () => {
    const { sink, ended, resume, receivedBytes } = await connect({ paused: true });
    sink.write(huge());
    sink.end();
    expect(sink.closed).toBe(true);
    expect(sink.write(frame(1))).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sink.bufferedBytes).toBeGreaterThan(4 * MiB);
    resume();
    await ended;
    expect(receivedBytes()).toBeGreaterThanOrEqual(16 * MiB);
    expect(sink.bufferedBytes).toBe(0);
  });

  it('abort() after end() drops a response still waiting behind unsent bytes', async () => {
    const { sink, res } = await connect({ paused: true });
    sink.write(huge());
    sink.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(sink.bufferedBytes).toBeGreaterThan(0);
    sink.abort!();
    // The client that does not read cannot tell; the server's side of it is gone.
    await until(() => res.closed, 'the response to close');
    expect(sink.bufferedBytes).toBe(0);
  });
});
