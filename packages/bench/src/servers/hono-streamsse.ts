/**
 * A plain Hono `streamSSE` loop, the way an app writes it without a library: each connection
 * iterates an in-process event bus and awaits `writeSSE` for every event.
 */
import { EventEmitter, on } from 'node:events';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { createCursorCodec, newEpoch } from '@resumable-sse/core/protocol';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { closeServer, listen, runServer } from './server-kit.ts';

interface BusEvent {
  readonly id: string;
  readonly data: string;
}

await runServer(async () => {
  const bus = new EventEmitter();
  bus.setMaxListeners(0);
  const codec = createCursorCodec();
  const epoch = newEpoch();
  let offset = 0;

  const app = new Hono();
  app.get('/stream', (c) =>
    streamSSE(c, async (stream) => {
      const gone = new AbortController();
      stream.onAbort(() => gone.abort());
      try {
        for await (const [event] of on(bus, 'event', { signal: gone.signal }) as AsyncIterableIterator<
          [BusEvent]
        >) {
          await stream.writeSSE({ id: event.id, data: event.data });
        }
      } catch (error) {
        if (!gone.signal.aborted) throw error;
      }
    }),
  );

  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  return {
    port: await listen(server),
    publish(data) {
      offset += 1;
      const id = codec.encode({ epoch, offset });
      bus.emit('event', { id, data } satisfies BusEvent);
      return id;
    },
    framesToCatchUp: () => Number.NaN,
    close: () => closeServer(server),
  };
});
