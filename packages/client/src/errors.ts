/**
 * Why the client stopped for good (`fatal`) or is about to reconnect.
 *
 * Fatal: `NO_CONTENT` (HTTP 204, the server ended the stream), `UNAUTHORIZED` (401, unless
 * `onUnauthorized` refreshed the credentials), `FORBIDDEN`
 * (403), `BAD_STATUS` (any other 4xx, or a 2xx other than 200), `BAD_CONTENT_TYPE` (200 but not
 * `text/event-stream`), `INVALID_URL` (no request can be made to the URL: relative outside a
 * page, malformed, not http(s), a port fetch blocks), `INVALID_REQUEST` (fetch refuses the
 * request: a bad header name or value, an unknown `credentials` value).
 * Retried: `SERVER_ERROR` (5xx, 408, 429), `NETWORK_ERROR`, `HEARTBEAT_TIMEOUT`.
 * Reported only: `HANDLER_ERROR` (one of your callbacks threw; the stream goes on).
 */
export type EventStreamErrorCode =
  | 'NO_CONTENT'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'BAD_STATUS'
  | 'BAD_CONTENT_TYPE'
  | 'INVALID_URL'
  | 'INVALID_REQUEST'
  | 'SERVER_ERROR'
  | 'NETWORK_ERROR'
  | 'HEARTBEAT_TIMEOUT'
  | 'HANDLER_ERROR';

/**
 * The one error type the client reports. Match on `code`, never on the message.
 *
 * Its `name` is `ResumableSseError`, so `isResumableSseError` from `@resumable-sse/core`
 * recognises it too.
 */
export class EventStreamError extends Error {
  override readonly name = 'ResumableSseError';
  readonly code: EventStreamErrorCode;
  /** True when the client has stopped and will not reconnect. */
  readonly fatal: boolean;
  /** The HTTP status that caused it, when there was a response. */
  readonly status: number | undefined;

  constructor(
    code: EventStreamErrorCode,
    message: string,
    options: { fatal?: boolean; status?: number; cause?: unknown } = {},
  ) {
    super(`[resumable-sse] ${message}`, { cause: options.cause });
    this.code = code;
    this.fatal = options.fatal ?? false;
    this.status = options.status;
  }
}

/** True for an `EventStreamError` (also one from another installed copy of this package). */
export function isEventStreamError(value: unknown, code?: EventStreamErrorCode): value is EventStreamError {
  return (
    value instanceof Error &&
    value.name === 'ResumableSseError' &&
    typeof (value as { fatal?: unknown }).fatal === 'boolean' &&
    (code === undefined || (value as { code?: unknown }).code === code)
  );
}

const SSE_CONTENT_TYPE = /^\s*text\/event-stream\s*(;|$)/i;

/**
 * What a response means for the connection: `undefined` to read it as a stream, or the error
 * that ends this attempt (fatal or retried).
 */
export function responseError(response: Response): EventStreamError | undefined {
  const { status } = response;
  if (status === 200) {
    const type = response.headers.get('content-type') ?? '';
    if (SSE_CONTENT_TYPE.test(type)) return undefined;
    return new EventStreamError(
      'BAD_CONTENT_TYPE',
      `expected Content-Type text/event-stream, got "${type}"; check that the URL is the SSE endpoint`,
      { fatal: true, status },
    );
  }
  if (status >= 500 || status === 408 || status === 429) {
    return new EventStreamError('SERVER_ERROR', `HTTP ${status}; reconnecting with backoff`, { status });
  }
  if (status === 204) {
    return new EventStreamError('NO_CONTENT', 'HTTP 204: the server ended this stream; do not reconnect', {
      fatal: true,
      status,
    });
  }
  if (status === 401 || status === 403) {
    return new EventStreamError(
      status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN',
      `HTTP ${status}: refresh the credentials, then create a new client (pass it client.lastEventId)`,
      { fatal: true, status },
    );
  }
  return new EventStreamError('BAD_STATUS', `HTTP ${status}: not an event stream; check the URL`, {
    fatal: true,
    status,
  });
}
