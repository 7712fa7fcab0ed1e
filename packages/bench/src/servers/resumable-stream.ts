/**
 * Vercel's `resumable-stream` on the same Redis, as close to our resume as its model allows.
 *
 * Its model: one producer process owns the stream and keeps every chunk in its own memory; a
 * resuming reader publishes a request on Redis Pub/Sub with a character offset (`skipCharacters`),
 * and the producer answers with the text after that offset as one Pub/Sub message, then forwards
 * each new chunk to that reader's channel. Redis holds no history. So this server is the producer
 * (it publishes the events into the resumable stream) and serves resuming readers; a client's
 * `Last-Event-ID` (an event number here) is turned into the character offset the client would
 * have tracked.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { createResumableStreamContext } from 'resumable-stream/generic';
import { closeServer, listen, runServer } from './server-kit.ts';
import { STREAM_HEADERS } from './stream-headers.ts';

await runServer(async (config) => {
  if (!config.redisUrl) throw new Error('resumable-stream needs redisUrl');
  const publisher = new Redis(config.redisUrl);
  const subscriber = new Redis(config.redisUrl);
  // Why readers were refused, and Redis connection errors (e.g. the subscriber closed by Redis
  // for passing its Pub/Sub output-buffer limit), reported with the server's stats.
  const failures: Record<string, number> = {};
  const count = (reason: string): void => {
    failures[reason] = (failures[reason] ?? 0) + 1;
  };
  publisher.on('error', (error: Error) => count(`publisher ${error.message}`));
  subscriber.on('error', (error: Error) => count(`subscriber ${error.message}`));
  const context = createResumableStreamContext({
    waitUntil: null,
    publisher,
    subscriber,
    keyPrefix: `bench-${process.pid}`,
  });
  const streamId = 'storm';

  // The producer's source: chunks are handed over one pull at a time, so once the next pull
  // starts, resumable-stream has recorded every chunk before it.
  const queue: Array<{ readonly chunk: string; readonly recorded: () => void }> = [];
  let lastHandedOver: (() => void) | undefined;
  let wakePull: (() => void) | undefined;
  const source = new ReadableStream<string>(
    {
      async pull(controller) {
        lastHandedOver?.();
        lastHandedOver = undefined;
        while (queue.length === 0) await new Promise<void>((resolve) => (wakePull = resolve));
        const next = queue.shift()!;
        controller.enqueue(next.chunk);
        lastHandedOver = next.recorded;
      },
    },
    { highWaterMark: 0 },
  );
  const original = await context.createNewResumableStream(streamId, () => source);
  // The first reader (the request that started the stream) reads it to the end.
  void (async () => {
    const reader = original?.getReader();
    while (reader && !(await reader.read()).done) {}
  })();

  /** Character offset just after each event: `Last-Event-ID: n` resumes from `ends[n]`. */
  const ends: number[] = [0];

  const server = createServer(async (req, res) => {
    const last = Number(req.headers['last-event-id'] ?? 0);
    const skip = ends[Number.isSafeInteger(last) ? last : 0] ?? 0;
    let stream: ReadableStream<string> | null | undefined;
    try {
      stream = await context.resumeExistingStream(streamId, skip);
    } catch (error) {
      count(error instanceof Error ? error.message : String(error));
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end(String(error));
      return;
    }
    if (!stream) {
      res.writeHead(422).end();
      return;
    }
    res.writeHead(200, STREAM_HEADERS);
    res.flushHeaders();
    const reader = stream.getReader();
    res.once('close', () => void reader.cancel().catch(() => {}));
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || res.destroyed) break;
        if (!res.write(value)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      }
    } catch {
      // The reader was cancelled because the client left.
    }
    res.end();
  });

  return {
    port: await listen(server),
    publish(data) {
      const offset = ends.length;
      const chunk = `id: ${offset}\ndata: ${data}\n\n`;
      ends.push(ends[offset - 1]! + chunk.length);
      const pulled = new Promise<string>((resolve) =>
        queue.push({ chunk, recorded: () => resolve(String(offset)) }),
      );
      wakePull?.();
      wakePull = undefined;
      return pulled;
    },
    framesToCatchUp: (events) => events,
    disconnects: () => ({ ...failures }),
    async close() {
      await closeServer(server);
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
});
