import fastifyCompress from '@fastify/compress';
import { redisStore } from '@resumable-sse/redis';
import { sqliteStore } from '@resumable-sse/sqlite';
import {
  COMPRESSIBLE_BODY,
  connectionsOf,
  describeSseAdapter,
  sqliteAndRedisSuiteStores,
} from '@resumable-sse/testkit/http';
import Fastify, { type FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { resumableSse, sseRoute } from './index.ts';

describeSseAdapter<FastifyRequest>('fastify', {
  header: (request, name) => {
    const value = request.headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  },
  stores: sqliteAndRedisSuiteStores({ sqliteStore, redisStore, Redis }),
  async start({ hub, endpoint, compression }) {
    const app = Fastify();
    if (compression) {
      await app.register(fastifyCompress, { global: true });
      app.get('/compressible', async (_request, reply) => reply.type('text/plain').send(COMPRESSIBLE_BODY));
    }
    await app.register(resumableSse, { hub });
    app.route({ method: ['GET', 'OPTIONS'], url: '/stream', handler: sseRoute(endpoint) });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    return {
      url: `${address}/stream`,
      connections: () => connectionsOf(app.server),
      close: () => app.close(),
    };
  },
});
