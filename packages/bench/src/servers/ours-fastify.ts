/** Our Fastify 5 plugin over the hub. */
import { resumableSse, sseRoute } from '@resumable-sse/fastify';
import Fastify from 'fastify';
import { endpointOptions, ourFramesToCatchUp, ourHub } from './our-hub.ts';
import { runServer } from './server-kit.ts';

await runServer(async (config) => {
  const ours = await ourHub(config);
  const app = Fastify({ logger: false });
  await app.register(resumableSse, { hub: ours.hub });
  app.get('/stream', sseRoute(endpointOptions(config)));
  await app.listen({ host: '127.0.0.1', port: 0, backlog: 8192 });
  const address = app.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    publish: ours.publish,
    framesToCatchUp: ourFramesToCatchUp,
    disconnects: ours.disconnects,
    async close() {
      await ours.close();
      app.server.closeAllConnections();
      await app.close();
    },
  };
});
