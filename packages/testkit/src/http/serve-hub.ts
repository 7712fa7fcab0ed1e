import { createServer, type IncomingMessage } from 'node:http';
import { createSseEndpoint, type Hub, type SseEndpointOptions } from '@resumable-sse/core';
import { toSseRequest, toSseSink } from '@resumable-sse/core/node';
import { listen, type StartedServer } from './harness.ts';

/**
 * Serves one hub's stream on 127.0.0.1 with plain `node:http`, for store tests that need the
 * whole path — store, hub, replay, HTTP — without a framework.
 */
export function serveHub(hub: Hub, options: SseEndpointOptions<IncomingMessage>): Promise<StartedServer> {
  const endpoint = createSseEndpoint<IncomingMessage>(hub, options);
  const server = createServer(async (req, res) => {
    const plan = await endpoint.handle(toSseRequest(req, res), req);
    res.writeHead(plan.status, plan.headers);
    if (plan.kind === 'response') {
      res.end(plan.body);
      return;
    }
    res.flushHeaders();
    await plan.pipe(toSseSink(res));
  });
  return listen(server);
}
