/**
 * The limit for per-tick batching: `bare`, except that the frames published within one tick go
 * out as one concatenated buffer and one `res.write` per socket. It is what a coalescing server
 * can reach at best; `bare` is the limit only for one write per event per socket.
 */
import { createServer, type ServerResponse } from 'node:http';
import { createCursorCodec, encodeEventBytes, newEpoch } from '@resumable-sse/core/protocol';
import { closeServer, listen, runServer } from './server-kit.ts';
import { STREAM_HEADERS } from './stream-headers.ts';

await runServer(async () => {
  const open = new Set<ServerResponse>();
  const codec = createCursorCodec();
  const epoch = newEpoch();
  let offset = 0;
  let pending: Uint8Array[] = [];
  const flush = () => {
    const frames = pending;
    pending = [];
    const bytes = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
    for (const res of open) res.write(bytes);
  };
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
      if (pending.length === 0) process.nextTick(flush);
      pending.push(encodeEventBytes({ id, data }));
      return id;
    },
    framesToCatchUp: () => Number.NaN,
    close: () => closeServer(server),
  };
});
