import { type AuthorizationRefusal, isResumableSseError } from '@resumable-sse/core';
import { errorBody, HttpError, isHttpError } from '@resumable-sse/demo-support';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** Answers an authorization refusal as JSON `{ "error": … }`, with its headers (`WWW-Authenticate`). */
export function sendRefusal(reply: FastifyReply, refusal: AuthorizationRefusal): FastifyReply {
  return reply
    .code(refusal.status)
    .headers({ 'cache-control': 'no-store', ...refusal.headers })
    .send(errorBody(refusal.message ?? 'Not allowed.'));
}

/**
 * Fastify's own refusals (body limit, malformed JSON, media type) in this app's words; `undefined`
 * for anything that is not a client error.
 */
function clientError(error: FastifyError, maxBodyBytes: number): HttpError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, `Request body is larger than ${maxBodyBytes} bytes; send a shorter prompt.`);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpError(
        400,
        'Request body is not valid JSON: send { "prompt": "…", "tokens": 50, "delayMs": 100 }.',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, 'Request body is empty: send { "prompt": "…" }.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, 'Send the body as JSON with "Content-Type: application/json".');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpError(400, 'Request body does not match its Content-Length.');
  }
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) return new HttpError(status, error.message);
  return undefined;
}

/**
 * The app's error handler: every error is JSON `{ "error": … }`. A client's mistake keeps its
 * 4xx; an unreachable store is a 503 (nothing was stored, try again); anything else is logged
 * and a 500.
 */
export function createErrorHandler(options: { maxBodyBytes: number; logError: (line: string) => void }) {
  return function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const known = isHttpError(error) ? error : clientError(error, options.maxBodyBytes);
    if (known) return reply.code(known.status).send(errorBody(known.message));
    if (isResumableSseError(error, 'STORE_UNAVAILABLE') || isResumableSseError(error, 'STORE_CLOSED')) {
      return reply
        .code(503)
        .send(errorBody('The store is unavailable; nothing was stored. Try again shortly.'));
    }
    options.logError(`${request.method} ${request.url} failed: ${error.stack ?? error.message}`);
    return reply.code(500).send(errorBody('Internal error; nothing was stored.'));
  };
}
