import { createServer } from 'node:http';
import { redisStore } from '@resumable-sse/redis';
import { sqliteStore } from '@resumable-sse/sqlite';
import {
  COMPRESSIBLE_BODY,
  describeSseAdapter,
  listen,
  sqliteAndRedisSuiteStores,
} from '@resumable-sse/testkit/http';
import compression from 'compression';
import express, { type Request } from 'express';
import { Redis } from 'ioredis';
import { sse } from './index.ts';

describeSseAdapter<Request>('express', {
  header: (request, name) => request.get(name),
  stores: sqliteAndRedisSuiteStores({ sqliteStore, redisStore, Redis }),
  async start({ hub, endpoint, compression: compressing }) {
    const app = express();
    if (compressing) {
      app.use(compression());
      app.get('/compressible', (_request, response) => {
        response.type('text/plain').send(COMPRESSIBLE_BODY);
      });
    }
    // `all`, so the CORS preflight (OPTIONS) reaches the handler too.
    app.all('/stream', sse({ hub, ...endpoint }));
    return listen(createServer(app));
  },
});
