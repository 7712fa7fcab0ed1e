/**
 * The resumable event-stream client: one connection at a time, a loop of connect → read →
 * back off → reconnect with the last cursor, until closed.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#processing-model
 * @module
 */
import type { CaughtUpPayload, ResetPayload } from '@resumable-sse/core/protocol';
import { CONTROL_EVENTS } from '@resumable-sse/core/protocol';
import { createParser } from 'eventsource-parser';
import { DEFAULT_BACKOFF, fullJitterDelay } from './backoff.ts';
import { persistedCursor } from './cursor-storage.ts';
import { EventStreamError, responseError } from './errors.ts';
import { createRecentIds } from './recent-ids.ts';
import { finalFetchFailure, invalidHeaders, unbuildableRequest, unusableUrl } from './request-check.ts';
import type { ClientStatus, EventStreamClient, EventStreamClientOptions } from './types.ts';

/** A parsed block: `data` is `undefined` for a block that only set an `id:`. */
interface Block {
  id?: string | undefined;
  event?: string | undefined;
  data?: string | undefined;
}

/**
 * Connects to `url` and keeps the stream going across disconnects: resumes with `Last-Event-ID`,
 * drops duplicates, reports `reset` and `caught-up`. Starts at once (no request if
 * `options.signal` is already aborted).
 *
 * @example
 * const client = createEventStreamClient('/stream', {
 *   storage: sessionStorage,
 *   onEvent: (event) => render(JSON.parse(event.data)),
 *   onReset: () => clearView(),
 *   onStatus: (status) => indicator.set(status),
 * });
 */
export function createEventStreamClient(
  url: string | URL,
  options: EventStreamClientOptions = {},
): EventStreamClient {
  const { signal, heartbeatTimeoutMs = 30_000, random = Math.random, now = Date.now } = options;
  const backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  const cursor = persistedCursor(options.storage, options.storageKey ?? `resumable-sse:${url}`);
  const seen = createRecentIds(options.dedupWindow ?? 1000);
  const metrics = {
    reconnects: 0,
    eventsCaughtUp: 0,
    timeToSyncMs: undefined as number | undefined,
    lastEventAt: undefined as number | undefined,
    duplicatesDropped: 0,
    retryDelayMs: undefined as number | undefined,
  };
  let lastEventId = cursor.read() ?? options.lastEventId ?? '';
  let status: ClientStatus = 'connecting';
  let fatalError: EventStreamError | undefined;
  let serverRetryMs: number | undefined;
  let attempt = 0;
  // Set when `onUnauthorized` refreshed the credentials; cleared by the next accepted response.
  let refreshedAfter401 = false;
  let wwwAuthenticate: string | undefined;
  let disconnect: (() => void) | undefined;
  let wake: (() => void) | undefined;
  // A function, so TypeScript does not keep a narrowing of `status` across awaits.
  const isClosed = (): boolean => status === 'closed';

  function report(error: EventStreamError): void {
    try {
      if (options.onError) options.onError(error);
      else if (error.code === 'HANDLER_ERROR') throw error.cause;
    } catch (thrown) {
      // Nobody to tell, or the error handler itself failed: surface it like an uncaught
      // listener error rather than letting it end the stream.
      queueMicrotask(() => {
        throw thrown;
      });
    }
  }

  async function call<A>(callback: ((arg: A) => unknown) | undefined, arg: A): Promise<void> {
    try {
      await callback?.(arg);
    } catch (cause) {
      report(new EventStreamError('HANDLER_ERROR', 'a callback threw; the stream goes on', { cause }));
    }
  }

  function setStatus(next: ClientStatus): void {
    if (status === next || status === 'closed') return;
    status = next;
    void call(options.onStatus, next);
  }

  function finish(error?: EventStreamError): void {
    if (status === 'closed') return;
    fatalError = error;
    disconnect?.();
    wake?.();
    signal?.removeEventListener('abort', close);
    setStatus('closed');
    if (error) report(error);
  }

  function close(): void {
    finish();
  }

  function remember(id: string): void {
    lastEventId = id;
    cursor.write(id);
  }

  async function handle(block: Block, connectedAt: number): Promise<void> {
    const { id, event, data = '' } = block;
    attempt = 0; // events flow: the next disconnect starts the backoff over
    if (event === CONTROL_EVENTS.reset) {
      seen.clear();
      remember(id ?? '');
      return call(options.onReset, parseJson(data) as ResetPayload);
    }
    if (event === CONTROL_EVENTS.caughtUp) {
      // The position this connection has passed: resuming from it misses nothing, even when no
      // event has arrived yet (`initial: 'now'`).
      if (id !== undefined) remember(id);
      const payload = parseJson(data) as CaughtUpPayload;
      const timeToSyncMs = now() - connectedAt;
      metrics.timeToSyncMs = timeToSyncMs;
      metrics.eventsCaughtUp += Number(payload.replayed) || 0;
      setStatus('live');
      return call(options.onCaughtUp, { ...payload, timeToSyncMs });
    }
    if (id) {
      if (seen.has(id)) {
        metrics.duplicatesDropped++;
        return;
      }
      seen.add(id);
    }
    if (id !== undefined) remember(id);
    if (block.data === undefined) return;
    metrics.lastEventAt = now();
    return call(options.onEvent, { id, event: event ?? 'message', data });
  }

  /** One request, read to its end. Resolves with why it ended (`undefined`: the server closed it). */
  async function connect(): Promise<EventStreamError | undefined> {
    const controller = new AbortController();
    const connectedAt = now();
    let lastByteAt = Date.now();
    let busy = false;
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // One timer per connection, re-armed only when it fires: cheaper than re-arming on every chunk.
    const watch = (): void => {
      const idle = Date.now() - lastByteAt;
      if (busy || idle < heartbeatTimeoutMs) {
        timer = setTimeout(watch, busy ? heartbeatTimeoutMs : heartbeatTimeoutMs - idle);
      } else {
        timedOut = true;
        controller.abort();
      }
    };
    if (heartbeatTimeoutMs > 0) timer = setTimeout(watch, heartbeatTimeoutMs);
    const stop = (): void => {
      clearTimeout(timer);
      controller.abort();
    };
    disconnect = stop;
    try {
      // Always awaited, so no callback runs before `createEventStreamClient` has returned.
      const extra = await (typeof options.headers === 'function' ? options.headers() : options.headers);
      let headers: Headers;
      try {
        headers = new Headers(extra);
      } catch (cause) {
        return invalidHeaders(cause);
      }
      headers.set('accept', 'text/event-stream');
      if (lastEventId) headers.set('last-event-id', lastEventId);
      if (isClosed()) return undefined;
      const init: RequestInit = { headers, credentials: options.credentials, cache: 'no-store' };
      if (!options.fetch) {
        const unusable = unusableUrl(url) ?? unbuildableRequest(url, init);
        if (unusable) return unusable;
      }
      const response = await (options.fetch ?? fetch)(url, { ...init, signal: controller.signal });
      const refusal = responseError(response);
      if (refusal) {
        wwwAuthenticate = response.headers.get('www-authenticate') ?? undefined;
        return refusal;
      }
      refreshedAfter401 = false;
      if (!response.body) return undefined;
      setStatus('catching-up');

      const blocks: Block[] = [];
      let idOnly: Block | undefined;
      const parser = createParser({
        // The parser reports a block's `id` before its event; a block with no data has only the id.
        onId: (id) => {
          idOnly = { id };
          blocks.push(idOnly);
        },
        onEvent: (message) => {
          if (message.id !== undefined && idOnly) Object.assign(idOnly, message);
          else blocks.push(message);
          idOnly = undefined;
        },
        onRetry: (ms) => {
          serverRetryMs = ms;
        },
      });
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        lastByteAt = Date.now();
        parser.feed(decoder.decode(value, { stream: true }));
        busy = true;
        for (const block of blocks.splice(0)) {
          if (isClosed()) return undefined;
          await handle(block, connectedAt);
        }
        busy = false;
        lastByteAt = Date.now();
      }
    } catch (cause) {
      if (timedOut) {
        return new EventStreamError(
          'HEARTBEAT_TIMEOUT',
          `no byte for ${heartbeatTimeoutMs} ms; reconnecting`,
        );
      }
      return (
        finalFetchFailure(url, cause) ??
        new EventStreamError('NETWORK_ERROR', 'connection failed or dropped; reconnecting', { cause })
      );
    } finally {
      stop();
    }
  }

  /**
   * A 401 with `onUnauthorized` set: `undefined` to retry at once with refreshed credentials, or
   * the fatal error that ends the client. Only `true` retries, and only once per 401 in a row.
   */
  async function refreshAfter(refusal: EventStreamError): Promise<EventStreamError | undefined> {
    const final = (message: string, cause?: unknown) =>
      new EventStreamError(
        'UNAUTHORIZED',
        `HTTP 401 ${message}; sign in again, then create a new client (pass it client.lastEventId)`,
        {
          fatal: true,
          status: 401,
          cause,
        },
      );
    if (refreshedAfter401) return final('again right after onUnauthorized refreshed the credentials');
    setStatus('reconnecting');
    let answer: unknown;
    try {
      answer = await options.onUnauthorized?.({ error: refusal, wwwAuthenticate });
    } catch (cause) {
      return final('and onUnauthorized threw while refreshing the credentials', cause);
    }
    if (answer === false) return final('and onUnauthorized did not refresh the credentials');
    if (answer !== true) {
      return final(
        `and onUnauthorized returned ${describeValue(answer)} instead of true (retry) or false (stop)`,
      );
    }
    refreshedAfter401 = true;
    report(
      new EventStreamError(
        'UNAUTHORIZED',
        'HTTP 401; onUnauthorized refreshed the credentials, retrying now',
        { status: 401 },
      ),
    );
    return undefined;
  }

  async function run(): Promise<void> {
    for (;;) {
      const error = await connect();
      if (isClosed()) return;
      if (error?.code === 'UNAUTHORIZED' && options.onUnauthorized) {
        const final = await refreshAfter(error);
        if (isClosed()) return;
        if (final) return finish(final);
        metrics.reconnects++;
        continue;
      }
      if (error?.fatal) return finish(error);
      const initialMs = serverRetryMs ?? backoff.initialMs;
      const delay = fullJitterDelay(
        attempt++,
        { initialMs, maxMs: Math.max(backoff.maxMs, initialMs), factor: backoff.factor },
        random,
      );
      // Set before anyone is told, so an error or status handler can show "retrying in …".
      metrics.retryDelayMs = delay;
      if (error) report(error);
      setStatus('reconnecting');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (isClosed()) return;
      metrics.reconnects++;
    }
  }

  if (signal?.aborted) {
    status = 'closed';
  } else {
    signal?.addEventListener('abort', close);
    void run();
  }

  return {
    get status() {
      return status;
    },
    get metrics() {
      return { ...metrics };
    },
    get lastEventId() {
      return lastEventId || undefined;
    },
    get error() {
      return fatalError;
    },
    close,
  };
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return {};
  }
}
