/** Our Express 5 middleware over the hub. */
import { createServer } from 'node:http';
import { sse } from '@resumable-sse/express';
import express from 'express';
import { endpointOptions, ourFramesToCatchUp, ourHub } from './our-hub.ts';
import { closeServer, listen, runServer } from './server-kit.ts';

await runServer(async (config) => {
  const ours = await ourHub(config);
  const app = express();
  app.get('/stream', sse({ hub: ours.hub, ...endpointOptions(config) }));
  const server = createServer(app);
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
