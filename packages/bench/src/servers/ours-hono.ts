/** Our Hono handler over the hub, served by `@hono/node-server`. */
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { sse } from '@resumable-sse/hono';
import { Hono } from 'hono';
import { endpointOptions, ourFramesToCatchUp, ourHub } from './our-hub.ts';
import { closeServer, listen, runServer } from './server-kit.ts';

await runServer(async (config) => {
  const ours = await ourHub(config);
  const app = new Hono();
  app.get('/stream', sse({ hub: ours.hub, ...endpointOptions(config) }));
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
