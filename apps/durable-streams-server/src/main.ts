/**
 * Starts the Durable Streams server: `pnpm --dir apps/durable-streams-server start`.
 * Environment: see README.md (HOST, PORT, STORE, SQLITE_PATH, REDIS_URL, BUFFER_SIZE,
 * LONG_POLL_TIMEOUT_MS, SHUTDOWN_GRACE_MS).
 */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  installGracefulShutdown,
  integerVariable,
  listen,
  listeningLine,
  openStore,
  readDemoConfig,
  runMain,
} from '@resumable-sse/demo-support';
import { createServerListener } from './app.ts';

const APP_NAME = 'durable-streams-server';
/** Durable Streams keep every record: without BUFFER_SIZE, retention is as large as the store allows. */
const UNBOUNDED_RETENTION = 10_000_000;
/** The memory store allocates each stream's ring up front, so its default stays modest. */
const MEMORY_RETENTION = 20_000;

runMain(async () => {
  const config = readDemoConfig({
    appName: APP_NAME,
    defaultPort: 4437,
    dataDir: fileURLToPath(new URL('../data/', import.meta.url)),
  });
  const longPollTimeoutMs = integerVariable(
    'LONG_POLL_TIMEOUT_MS',
    process.env.LONG_POLL_TIMEOUT_MS,
    30_000,
    1,
    600_000,
  );
  const bufferSize =
    process.env.BUFFER_SIZE === undefined
      ? config.store === 'memory'
        ? MEMORY_RETENTION
        : UNBOUNDED_RETENTION
      : config.bufferSize;
  const opened = await openStore({ ...config, bufferSize });
  const shutdown = new AbortController();
  const server = createServer(
    createServerListener({ store: opened.store, longPollTimeoutMs, signal: shutdown.signal }),
  );
  const url = await listen(server, config.host, config.port);
  installGracefulShutdown({
    servers: [server],
    // Live readers get their response ended; they resume from their last offset elsewhere.
    closeStreams: () => shutdown.abort(),
    closeStore: () => opened.close(),
  });
  console.log(listeningLine(APP_NAME, url, opened.description));
});
