/** The body of every error response the demos send. */
export interface ErrorBody {
  readonly error: string;
}

/**
 * A client error with its HTTP status. Request handlers throw it; each framework's error
 * handler turns it into `status` + `{ "error": message }` (see `jsonErrorResponse`).
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;

  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

export function isHttpError(value: unknown): value is HttpError {
  return value instanceof HttpError;
}

export function errorBody(message: string): ErrorBody {
  return { error: message };
}

/** A Web `Response` with a JSON `{ "error": message }` body (Hono, or any fetch-style handler). */
export function jsonErrorResponse(
  status: number,
  message: string,
  headers?: Record<string, string>,
): Response {
  return new Response(JSON.stringify(errorBody(message)), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}
