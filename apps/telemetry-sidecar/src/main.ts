/**
 * Starts the telemetry sidecar: `pnpm --dir apps/telemetry-sidecar start`.
 * Environment: see README.md (HOST, PORT, STORE, SQLITE_PATH, REDIS_URL, BUFFER_SIZE,
 * HEARTBEAT_MS, MAX_BODY_BYTES, MAX_ENVELOPE_BYTES, ALLOWED_HOSTS, ALLOWED_ORIGINS,
 * SOURCE_ROOTS, OPEN_EDITOR).
 */

import type { Server } from 'node:http';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
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
import { accessPolicy, listVariable } from './access-policy.ts';
import { createSidecarApp } from './app.ts';
import { DEFAULT_INGEST_LIMITS } from './envelope/ingest-options.ts';
import { buildOverlayPage } from './page/overlay-page.ts';
import { editorLauncher } from './spotlight/open-in-editor.ts';
import { sourceRoots } from './spotlight/source-roots.ts';
import { loadSpotlightUi, spotlightUiDirectory } from './spotlight/spotlight-ui.ts';

const APP_NAME = 'telemetry-sidecar';

runMain(async () => {
  const config = readDemoConfig({
    appName: APP_NAME,
    defaultPort: 8969,
    dataDir: fileURLToPath(new URL('../data/', import.meta.url)),
  });
  const limits = {
    maxBodyBytes: integerVariable(
      'MAX_BODY_BYTES',
      process.env.MAX_BODY_BYTES,
      DEFAULT_INGEST_LIMITS.maxBodyBytes,
      1,
      2 ** 31,
    ),
    maxEnvelopeBytes: integerVariable(
      'MAX_ENVELOPE_BYTES',
      process.env.MAX_ENVELOPE_BYTES,
      DEFAULT_INGEST_LIMITS.maxEnvelopeBytes,
      1,
      2 ** 31,
    ),
  };
  const access = accessPolicy({
    allowedHosts: listVariable(process.env.ALLOWED_HOSTS),
    allowedOrigins: listVariable(process.env.ALLOWED_ORIGINS),
  });
  const sources = await sourceRoots(
    (process.env.SOURCE_ROOTS ?? process.cwd()).split(delimiter).filter((path) => path !== ''),
  );
  const editor = editorLauncher(process.env.OPEN_EDITOR, sources);
  const uiDirectory = spotlightUiDirectory();
  const ui = uiDirectory === undefined ? undefined : await loadSpotlightUi(uiDirectory);
  const page = await buildOverlayPage({ heartbeatMs: config.heartbeatMs });
  const opened = await openStore(config);
  const hub = createHub({ store: opened.store });
  const app = createSidecarApp({
    hub,
    page,
    ui,
    access,
    sources,
    editor,
    limits,
    heartbeatMs: config.heartbeatMs,
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  const url = await listen(server, config.host, config.port);
  installGracefulShutdown({
    servers: [server],
    closeStreams: () => hub.close(),
    closeStore: () => opened.close(),
  });
  console.log(listeningLine(APP_NAME, url, opened.description));
});
