import { type Hub, isResumableSseError } from '@resumable-sse/core';
import { errorBody, HttpError, isHttpError } from '@resumable-sse/demo-support';
import { sse } from '@resumable-sse/express';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { createAccessTokens } from './auth/access-tokens.ts';
import type { AuthKey } from './auth/auth-keys.ts';
import { requirePermission, tokenRoute } from './auth/auth-routes.ts';
import { cloudEventToJson } from './cloudevents/cloudevent-to-json.ts';
import { readCloudEvents } from './cloudevents/read-cloudevents.ts';
import type { PlayerPage } from './page/player-page.ts';
import { PING_EVENT, pingData } from './ping.ts';

/** The one stream every CloudEvent goes to. */
export const CLOUDEVENTS_STREAM = 'cloudevents';
/** The SSE `event:` name of a CloudEvent on `GET /stream`. */
export const CLOUDEVENT_EVENT = 'cloudevent';

export const DEFAULT_MAX_BODY_BYTES = 1_048_576;
export const DEFAULT_PING_INTERVAL_MS = 30_000;
export const DEFAULT_AUTH_TOKEN_TTL_MS = 900_000;

export interface PlayerAppOptions {
  readonly hub: Hub;
  /** The live feed served at `GET /`. */
  readonly page: PlayerPage;
  /** Largest `POST /events` body, on the wire and decompressed. @default 1_048_576 */
  readonly maxBodyBytes?: number;
  /**
   * `event: ping` interval on `GET /stream`; the pings are the stream's heartbeat.
   * 0 sends no pings and `:` comment heartbeats every `heartbeatMs` instead. @default 30000
   */
  readonly pingIntervalMs?: number;
  /** Comment heartbeat interval, used only when pings are off. @default 15000 */
  readonly heartbeatMs?: number;
  /** Keys that may sign in (`AUTH_TOKENS`); `undefined`: no auth, every route is open. */
  readonly authKeys?: readonly AuthKey[] | undefined;
  /** How long an access token from `POST /auth/token` lives. @default 900000 (15 min) */
  readonly authTokenTtlMs?: number;
  /** Where unexpected errors are reported. @default console.error */
  readonly logError?: (message: string) => void;
}

/**
 * The player's routes: `POST /events` (CloudEvents in, every mode), `GET /stream` (the resumable
 * feed), `GET /` (the live feed page), `GET /health`. Every error is JSON `{ "error": … }`.
 */
export function createPlayerApp(options: PlayerAppOptions): Express {
  const { hub, page } = options;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
  const logError = options.logError ?? ((message: string) => console.error(message));
  const app = express();
  app.disable('x-powered-by');

  const tokens = options.authKeys
    ? createAccessTokens(options.authKeys, options.authTokenTtlMs ?? DEFAULT_AUTH_TOKEN_TTL_MS)
    : undefined;
  const open: RequestHandler = (_req, _res, next) => next();
  const mayRead = tokens ? requirePermission(tokens, 'read') : open;
  const mayPublish = tokens ? requirePermission(tokens, 'publish') : open;
  if (tokens) app.post('/auth/token', tokenRoute(tokens));

  app.post('/events', mayPublish, async (req, res) => {
    const events = await readCloudEvents(req, maxBodyBytes);
    // Every event is serialized before any is stored: one that cannot be refuses the whole batch.
    const data = events.map((event, index) =>
      cloudEventToJson(event, events.length > 1 ? `Event at index ${index} of the batch: ` : ''),
    );
    const published = await hub.publishBatch(
      CLOUDEVENTS_STREAM,
      events.map((event, index) => ({
        event: CLOUDEVENT_EVENT,
        data: data[index]!,
        // `source` + `id` identify a CloudEvent: a producer that retries a delivery must not show it twice.
        idempotencyKey: `ce:${JSON.stringify([event.source, event.id])}`,
      })),
    );
    res.json({
      events: events.map((event, index) => ({
        id: event.id,
        source: event.source,
        cursor: published[index]!.id,
        duplicate: published[index]!.duplicate,
      })),
    });
  });

  app.get(
    '/stream',
    mayRead,
    sse({
      hub,
      stream: CLOUDEVENTS_STREAM,
      // A freshly opened page shows every event still retained.
      initial: 'earliest',
      ...(pingIntervalMs > 0
        ? { heartbeatMs: pingIntervalMs, heartbeatEvent: { event: PING_EVENT, data: pingData } }
        : { heartbeatMs: options.heartbeatMs ?? 15_000 }),
      // A local player that restarts should be found again quickly.
      retry: 1_000,
    }),
  );

  app.get('/health', async (_req, res) => {
    const position = await hub.store.position(CLOUDEVENTS_STREAM);
    res.json({ status: 'ok', store: hub.store.kind, events: position.head });
  });

  app.get('/', (_req, res) => {
    res.type('html').send(page.html);
  });
  app.get(page.scriptPath, (_req, res) => {
    res.type('text/javascript; charset=utf-8').send(page.script);
  });

  app.use((req, _res, next) => {
    next(new HttpError(404, `No route for ${req.method} ${req.path}.`));
  });

  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A refused upload still being sent: answer, then close rather than read the rest.
    if (!req.complete) res.set('Connection', 'close');
    if (isHttpError(error)) {
      res.status(error.status).json(errorBody(error.message));
      return;
    }
    if (isResumableSseError(error, 'STORE_UNAVAILABLE') || isResumableSseError(error, 'STORE_CLOSED')) {
      res
        .status(503)
        .json(errorBody('The event store is unavailable; nothing was stored. Try again shortly.'));
      return;
    }
    logError(
      `${req.method} ${req.path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    res.status(500).json(errorBody('Internal error; nothing was stored.'));
  };
  app.use(onError);
  return app;
}
