/**
 * `better-sse` as its README shows it: a session per request, registered on a channel, and
 * `channel.broadcast` per event. Served by bare `node:http` (no framework cost); keep-alive
 * pings off like everyone else's heartbeats, unless the config sets `heartbeatMs`.
 */
import { createServer } from 'node:http';
import { createCursorCodec, newEpoch } from '@resumable-sse/core/protocol';
import { createChannel, createSession } from 'better-sse';
import { closeServer, listen, runServer } from './server-kit.ts';

await runServer(async (config) => {
  const channel = createChannel();
  const codec = createCursorCodec();
  const epoch = newEpoch();
  let offset = 0;

  const server = createServer(async (req, res) => {
    const session = await createSession(req, res, { keepAlive: config.heartbeatMs || null });
    channel.register(session);
  });

  return {
    port: await listen(server),
    publish(data) {
      offset += 1;
      const id = codec.encode({ epoch, offset });
      channel.broadcast(data, 'message', { eventId: id });
      return id;
    },
    framesToCatchUp: () => Number.NaN,
    close: () => closeServer(server),
  };
});
