/** Headers every answer carries: browsers must not sniff stream bytes, and any origin may read. */
const EXPOSED = [
  'Stream-Next-Offset',
  'Stream-Cursor',
  'Stream-Up-To-Date',
  'Stream-Closed',
  'Stream-TTL',
  'Stream-Expires-At',
  'Stream-SSE-Data-Encoding',
  'Producer-Epoch',
  'Producer-Seq',
  'Producer-Expected-Seq',
  'Producer-Received-Seq',
  'ETag',
  'Location',
  'Content-Type',
].join(', ');

const ALLOWED_REQUEST_HEADERS = [
  'Content-Type',
  'Stream-TTL',
  'Stream-Expires-At',
  'Stream-Closed',
  'Stream-Seq',
  'Stream-Forked-From',
  'Stream-Fork-Offset',
  'Stream-Fork-Sub-Offset',
  'Producer-Id',
  'Producer-Epoch',
  'Producer-Seq',
  'If-None-Match',
  'Authorization',
].join(', ');

export function baseHeaders(): Headers {
  return new Headers({
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Resource-Policy': 'cross-origin',
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': EXPOSED,
  });
}

export function preflightHeaders(): Headers {
  const headers = baseHeaders();
  headers.set('Access-Control-Allow-Methods', 'GET, HEAD, PUT, POST, DELETE, OPTIONS');
  headers.set('Access-Control-Allow-Headers', ALLOWED_REQUEST_HEADERS);
  headers.set('Access-Control-Max-Age', '86400');
  return headers;
}

/** Catch-up and long-poll data may be cached by CDNs; tails and errors never. */
export const CACHEABLE = 'public, max-age=60, stale-while-revalidate=300';
export const NO_STORE = 'no-store';
