/**
 * Starts the CloudEvents player: `pnpm --dir apps/cloudevents-player start`.
 * Environment: see README.md (HOST, PORT, STORE, SQLITE_PATH, REDIS_URL, BUFFER_SIZE,
 * HEARTBEAT_MS, PING_INTERVAL_MS, MAX_BODY_BYTES, AUTH_TOKENS, AUTH_TOKEN_TTL_MS).
 */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createHub } from '@resumable-sse/core';
import {
  installGracefulShutdown,
  integerVariable,
  listen,
  listeningLine,
  openStore,
  readDemoConfig,
  runMain,
} from '@resumable-sse/demo-support';
import {
  createPlayerApp,
  DEFAULT_AUTH_TOKEN_TTL_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_PING_INTERVAL_MS,
} from './app.ts';
import { parseAuthKeys } from './auth/auth-keys.ts';
import { buildPlayerPage } from './page/player-page.ts';

const APP_NAME = 'cloudevents-player';

runMain(async () => {
  const config = readDemoConfig({
    appName: APP_NAME,
    defaultPort: 8080,
    dataDir: fileURLToPath(new URL('../data/', import.meta.url)),
  });
  const maxBodyBytes = integerVariable(
    'MAX_BODY_BYTES',
    process.env.MAX_BODY_BYTES?.trim() || undefined,
    DEFAULT_MAX_BODY_BYTES,
    1,
    2 ** 31,
  );
  const pingIntervalMs = integerVariable(
    'PING_INTERVAL_MS',
    process.env.PING_INTERVAL_MS?.trim() || undefined,
    DEFAULT_PING_INTERVAL_MS,
    0,
    3_600_000,
  );
  const authKeys = parseAuthKeys(process.env.AUTH_TOKENS);
  const authTokenTtlMs = integerVariable(
    'AUTH_TOKEN_TTL_MS',
    process.env.AUTH_TOKEN_TTL_MS?.trim() || undefined,
    DEFAULT_AUTH_TOKEN_TTL_MS,
    1_000,
    86_400_000,
  );
  // The page reconnects when the stream stays silent for two heartbeats (pings, or comments when pings are off).
  const heartbeatMs = pingIntervalMs > 0 ? pingIntervalMs : config.heartbeatMs;
  const page = await buildPlayerPage({ heartbeatMs, auth: authKeys !== undefined });
  const opened = await openStore(config);
  const hub = createHub({ store: opened.store });
  const app = createPlayerApp({
    hub,
    page,
    maxBodyBytes,
    pingIntervalMs,
    heartbeatMs: config.heartbeatMs,
    authKeys,
    authTokenTtlMs,
  });
  const server = createServer(app);
  const url = await listen(server, config.host, config.port);
  installGracefulShutdown({
    servers: [server],
    closeStreams: () => hub.close(),
    closeStore: () => opened.close(),
  });
  console.log(listeningLine(APP_NAME, url, opened.description));
});
