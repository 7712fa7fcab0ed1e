import { type Hub, isResumableSseError } from '@resumable-sse/core';
import { errorBody, isHttpError } from '@resumable-sse/demo-support';
import { sse } from '@resumable-sse/hono';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import {
  DEFAULT_INGEST_LIMITS,
  ENVELOPE_CONTENT_TYPE,
  type IngestLimits,
} from './envelope/ingest-options.ts';
import { envelopeToJson } from './envelope/parse-envelope.ts';
import { readEnvelope } from './envelope/read-envelope.ts';
import { isLoopbackOrigin } from './loopback-origin.ts';
import type { OverlayPage } from './page/overlay-page.ts';

/** The one stream every envelope goes to. */
export const ENVELOPE_STREAM = 'envelopes';

export interface SidecarAppOptions {
  readonly hub: Hub;
  /** The overlay served at `GET /`. */
  readonly page: OverlayPage;
  /** `POST /stream` size limits. */
  readonly limits?: IngestLimits;
  /** Heartbeat comment interval on `GET /stream`. @default 15000 */
  readonly heartbeatMs?: number;
  /** Where unexpected errors are reported. @default console.error */
  readonly logError?: (message: string) => void;
}

/**
 * The sidecar's routes: `POST /stream` (envelopes in), `GET /stream` (the resumable SSE feed),
 * `GET /` (the overlay), `GET /health`. Every error is JSON `{ "error": … }`.
 */
export function createSidecarApp(options: SidecarAppOptions): Hono {
  const { hub, page } = options;
  const limits = options.limits ?? DEFAULT_INGEST_LIMITS;
  const logError = options.logError ?? ((message: string) => console.error(message));
  const app = new Hono();

  // Browser SDKs on a local dev server post cross-origin; the overlay may be embedded there too.
  const loopbackCors = cors({
    origin: (origin) => (isLoopbackOrigin(origin) ? origin : null),
    allowMethods: ['GET', 'POST'],
    allowHeaders: ['Content-Type', 'Content-Encoding', 'Last-Event-ID'],
    maxAge: 600,
  });
  app.on(['OPTIONS', 'POST'], '/stream', loopbackCors);

  app.post('/stream', async (c) => {
    const envelope = await readEnvelope(c.req.raw, limits);
    const eventId = envelope[0].event_id;
    const published = await hub.publish(ENVELOPE_STREAM, {
      event: ENVELOPE_CONTENT_TYPE,
      data: envelopeToJson(envelope),
      // An SDK that retries an envelope it already delivered must not show it twice.
      idempotencyKey: typeof eventId === 'string' && eventId !== '' ? `event:${eventId}` : undefined,
    });
    return c.json({ id: published.id, duplicate: published.duplicate });
  });

  app.get(
    '/stream',
    sse({
      hub,
      stream: ENVELOPE_STREAM,
      // A freshly opened overlay shows every envelope still retained, as the original sidecar did.
      initial: 'earliest',
      heartbeatMs: options.heartbeatMs ?? 15_000,
      // A local sidecar that restarts should be found again quickly.
      retry: 1_000,
      cors: { origin: isLoopbackOrigin },
    }),
  );

  app.get('/health', async (c) => {
    const position = await hub.store.position(ENVELOPE_STREAM);
    return c.json({ status: 'ok', store: hub.store.kind, envelopes: position.head });
  });

  app.get('/', (c) => c.html(page.html));
  app.get(page.scriptPath, (c) =>
    c.body(page.script, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );

  app.notFound((c) => c.json(errorBody(`No route for ${c.req.method} ${c.req.path}.`), 404));
  app.onError((error, c) => {
    if (isHttpError(error)) {
      return c.json(errorBody(error.message), error.status as 400 | 413 | 415);
    }
    // The store refused what the envelope made of itself (an `event_id` that is not
    // well-formed text cannot be an idempotency key): the sender's mistake, nothing stored.
    if (isResumableSseError(error, 'INVALID_FIELD')) {
      const reason = error.message.replace(/^\[resumable-sse\] /, '');
      return c.json(
        errorBody(
          `The envelope cannot be stored, so nothing was: ${reason} The key is "event:" + the envelope's "event_id": send one of well-formed text, such as the 32 hex digits Sentry's SDKs use.`,
        ),
        400,
      );
    }
    if (isResumableSseError(error, 'STORE_UNAVAILABLE') || isResumableSseError(error, 'STORE_CLOSED')) {
      return c.json(errorBody('The event store is unavailable; nothing was stored. Try again shortly.'), 503);
    }
    logError(
      `${c.req.method} ${c.req.path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return c.json(errorBody('Internal error; nothing was stored.'), 500);
  });
  return app;
}
