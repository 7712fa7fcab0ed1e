/**
 * An SSE endpoint: what a framework adapter calls for each request. It answers preflight,
 * method and authorization questions with plain responses, and otherwise returns a stream plan
 * whose `pipe` runs the replay session. Adapters only translate requests and write bytes.
 */
import { ResumableSseError } from '../errors.ts';
import { type CursorDecodeResult, MAX_CURSOR_INPUT_LENGTH } from '../protocol/cursor-codec.ts';
import { encodeEventBytes } from '../protocol/encode-event.ts';
import type { StoredEvent } from '../store/types.ts';
import { isValidStreamName } from '../stream-name.ts';
import type { EngineHost } from './host.ts';
import { HEARTBEAT_COMMENT, ReplaySession, type ReplaySessionOptions } from './replay.ts';
import { readForReplay } from './replay-reads.ts';
import { corsHeaders, preflightHeaders, streamHeaders } from './response-headers.ts';
import { checkTerminal, defaultTerminalEvents } from './terminal-gate.ts';
import type {
  AuthorizationRefusal,
  InitialPolicy,
  SseEndpointOptions,
  SsePlainResponse,
  SseRequest,
  SseResponsePlan,
  SseSink,
  SseStreamResponse,
} from './types.ts';

export interface SseEndpoint<Req> {
  /** Decides the answer to one request. Never rejects for a client's mistake: that is a 4xx plan. */
  handle(request: SseRequest, frameworkRequest: Req): Promise<SseResponsePlan>;
}

const DEFAULTS = {
  heartbeatMs: 15_000,
  retry: 3_000,
  highWaterMarkBytes: 1_048_576,
  futureGraceMs: 1_000,
  replayPageSize: 256,
  drainGraceMs: 30_000,
} as const;

export function createSseEndpoint<Req>(hub: EngineHost, options: SseEndpointOptions<Req>): SseEndpoint<Req> {
  assertHost(hub);
  const settings = validateOptions(options);
  const session: SessionSettings = {
    heartbeatMs: settings.heartbeatMs,
    heartbeatFrame: heartbeatFrames(options.heartbeatEvent),
    retry: settings.retry,
    highWaterMarkBytes: settings.highWaterMarkBytes,
    futureGraceMs: settings.futureGraceMs,
    maxConnectionMs: options.maxConnectionMs,
    replayPageSize: settings.replayPageSize,
    drainGraceMs: settings.drainGraceMs,
    terminalEvents: settings.terminalEvents,
  };

  return {
    async handle(request, frameworkRequest) {
      const cors = corsHeaders(options.cors, request);
      if (request.method === 'OPTIONS') {
        return { kind: 'response', status: 204, headers: preflightHeaders(options.cors, request), body: '' };
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return jsonResponse(405, 'Use GET to open an event stream', { ...cors, Allow: 'GET, HEAD, OPTIONS' });
      }

      const fixedStream = typeof options.stream === 'string' ? options.stream : undefined;
      if (options.authorize) {
        const verdict = await runUserCode(hub, 'authorize', fixedStream, () =>
          options.authorize!(frameworkRequest),
        );
        if (verdict === USER_CODE_FAILED) return serverError(cors);
        if (verdict !== true && verdict !== false && !isRefusal(verdict)) {
          // A plain-JavaScript hook that returned nothing usable: the app's bug, not the client's.
          const error = new ResumableSseError(
            'INVALID_OPTION',
            `authorize must return true, false or { status: 401 | 403 | 404 }, got ${describe(verdict)}`,
          );
          hub.hooks.report({ stream: fixedStream, source: 'authorize', error });
          return serverError(cors);
        }
        if (verdict !== true) {
          const refusal = verdict === false ? { status: 403 as const } : verdict;
          const message =
            refusal.message ??
            (refusal.status === 401
              ? 'Authentication required'
              : refusal.status === 404
                ? 'Stream not found'
                : 'Not allowed to read this stream');
          return jsonResponse(refusal.status, message, { ...cors, ...refusal.headers });
        }
      }

      const stream =
        typeof options.stream === 'function'
          ? await runUserCode(hub, 'stream', undefined, () =>
              (options.stream as StreamOf<Req>)(frameworkRequest),
            )
          : options.stream;
      if (stream === USER_CODE_FAILED) return serverError(cors);
      if (!isValidStreamName(stream)) return jsonResponse(400, 'Invalid stream name', cors);

      const headers = { ...streamHeaders(request), ...cors };
      if (request.method === 'HEAD') return { kind: 'response', status: 200, headers, body: '' };

      // The cursor is decoded once; the terminal gate and the replay plan both read the result.
      const requested = requestedCursor(request);
      const decoded = requested === undefined ? undefined : hub.codec.decode(requested);
      const terminal = await checkTerminal({
        store: hub.store,
        completions: options.lifecycle,
        stream,
        requested,
        decoded,
        terminalEvents: settings.terminalEvents,
        read: (run) => readForReplay(hub.replayReads, run, request.signal),
      });
      // The client already has the stream's last event: 204 tells EventSource to stop reconnecting.
      if (terminal.kind === 'ended') {
        return { kind: 'response', status: 204, headers: { ...cors, 'Cache-Control': 'no-store' }, body: '' };
      }

      const initial =
        typeof options.initial === 'function'
          ? await runUserCode(hub, 'initial', stream, () =>
              (options.initial as InitialOf<Req>)(frameworkRequest),
            )
          : (options.initial ?? 'now');
      if (initial === USER_CODE_FAILED) return serverError(cors);
      try {
        assertInitial(initial);
      } catch (error) {
        hub.hooks.report({ stream, source: 'initial', error });
        return serverError(cors);
      }
      return new StreamPlan(hub, session, headers, {
        stream,
        requested,
        decoded,
        initial,
        filter: options.filter ? bindFilter(options.filter, frameworkRequest) : undefined,
        completion: terminal.completion,
        request,
      });
    },
  };
}

/** The replay options every connection of one endpoint shares. */
type SessionSettings = Pick<
  ReplaySessionOptions,
  | 'heartbeatMs'
  | 'heartbeatFrame'
  | 'retry'
  | 'highWaterMarkBytes'
  | 'futureGraceMs'
  | 'maxConnectionMs'
  | 'replayPageSize'
  | 'drainGraceMs'
  | 'terminalEvents'
>;

/** The replay options that differ per connection. */
type ConnectionSettings = Pick<
  ReplaySessionOptions,
  'stream' | 'requested' | 'decoded' | 'initial' | 'filter' | 'completion' | 'request'
>;

/**
 * A stream answer. It lives as long as its connection, so it is one object that is also the
 * session's options: the endpoint-wide settings are read through getters rather than copied
 * into every connection, and `pipe` captures nothing (no closure over `handle`'s scope).
 */
class StreamPlan implements SseStreamResponse, ReplaySessionOptions {
  readonly kind = 'stream';
  readonly status = 200;
  readonly headers: Readonly<Record<string, string>>;
  readonly stream: string;
  readonly requested: string | undefined;
  readonly decoded: CursorDecodeResult | undefined;
  readonly initial: InitialPolicy;
  readonly filter: ((event: StoredEvent) => boolean) | undefined;
  readonly completion: ReplaySessionOptions['completion'];
  readonly request: ReplaySessionOptions['request'];
  readonly #hub: EngineHost;
  readonly #session: SessionSettings;
  #replay: ReplaySession | undefined;
  #endRequested = false;

  constructor(
    hub: EngineHost,
    session: SessionSettings,
    headers: Readonly<Record<string, string>>,
    connection: ConnectionSettings,
  ) {
    this.#hub = hub;
    this.#session = session;
    this.headers = headers;
    this.stream = connection.stream;
    this.requested = connection.requested;
    this.decoded = connection.decoded;
    this.initial = connection.initial;
    this.filter = connection.filter;
    this.completion = connection.completion;
    this.request = connection.request;
  }

  get heartbeatMs(): number {
    return this.#session.heartbeatMs;
  }
  get heartbeatFrame(): (now: number) => Uint8Array {
    return this.#session.heartbeatFrame;
  }
  get retry(): number | false {
    return this.#session.retry;
  }
  get highWaterMarkBytes(): number {
    return this.#session.highWaterMarkBytes;
  }
  get futureGraceMs(): number {
    return this.#session.futureGraceMs;
  }
  get maxConnectionMs(): number | undefined {
    return this.#session.maxConnectionMs;
  }
  get replayPageSize(): number {
    return this.#session.replayPageSize;
  }
  get drainGraceMs(): number {
    return this.#session.drainGraceMs;
  }
  get terminalEvents(): ReadonlySet<string> | undefined {
    return this.#session.terminalEvents;
  }

  pipe(sink: SseSink): Promise<void> {
    const replay = new ReplaySession(this.#hub, sink, this);
    this.#replay = replay;
    replay.start();
    if (this.#endRequested) replay.serverClosed();
    return replay.done;
  }

  end(): void {
    this.#endRequested = true;
    this.#replay?.serverClosed();
  }
}

type StreamOf<Req> = (request: Req) => string | Promise<string>;
type InitialOf<Req> = (request: Req) => InitialPolicy;

/** Marks application code that threw: its request alone gets a 500. */
const USER_CODE_FAILED: unique symbol = Symbol('user code failed');

/** Runs an endpoint option's function; a throw or rejection is reported, never propagated. */
async function runUserCode<T>(
  hub: EngineHost,
  source: 'authorize' | 'stream' | 'initial',
  stream: string | undefined,
  run: () => T | Promise<T>,
): Promise<T | typeof USER_CODE_FAILED> {
  try {
    return await run();
  } catch (error) {
    hub.hooks.report({ stream, source, error });
    return USER_CODE_FAILED;
  }
}

function isRefusal(value: unknown): value is AuthorizationRefusal {
  const status = (value as { status?: unknown } | null)?.status;
  return typeof value === 'object' && (status === 401 || status === 403 || status === 404);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return value === null || typeof value !== 'object' ? String(value) : JSON.stringify(value);
}

function serverError(cors: Record<string, string>): SsePlainResponse {
  return jsonResponse(500, 'The server could not open this stream; try again later', cors);
}

function bindFilter<Req>(
  filter: NonNullable<SseEndpointOptions<Req>['filter']>,
  frameworkRequest: Req,
): (event: StoredEvent) => boolean {
  return (event) => filter(event, frameworkRequest);
}

/**
 * The resume position: the `Last-Event-ID` header, else the `lastEventId` query parameter
 * (a browser's first connect cannot set headers). The header wins. Over-long input is passed
 * on truncated just past the limit, so the codec reads it as malformed without copying junk.
 */
export function requestedCursor(request: SseRequest): string | undefined {
  const header = request.header('last-event-id');
  const value = header !== undefined && header !== '' ? header : request.query('lastEventId');
  if (value === undefined || value === '') return undefined;
  return value.length > MAX_CURSOR_INPUT_LENGTH ? value.slice(0, MAX_CURSOR_INPUT_LENGTH + 1) : value;
}

/** Heartbeat bytes, encoded once per tick and shared by every connection of the endpoint. */
function heartbeatFrames(
  heartbeatEvent: SseEndpointOptions<unknown>['heartbeatEvent'],
): (now: number) => Uint8Array {
  if (!heartbeatEvent) return () => HEARTBEAT_COMMENT;
  // Fails at startup, not on the first tick, when the event name is not writable.
  encodeEventBytes({ event: heartbeatEvent.event, data: '' });
  let cachedAt = Number.NaN;
  let cached = HEARTBEAT_COMMENT;
  return (now) => {
    if (now !== cachedAt) {
      cached = encodeEventBytes({ event: heartbeatEvent.event, data: heartbeatEvent.data(now) });
      cachedAt = now;
    }
    return cached;
  };
}

function jsonResponse(status: number, message: string, headers: Record<string, string>): SsePlainResponse {
  return {
    kind: 'response',
    status,
    headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
    body: JSON.stringify({ error: message }),
  };
}

/** Plain-JavaScript callers can forget `hub`; say so now rather than with a TypeError per request. */
function assertHost(hub: EngineHost): void {
  const candidate = hub as Partial<EngineHost> | null | undefined;
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.join !== 'function') {
    throw new ResumableSseError(
      'INVALID_OPTION',
      `Option hub must be the hub events are published to, e.g. hub: createHub({ store: memoryStore() }); got ${describe(hub)}`,
    );
  }
}

function validateOptions<Req>(options: SseEndpointOptions<Req>) {
  const heartbeatMs = options.heartbeatMs ?? DEFAULTS.heartbeatMs;
  const retry = options.retry ?? DEFAULTS.retry;
  const highWaterMarkBytes = options.highWaterMarkBytes ?? DEFAULTS.highWaterMarkBytes;
  const futureGraceMs = options.futureGraceMs ?? DEFAULTS.futureGraceMs;
  const replayPageSize = options.replayPageSize ?? DEFAULTS.replayPageSize;
  const drainGraceMs = options.drainGraceMs ?? DEFAULTS.drainGraceMs;
  assertWhole('heartbeatMs', heartbeatMs, 0, MAX_TIMER_MS);
  if (retry !== false) assertWhole('retry', retry, 0);
  assertWhole('highWaterMarkBytes', highWaterMarkBytes, 1);
  assertWhole('futureGraceMs', futureGraceMs, 0);
  assertWhole('replayPageSize', replayPageSize, 1);
  assertWhole('drainGraceMs', drainGraceMs, 1, MAX_TIMER_MS);
  if (options.maxConnectionMs !== undefined) assertWhole('maxConnectionMs', options.maxConnectionMs, 1);
  if (options.stream === undefined) {
    throw new ResumableSseError(
      'INVALID_OPTION',
      'Option stream is missing: pass a stream name (e.g. stream: "chat") or a function of the request that returns one',
    );
  }
  if (typeof options.stream !== 'function' && !isValidStreamName(options.stream)) {
    throw new ResumableSseError(
      'INVALID_STREAM_NAME',
      `Option stream must be a valid stream name or a function of the request, got ${describe(options.stream)}`,
    );
  }
  assertInitial(options.initial);
  const terminalEvents =
    options.terminalEvents === undefined
      ? defaultTerminalEvents(options.lifecycle)
      : new Set(options.terminalEvents);
  for (const name of terminalEvents) {
    if (typeof name !== 'string' || name === '') {
      throw new ResumableSseError('INVALID_OPTION', 'Option terminalEvents must list non-empty event names');
    }
  }
  return {
    heartbeatMs,
    retry,
    highWaterMarkBytes,
    futureGraceMs,
    replayPageSize,
    drainGraceMs,
    terminalEvents,
  };
}

/** The longest delay a Node timer takes; a longer one fires after 1 ms instead. */
const MAX_TIMER_MS = 2_147_483_647;

function assertWhole(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new ResumableSseError(
      'INVALID_OPTION',
      `Option ${name} must be a whole number ${range}, got ${String(value)}`,
    );
  }
}

function assertInitial<Req>(initial: SseEndpointOptions<Req>['initial']): void {
  if (initial === undefined || typeof initial === 'function' || initial === 'now' || initial === 'earliest')
    return;
  if (typeof initial !== 'object' || initial === null) {
    throw new ResumableSseError(
      'INVALID_OPTION',
      `Option initial must be 'now', 'earliest', { last: n } or a function of the request, got ${describe(initial)}`,
    );
  }
  const last = (initial as Exclude<InitialPolicy, string>).last;
  assertWhole('initial.last', last, 0);
}
