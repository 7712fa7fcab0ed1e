/**
 * Prototype, not in the default run: our Hono handler with a Node fast path — when served by
 * `@hono/node-server`, write to the Node response directly (core's `@resumable-sse/core/node`
 * sink) and return `RESPONSE_ALREADY_SENT`, instead of bridging every frame through a Web
 * `ReadableStream`. Run it with `BENCH_CONTENDERS=ours-hono,prototypes/hono-node-direct`.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { createSseEndpoint } from '@resumable-sse/core';
import { toSseRequest, toSseSink } from '@resumable-sse/core/node';
import { Hono } from 'hono';
import { endpointOptions, ourFramesToCatchUp, ourHub } from '../our-hub.ts';
import { closeServer, listen, runServer } from '../server-kit.ts';

await runServer(async (config) => {
  const ours = await ourHub(config);
  const endpoint = createSseEndpoint(ours.hub, endpointOptions(config));
  const app = new Hono<{ Bindings: { incoming: IncomingMessage; outgoing: ServerResponse } }>();
  app.get('/stream', async (c) => {
    const { incoming, outgoing } = c.env;
    const plan = await endpoint.handle(toSseRequest(incoming, outgoing), c);
    if (plan.kind === 'response')
      return new Response(plan.body, { status: plan.status, headers: plan.headers });
    outgoing.writeHead(plan.status, plan.headers);
    outgoing.flushHeaders();
    void plan.pipe(toSseSink(outgoing)).then(() => outgoing.end());
    return RESPONSE_ALREADY_SENT;
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  return {
    port: await listen(server),
    publish: ours.publish,
    framesToCatchUp: ourFramesToCatchUp,
    disconnects: ours.disconnects,
    async close() {
      await ours.close();
      await closeServer(server);
    },
  };
});
