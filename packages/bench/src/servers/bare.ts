/**
 * The physical limit: `node:http` writing each event's frame — encoded once, the same bytes as
 * ours — to every open response. No replay, no backpressure policy, no framework. With
 * `heartbeatMs` it writes a comment line to every response on one timer.
 */
import { createServer, type ServerResponse } from 'node:http';
import { createCursorCodec, encodeEventBytes, newEpoch } from '@resumable-sse/core/protocol';
import { closeServer, listen, runServer } from './server-kit.ts';
import { STREAM_HEADERS } from './stream-headers.ts';

await runServer(async (config) => {
  const open = new Set<ServerResponse>();
  const heartbeat = Buffer.from(':\n\n');
  const heartbeats = config.heartbeatMs
    ? setInterval(() => {
        for (const res of open) res.write(heartbeat);
      }, config.heartbeatMs)
    : undefined;
  const codec = createCursorCodec();
  const epoch = newEpoch();
  let offset = 0;

  const server = createServer((_req, res) => {
    res.writeHead(200, STREAM_HEADERS);
    res.flushHeaders();
    open.add(res);
    res.once('close', () => open.delete(res));
  });

  return {
    port: await listen(server),
    publish(data) {
      offset += 1;
      const id = codec.encode({ epoch, offset });
      const frame = encodeEventBytes({ id, data });
      for (const res of open) res.write(frame);
      return id;
    },
    framesToCatchUp: () => Number.NaN,
    close: () => {
      clearInterval(heartbeats);
      return closeServer(server);
    },
  };
});
