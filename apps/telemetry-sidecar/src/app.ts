import { type Hub, isResumableSseError } from '@resumable-sse/core';
import { errorBody, HttpError, isHttpError, readBody } from '@resumable-sse/demo-support';
import { sse } from '@resumable-sse/hono';
import { type Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AccessPolicy } from './access-policy.ts';
import {
  DEFAULT_INGEST_LIMITS,
  ENVELOPE_CONTENT_TYPE,
  type IngestLimits,
} from './envelope/ingest-options.ts';
import { readEnvelope } from './envelope/read-envelope.ts';
import { envelopeToJson, toSpotlightEnvelope } from './envelope/spotlight-envelope.ts';
import { uuidv7 } from './envelope/uuidv7.ts';
import { CLEARED_EVENT, envelopeLog } from './envelope-log.ts';
import type { OverlayPage } from './page/overlay-page.ts';
import { renameEventsOnWrite, wantsBase64EventName } from './spotlight/base64-event-name.ts';
import { addContextLines } from './spotlight/context-lines.ts';
import { findEnvelope } from './spotlight/find-envelope.ts';
import type { EditorLauncher } from './spotlight/open-in-editor.ts';
import type { SourceRoots } from './spotlight/source-roots.ts';
import type { SpotlightUi } from './spotlight/spotlight-ui.ts';

/** Spotlight's CLI and SDKs recognise a running sidecar by this `X-Powered-By`. */
export const SIDECAR_IDENTIFIER = 'spotlight-by-sentry';
/** Largest `PUT /contextlines` or `POST /open` body. */
const MAX_SMALL_BODY_BYTES = 1_048_576;

export interface SidecarAppOptions {
  readonly hub: Hub;
  /** Our overlay, served at `/overlay`. */
  readonly page: OverlayPage;
  /** Spotlight's UI, served at `/`; without it `/` is the overlay. */
  readonly ui?: SpotlightUi | undefined;
  /** Which `Host`s and browser origins are served. */
  readonly access: AccessPolicy;
  /** The folders `PUT /contextlines` reads and `POST /open` opens. */
  readonly sources: SourceRoots;
  readonly editor: EditorLauncher;
  /** `POST /stream` size limits. */
  readonly limits?: IngestLimits;
  /** Heartbeat comment interval on `GET /stream`. @default 15000 */
  readonly heartbeatMs?: number;
  /** Where unexpected errors are reported. @default console.error */
  readonly logError?: (message: string) => void;
}

/**
 * The sidecar's routes, those of Spotlight's sidecar: envelopes in (`POST /stream`, the DSN
 * route), the resumable SSE feed (`GET /stream`), `DELETE /clear`, `PUT /contextlines`,
 * `POST /open`, `GET /envelope/:id`, the Spotlight UI at `/`, our overlay at `/overlay`, and
 * `GET /health`. Every error is JSON `{ "error": … }`.
 */
export function createSidecarApp(options: SidecarAppOptions): Hono {
  const { hub, page, ui, access, sources, editor } = options;
  const limits = options.limits ?? DEFAULT_INGEST_LIMITS;
  const logError = options.logError ?? ((message: string) => console.error(message));
  const log = envelopeLog(hub);
  const app = new Hono();

  // DNS rebinding: a page on evil.example whose name now points at 127.0.0.1 is same-origin
  // with us as far as its browser knows; only the Host header gives it away.
  app.use(async (c, next) => {
    const host = c.req.header('host');
    if (!access.allowsHost(host)) {
      return c.json(
        errorBody(
          `Host ${JSON.stringify(host ?? '')} is not served. Use http://localhost:<port>, or add the name to ALLOWED_HOSTS.`,
        ),
        403,
      );
    }
    c.header('X-Powered-By', SIDECAR_IDENTIFIER);
    // The UI finds its sidecar by this (it then talks to http://localhost:<port>).
    const port = (c.env as { incoming?: { socket?: { localPort?: number } } } | undefined)?.incoming?.socket
      ?.localPort;
    if (port !== undefined) c.header('Server-Timing', `sentrySpotlightPort;desc=${port}`);
    await next();
  });

  // `GET /stream` answers CORS itself (core); every other route here.
  const localCors = cors({
    origin: (origin) => (access.allowsOrigin(origin) ? origin : null),
    allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
    maxAge: 600,
  });
  app.use(async (c, next) =>
    c.req.method === 'GET' && c.req.path === '/stream' ? next() : localCors(c, next),
  );

  const ingest = async (c: Context) => {
    const raw = await readEnvelope(c.req.raw, limits);
    const envelope = toSpotlightEnvelope(raw, {
      envelopeId: uuidv7(),
      userAgent: c.req.header('user-agent'),
    });
    const eventId = raw.headers.event_id;
    const published = await hub.publish(await log.current(), {
      event: ENVELOPE_CONTENT_TYPE,
      data: envelopeToJson(envelope),
      // An SDK that retries an envelope it already delivered must not show it twice.
      idempotencyKey: typeof eventId === 'string' && eventId !== '' ? `event:${eventId}` : undefined,
    });
    return c.json({ id: published.id, duplicate: published.duplicate });
  };
  app.post('/stream', ingest);
  app.post('/api/:projectId/envelope', ingest);
  app.post('/api/:projectId/envelope/', ingest);

  const stream = sse({
    hub,
    stream: () => log.current(),
    // A freshly opened page shows every envelope still retained, as Spotlight's sidecar does.
    initial: 'earliest',
    heartbeatMs: options.heartbeatMs ?? 15_000,
    // A local sidecar that restarts should be found again quickly.
    retry: 1_000,
    cors: { origin: access.allowsOrigin },
    // A clear ends every connection on the old log; they come back on the new one.
    terminalEvents: [CLEARED_EVENT],
  });
  app.get('/stream', (c, next) => {
    const outgoing = (c.env as { outgoing?: Parameters<typeof renameEventsOnWrite>[0] } | undefined)
      ?.outgoing;
    if (wantsBase64EventName(c.req.query('base64')) && outgoing) renameEventsOnWrite(outgoing);
    return stream(c, next);
  });

  app.delete('/clear', async (c) => {
    await log.clear();
    return c.json({ cleared: true });
  });

  app.put('/contextlines', async (c) => {
    const body = await readSmallBody(c);
    return c.json((await addContextLines(body, sources)) as object);
  });

  app.post('/open', async (c) => {
    await editor.open(await readSmallBody(c));
    return c.body(null, 204);
  });

  app.get('/envelope/:id', async (c) => {
    const found = await findEnvelope(hub, await log.current(), c.req.param('id'));
    if (found === undefined) {
      return c.json(
        errorBody(`No envelope ${c.req.param('id')} in the log (cleared, or dropped from the buffer).`),
        404,
      );
    }
    return c.body(new Uint8Array(found), 200, {
      'content-type': ENVELOPE_CONTENT_TYPE,
      'cache-control': 'no-cache',
      'content-disposition': `attachment; filename="${c.req.param('id')}.bin"`,
    });
  });

  app.get('/health', async (c) => {
    const position = await hub.store.position(await log.current());
    return c.json({ status: 'ok', store: hub.store.kind, envelopes: position.head });
  });

  const overlay = (c: Context) => c.html(page.html);
  app.get('/overlay', overlay);
  app.get(page.scriptPath, (c) =>
    c.body(page.script, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );
  if (ui) {
    // The UI is a single-page app: its own routes (/telemetry/…) load the same page.
    const uiPage = (c: Context) =>
      c.body(new Uint8Array(ui.indexHtml), 200, {
        'content-type': 'text/html; charset=utf-8',
        'document-policy': 'js-profiling',
      });
    app.get('/', uiPage);
    app.get('/telemetry', uiPage);
    app.get('/telemetry/*', uiPage);
    app.get('/assets/*', (c) => {
      const asset = ui.asset(c.req.path.slice(1));
      if (!asset) return c.json(errorBody(`No Spotlight UI file at ${c.req.path}.`), 404);
      return c.body(new Uint8Array(asset.body), 200, { 'content-type': asset.contentType });
    });
  } else {
    app.get('/', overlay);
  }

  app.notFound((c) => c.json(errorBody(`No route for ${c.req.method} ${c.req.path}.`), 404));
  app.onError((error, c) => {
    if (isHttpError(error)) return c.json(errorBody(error.message), error.status as ContentfulStatusCode);
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

async function readSmallBody(c: Context): Promise<string> {
  const bytes = await readBody(c.req.raw.body, {
    maxBytes: MAX_SMALL_BODY_BYTES,
    contentLength: c.req.header('content-length'),
  });
  if (bytes.byteLength === 0) throw new HttpError(400, 'The body is empty.');
  return new TextDecoder().decode(bytes);
}
