// A minimal app on demo-support, run as a child process by lifecycle.test.ts.
import { createServer, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  installGracefulShutdown,
  listen,
  listeningLine,
  openStore,
  readDemoConfig,
  runMain,
} from '../index.ts';

runMain(async () => {
  const config = readDemoConfig({
    appName: 'lifecycle',
    defaultPort: 0,
    dataDir: join(tmpdir(), 'lifecycle-app'),
  });
  const opened = await openStore(config);
  const held = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    if (request.url === '/health') {
      response.end('ok');
    } else if (request.url === '/hold') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('hello\n');
      held.add(response);
    } else {
      response.writeHead(404).end();
    }
  });
  const url = await listen(server, config.host, config.port);
  installGracefulShutdown({
    servers: [server],
    graceMs: 2_000,
    closeStreams: () => {
      for (const response of held) response.end('bye\n');
      console.log(`streams closed (${held.size})`);
    },
    closeStore: async () => {
      await opened.close();
      console.log('store closed');
    },
  });
  console.log(listeningLine('lifecycle', url, opened.description));
});
