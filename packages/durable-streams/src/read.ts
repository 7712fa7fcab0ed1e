import { isJsonStream } from './body.ts';
import { type Context, liveState, metadataHeaders, tailOffset } from './context.ts';
import { nextCursor } from './cursor.ts';
import { DurableStreamsError } from './errors.ts';
import { payloadBytes } from './log-records.ts';
import { formatOffset } from './offsets.ts';
import { readPositions, startPosition, tailPosition } from './positions.ts';
import type { ProtocolRequest } from './protocol-request.ts';
import type { DataRecord } from './read-range.ts';
import { baseHeaders, CACHEABLE, NO_STORE } from './response-headers.ts';
import { serveSse } from './sse.ts';
import type { StreamState } from './stream-state.ts';
import { waitForAppend } from './wait.ts';
import { wholeResponse } from './whole-body.ts';

export interface ReadQuery {
  readonly offset: string | null;
  readonly live: 'long-poll' | 'sse' | undefined;
  readonly cursor: string | null;
}

function readQuery(url: URL): ReadQuery {
  const offsets = url.searchParams.getAll('offset');
  if (offsets.length > 1)
    throw new DurableStreamsError('BAD_OFFSET', 'Send one offset parameter, not several.');
  const offset = offsets[0] ?? null;
  if (offset === '')
    throw new DurableStreamsError(
      'BAD_OFFSET',
      'The offset parameter is empty: use -1 to read from the start.',
    );
  const liveRaw = url.searchParams.get('live');
  if (liveRaw !== null && liveRaw !== 'long-poll' && liveRaw !== 'sse') {
    throw new DurableStreamsError('BAD_REQUEST', 'live must be long-poll or sse.');
  }
  const live = liveRaw ?? undefined;
  if (live !== undefined && offset === null) {
    throw new DurableStreamsError(
      'BAD_OFFSET',
      `live=${live} needs an offset: use -1, now, or a Stream-Next-Offset.`,
    );
  }
  return { offset, live, cursor: url.searchParams.get('cursor') };
}

/** The body of a read: concatenated bytes, or for JSON streams one array of every message. */
export function renderBody(
  contentType: string,
  records: readonly DataRecord[],
): Uint8Array<ArrayBuffer> | string {
  if (isJsonStream(contentType)) {
    return `[${records
      .map((record) => record.payload)
      .filter((text) => text !== '')
      .join(',')}]`;
  }
  // Text records are joined as text and encoded once by the Response.
  if (records.every((record) => !record.base64)) return records.map((record) => record.payload).join('');
  return Buffer.concat(records.map(payloadBytes));
}

export async function handleHead(context: Context, key: string): Promise<Response> {
  const state = await liveState(context, key);
  const headers = baseHeaders();
  metadataHeaders(state, headers);
  headers.set('Cache-Control', NO_STORE);
  return new Response(null, { status: 200, headers });
}

export async function handleGet(context: Context, request: ProtocolRequest, key: string): Promise<Response> {
  const query = readQuery(request.url);
  const { registry, options } = context;
  let state = await liveState(context, key);
  registry.touch(state);
  const after = startPosition(state, query.offset);
  if (query.live === 'sse') return serveSse(context, request, state, after, query);

  const headers = baseHeaders();
  const contentType = state.meta!.contentType;
  headers.set('Content-Type', contentType);

  if (query.offset === 'now' && query.live === undefined) {
    headers.set('Stream-Next-Offset', tailOffset(state));
    headers.set('Stream-Up-To-Date', 'true');
    headers.set('Cache-Control', NO_STORE);
    if (state.closed) headers.set('Stream-Closed', 'true');
    return new Response(isJsonStream(contentType) ? '[]' : null, { status: 200, headers });
  }

  if (query.live === 'long-poll' && after >= tailPosition(state)) {
    if (state.closed) return longPollTimeout(state, headers, query, options.now());
    await waitForAppend(context.store, key, state.tail, options.longPollTimeoutMs, request.signal);
    // What the log holds now decides, not what ended the wait: an append that lands as the poll
    // times out (its notification still on the way) is served here, or the timeout's next offset
    // would step over it.
    state = await liveState(context, key);
    if (tailPosition(state) <= after) return longPollTimeout(state, headers, query, options.now());
  }

  const range = await readPositions(context, state, after, tailPosition(state), options.maxReadBytes);
  const upToDate = range.complete;
  headers.set('Stream-Next-Offset', formatOffset(state.epoch, range.end));
  if (upToDate) headers.set('Stream-Up-To-Date', 'true');
  if (upToDate && state.closed) headers.set('Stream-Closed', 'true');
  if (query.live === 'long-poll') headers.set('Stream-Cursor', nextCursor(options.now(), query.cursor));
  headers.set('Cache-Control', CACHEABLE);
  const etag = `"${state.epoch}-${state.base}:${after}:${range.end}${upToDate && state.closed ? ':c' : ''}"`;
  headers.set('ETag', etag);
  if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
  return wholeResponse(renderBody(contentType, range.records), { status: 200, headers });
}

function longPollTimeout(state: StreamState, headers: Headers, query: ReadQuery, now: number): Response {
  headers.set('Stream-Next-Offset', tailOffset(state));
  headers.set('Stream-Up-To-Date', 'true');
  headers.set('Cache-Control', NO_STORE);
  if (state.closed) headers.set('Stream-Closed', 'true');
  else headers.set('Stream-Cursor', nextCursor(now, query.cursor));
  return new Response(null, { status: 204, headers });
}
