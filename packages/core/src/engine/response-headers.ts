import type { CorsOptions, SseRequest } from './types.ts';

/**
 * Headers of an event stream (docs/protocol.md §4.1). `Cache-Control: no-transform` and
 * `X-Accel-Buffering: no` keep compression middleware and proxies from buffering it.
 * `Connection` is HTTP/1.x only: HTTP/2 forbids it.
 */
export function streamHeaders(request: SseRequest): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
  };
  if ((request.httpVersionMajor ?? 1) < 2) headers.Connection = 'keep-alive';
  return headers;
}

const ALLOWED_REQUEST_HEADERS = 'Last-Event-ID, Cache-Control, Authorization, Content-Type, Accept';

/** CORS headers for a response to `request`; empty when CORS is off or the origin is not allowed. */
export function corsHeaders(cors: CorsOptions | undefined, request: SseRequest): Record<string, string> {
  const origin = request.header('origin');
  if (!cors || origin === undefined) return {};
  const allowed = allowedOrigin(cors, origin);
  if (allowed === undefined) return {};
  const headers: Record<string, string> = { 'Access-Control-Allow-Origin': allowed };
  if (allowed !== '*') headers.Vary = 'Origin';
  if (cors.credentials && allowed !== '*') headers['Access-Control-Allow-Credentials'] = 'true';
  return headers;
}

/** Headers of a CORS preflight answer: `Last-Event-ID` must be allowed for resume to work. */
export function preflightHeaders(cors: CorsOptions | undefined, request: SseRequest): Record<string, string> {
  const base = corsHeaders(cors, request);
  if (!cors || !base['Access-Control-Allow-Origin']) return { Allow: 'GET, HEAD, OPTIONS' };
  return {
    ...base,
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    'Access-Control-Allow-Headers': ALLOWED_REQUEST_HEADERS,
    'Access-Control-Max-Age': String(cors.maxAgeSeconds ?? 600),
  };
}

function allowedOrigin(cors: CorsOptions, origin: string): string | undefined {
  const rule = cors.origin;
  if (rule === '*') return cors.credentials ? origin : '*';
  if (typeof rule === 'function') return rule(origin) ? origin : undefined;
  if (typeof rule === 'string') return rule === origin ? origin : undefined;
  return rule.includes(origin) ? origin : undefined;
}
