/**
 * A small real SSE server on loopback that speaks the resumable-sse protocol (docs/protocol.md §2–§6):
 * cursors `<epoch>.<offset36>`, replay after `Last-Event-ID` (header, then `?lastEventId=`),
 * `reset` with a baseline id, `caught-up`, `retry:`, heartbeats — plus switches to misbehave on
 * demand (status codes, duplicates, silence, dropped sockets, stop and restart on the same port).
 * Built on `node:http` alone so the client's tests do not depend on the server packages.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ResetReason = 'evicted' | 'epoch' | 'future' | 'malformed';

export interface TestSseServerOptions {
  /** Heartbeat comment every this many ms; 0 for none. @default 0 */
  heartbeatMs?: number;
  /** `retry:` sent at connect, when set. */
  retryMs?: number;
  /** What a connection without a cursor gets. @default 'earliest' */
  initial?: 'earliest' | 'now';
  /** Events retained (older ones are evicted). @default Infinity */
  retain?: number;
  /**
   * `caught-up` carries an `id:`: the position the connection has passed (the head; `<epoch>.0`
   * on an empty log), as the resumable-sse server sends it. `false` sends none, as older
   * servers did. @default true
   */
  caughtUpId?: boolean;
}

/** A plain (non-stream) answer to the next stream request(s). */
export interface PlainReply {
  status: number;
  contentType?: string;
  body?: string;
  /** More response headers (e.g. `www-authenticate`). */
  headers?: Record<string, string>;
}

export interface RecordedRequest {
  readonly path: string;
  readonly lastEventId: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly at: number;
}

export interface Misbehaviour {
  /** Send the event with this offset twice, back to back, whenever it is sent. */
  repeatOffset?: number;
  /** Treat every cursor as absent (replays everything retained on every connection). */
  ignoreLastEventId?: boolean;
  /** Start every connection with this `reset` and a replay of everything retained. */
  resetEveryConnection?: ResetReason;
  /** End the response right after `caught-up`. */
  endAfterCaughtUp?: boolean;
  /** Raw text written right after `caught-up` (hand-made frames). */
  rawAfterCaughtUp?: string;
  /** Send nothing more after `caught-up`, heartbeats included, and keep the response open. */
  silentAfterCaughtUp?: boolean;
}

interface StoredEvent {
  offset: number;
  id: string;
  event: string | undefined;
  data: string;
}

interface OpenStream {
  res: ServerResponse;
  muted: boolean;
  heartbeat: ReturnType<typeof setInterval> | undefined;
}

export interface TestSseServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** `<origin>/stream` */
  readonly streamUrl: string;
  readonly port: number;
  readonly epoch: string;
  /** Every GET of the stream path, in order. */
  readonly requests: RecordedRequest[];
  readonly events: readonly StoredEvent[];
  readonly options: TestSseServerOptions;
  misbehave: Misbehaviour;
  /** Appends an event, sends it to every open live stream, returns its id. */
  publish(data: string, event?: string): string;
  /** Answers the next `times` stream requests with `reply` instead of a stream. */
  respond(reply: PlainReply, times?: number): void;
  /** Serves a fixed body at `path` (pages and scripts for browser tests). */
  serve(path: string, contentType: string, body: string): void;
  /** Open streams stop sending anything, heartbeats included, without closing. */
  muteOpenStreams(): void;
  /** Ends every open stream cleanly. */
  endOpenStreams(): void;
  /** Destroys every socket (a network failure mid-stream). */
  dropConnections(): void;
  /** Stops listening and drops every connection; the log is kept (a durable store). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Loses the log, as a restarted memory store would: new epoch, offsets from 1 again. */
  loseLog(): void;
  openStreamCount(): number;
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const CURSOR = /^([A-Za-z0-9]+)\.([0-9a-z]+)$/;

/** WHATWG framing; test data never contains CR. */
export function frame(fields: { id?: string; event?: string; data?: string; retry?: number }): string {
  let out = '';
  if (fields.retry !== undefined) out += `retry: ${fields.retry}\n`;
  if (fields.id !== undefined) out += `id: ${fields.id}\n`;
  if (fields.event !== undefined) out += `event: ${fields.event}\n`;
  if (fields.data !== undefined) for (const line of fields.data.split('\n')) out += `data: ${line}\n`;
  return `${out}\n`;
}

export async function startTestSseServer(options: TestSseServerOptions = {}): Promise<TestSseServer> {
  const {
    heartbeatMs = 0,
    retryMs,
    initial = 'earliest',
    retain = Number.POSITIVE_INFINITY,
    caughtUpId = true,
  } = options;
  let epoch = randomBytes(5).toString('hex');
  let log: StoredEvent[] = [];
  let nextOffset = 1;
  const requests: RecordedRequest[] = [];
  const replies: PlainReply[] = [];
  const statics = new Map<string, { contentType: string; body: string }>();
  const open = new Set<OpenStream>();
  const waiters = new Set<() => void>();
  let misbehave: Misbehaviour = {};

  const idOf = (offset: number): string => `${epoch}.${offset.toString(36)}`;
  const head = (): number => nextOffset - 1;
  const oldest = (): number => log[0]?.offset ?? nextOffset;

  function send(stream: OpenStream, text: string): void {
    if (!stream.muted && !stream.res.writableEnded) stream.res.write(text);
  }

  function sendEvent(stream: OpenStream, event: StoredEvent): void {
    const text = frame({ id: event.id, event: event.event, data: event.data });
    send(stream, text);
    if (misbehave.repeatOffset === event.offset) send(stream, text);
  }

  /** docs/protocol.md §5.1: which reset (if any) and the first offset to send. */
  function plan(cursor: string | undefined): { reset?: ResetReason; from: number } {
    const fromStart = oldest();
    const asAbsent = initial === 'earliest' ? fromStart : nextOffset;
    if (misbehave.resetEveryConnection) return { reset: misbehave.resetEveryConnection, from: fromStart };
    if (cursor === undefined || misbehave.ignoreLastEventId) return { from: asAbsent };
    const match = CURSOR.exec(cursor.length > 256 ? '' : cursor);
    if (!match) return { reset: 'malformed', from: asAbsent };
    if (match[1] !== epoch) return { reset: 'epoch', from: fromStart };
    const offset = Number.parseInt(match[2]!, 36);
    if (offset > head()) return { reset: 'future', from: asAbsent };
    if (offset + 1 < fromStart) return { reset: 'evicted', from: fromStart };
    return { from: offset + 1 };
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const fixed = statics.get(url.pathname);
    if (fixed) {
      res.writeHead(200, { 'content-type': fixed.contentType, 'cache-control': 'no-store' }).end(fixed.body);
      return;
    }
    if (req.method === 'OPTIONS') {
      res
        .writeHead(204, {
          'access-control-allow-origin': '*',
          'access-control-allow-headers': '*, last-event-id, authorization',
          'access-control-allow-methods': 'GET',
        })
        .end();
      return;
    }
    if (url.pathname !== '/stream') {
      res.writeHead(404).end();
      return;
    }
    const header = req.headers['last-event-id'];
    const cursor =
      (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('lastEventId') ?? undefined;
    requests.push({ path: url.pathname, lastEventId: cursor, headers: req.headers, at: Date.now() });
    for (const wake of waiters) wake();

    const reply = replies.shift();
    if (reply) {
      const headers: Record<string, string> = { 'access-control-allow-origin': '*', ...reply.headers };
      if (reply.contentType) headers['content-type'] = reply.contentType;
      res.writeHead(reply.status, headers).end(reply.body);
      return;
    }

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'access-control-allow-origin': '*',
    });
    res.flushHeaders();
    const stream: OpenStream = { res, muted: false, heartbeat: undefined };
    open.add(stream);
    const forget = (): void => {
      clearInterval(stream.heartbeat);
      open.delete(stream);
    };
    res.on('close', forget);
    req.on('close', forget);

    const { reset, from } = plan(cursor);
    let text = retryMs === undefined ? ': open\n\n' : frame({ retry: retryMs });
    if (reset) {
      const payload = { reason: reset, requested: cursor ?? '', oldest: log[0]?.id ?? null };
      text += frame({ id: idOf(from - 1), event: 'reset', data: JSON.stringify(payload) });
    }
    send(stream, text);
    const replay = log.filter((event) => event.offset >= from);
    for (const event of replay) sendEvent(stream, event);
    send(
      stream,
      frame({
        ...(caughtUpId ? { id: idOf(head()) } : {}),
        event: 'caught-up',
        data: JSON.stringify({ replayed: replay.length, head: head() > 0 ? idOf(head()) : null }),
      }),
    );
    if (misbehave.rawAfterCaughtUp) send(stream, misbehave.rawAfterCaughtUp);
    if (misbehave.endAfterCaughtUp) {
      res.end();
      return;
    }
    if (misbehave.silentAfterCaughtUp) {
      stream.muted = true;
      return;
    }
    if (heartbeatMs > 0) stream.heartbeat = setInterval(() => send(stream, ':\n\n'), heartbeatMs);
  });
  server.keepAliveTimeout = 1000;

  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  function dropConnections(): void {
    for (const stream of open) clearInterval(stream.heartbeat);
    open.clear();
    server.closeAllConnections();
  }

  const api: TestSseServer = {
    origin,
    streamUrl: `${origin}/stream`,
    port,
    get epoch() {
      return epoch;
    },
    requests,
    get events() {
      return log;
    },
    options,
    get misbehave() {
      return misbehave;
    },
    set misbehave(value) {
      misbehave = value;
    },
    publish(data, event) {
      const stored = { offset: nextOffset, id: idOf(nextOffset), event, data };
      nextOffset++;
      log.push(stored);
      while (log.length > retain) log.shift();
      for (const stream of open) sendEvent(stream, stored);
      return stored.id;
    },
    respond(reply, times = 1) {
      for (let i = 0; i < times; i++) replies.push(reply);
    },
    serve(path, contentType, body) {
      statics.set(path, { contentType, body });
    },
    muteOpenStreams() {
      for (const stream of open) {
        stream.muted = true;
        clearInterval(stream.heartbeat);
      }
    },
    endOpenStreams() {
      for (const stream of open) stream.res.end();
    },
    dropConnections,
    stop() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        dropConnections();
      });
    },
    start: () => listen(port),
    loseLog() {
      epoch = randomBytes(5).toString('hex');
      log = [];
      nextOffset = 1;
    },
    openStreamCount: () => open.size,
    waitForRequests(count, timeoutMs = 10_000) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} stream requests, saw ${requests.length}`));
        }, timeoutMs);
        function check(): void {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        }
        waiters.add(check);
      });
    },
    async close() {
      if (server.listening) await api.stop();
    },
  };
  return api;
}
