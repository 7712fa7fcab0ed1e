import { type Context, liveState } from './context.ts';
import { nextCursor } from './cursor.ts';
import { formatOffset } from './offsets.ts';
import { readPositions, tailPosition } from './positions.ts';
import type { ProtocolRequest } from './protocol-request.ts';
import { type ReadQuery, renderBody } from './read.ts';
import { isTextType } from './request-headers.ts';
import { baseHeaders } from './response-headers.ts';
import type { StreamState } from './stream-state.ts';
import { waitForAppend } from './wait.ts';

const encoder = new TextEncoder();
const LINE_BREAK = /\r\n|\r|\n/;

function dataEvent(payload: string): string {
  return `event: data\n${payload
    .split(LINE_BREAK)
    .map((line) => `data:${line}`)
    .join('\n')}\n\n`;
}

/**
 * `live=sse`: catch-up then live tail as `event: data` / `event: control` pairs. Binary content
 * types go base64 (`Stream-SSE-Data-Encoding: base64`), one data event per control event so each
 * payload decodes on its own. The response ends after `sseMaxConnectionMs`, or at the end of a
 * closed stream.
 */
export function serveSse(
  context: Context,
  request: ProtocolRequest,
  initial: StreamState,
  after: number,
  query: ReadQuery,
): Response {
  const { store, options } = context;
  const key = initial.key;
  const contentType = initial.meta!.contentType;
  const base64 = !isTextType(contentType);
  const headers = baseHeaders();
  headers.set('Content-Type', 'text/event-stream');
  headers.set('Cache-Control', 'no-cache');
  if (base64) headers.set('Stream-SSE-Data-Encoding', 'base64');

  const abort = new AbortController();
  for (const signal of [request.signal, options.signal]) {
    if (signal?.aborted) abort.abort();
    signal?.addEventListener('abort', () => abort.abort(), { once: true });
  }
  let cursor = query.cursor;

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        if (!abort.signal.aborted) controller.enqueue(encoder.encode(text));
      };
      const control = (state: StreamState, position: number, upToDate: boolean): boolean => {
        const ended = upToDate && state.closed;
        const fields: Record<string, unknown> = { streamNextOffset: formatOffset(state.epoch, position) };
        if (!ended) {
          cursor = nextCursor(options.now(), cursor);
          fields.streamCursor = cursor;
        }
        if (upToDate) fields.upToDate = true;
        if (ended) fields.streamClosed = true;
        send(`event: control\ndata:${JSON.stringify(fields)}\n\n`);
        return ended;
      };
      const run = async () => {
        const deadline = options.now() + options.sseMaxConnectionMs;
        let position = after;
        let announced = false;
        while (!abort.signal.aborted && options.now() < deadline) {
          const state = await context.sseReads.run(`state:${key}`, () => liveState(context, key));
          const tail = tailPosition(state);
          if (tail > position) {
            const range = await context.sseReads.run(`range:${key}:${state.epoch}:${position}:${tail}`, () =>
              readPositions(context, state, position, tail, options.maxReadBytes),
            );
            if (range.records.length > 0) {
              const rendered = renderBody(contentType, range.records);
              const payload = base64
                ? Buffer.from(rendered).toString('base64')
                : typeof rendered === 'string'
                  ? rendered
                  : Buffer.from(rendered).toString('utf8');
              send(dataEvent(payload));
            }
            position = range.end;
            announced = true;
            if (control(state, position, range.complete)) return;
            continue;
          }
          if (!announced) {
            announced = true;
            if (control(state, position, true)) return;
          }
          const outcome = await waitForAppend(
            store,
            key,
            state.tail,
            Math.max(1, Math.min(options.sseHeartbeatMs, deadline - options.now())),
            abort.signal,
          );
          if (outcome === 'ended') return;
          if (outcome === 'timeout') send(': keep-alive\n\n');
        }
      };
      run()
        .catch(() => undefined)
        .finally(() => {
          if (!abort.signal.aborted) {
            abort.abort();
            controller.close();
          }
        });
    },
    cancel() {
      abort.abort();
    },
  });
  return new Response(body, { status: 200, headers });
}
