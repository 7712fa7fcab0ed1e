import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { ClientGoneListener, SseRequest, SseSink } from '../engine/types.ts';
import { concatFrames, flushAtTickEnd, type TickFlushable } from './tick-flush.ts';

/** What Node's HTTP/1 `ServerResponse` and HTTP/2 `Http2ServerResponse` both offer. */
export interface NodeResponse {
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  destroy(): unknown;
  readonly writableLength: number;
  readonly writableNeedDrain: boolean;
  /** Where `write` starts returning false. */
  readonly writableHighWaterMark?: number;
  readonly writableEnded: boolean;
  readonly closed?: boolean;
  readonly destroyed?: boolean;
  /** Added by the `compression` middleware. */
  flush?(): void;
  on(event: 'drain' | 'close', listener: () => void): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/*
 * Both classes below are per connection and live as long as it does, so they are kept small:
 * prototype methods instead of closures, no `URLSearchParams` unless a query is really read, and
 * listeners on the response only where nothing else can tell (an idle connection's sink adds none).
 */

/**
 * Core's view of a Node request. The client is gone on the response's `close`, which Node emits
 * both when the client vanishes and after the response ended: either way the connection is over.
 * An open connection hears of it through `whenGone`; the `signal` (an `AbortController` and its
 * listener records) is made only for a caller that asks for it.
 */
export function toSseRequest(req: IncomingMessage | Http2ServerRequest, res: NodeResponse): SseRequest {
  return new NodeSseRequest(req, res);
}

class NodeSseRequest implements SseRequest {
  readonly #req: IncomingMessage | Http2ServerRequest;
  #gone = false;
  #controller: AbortController | null = null;
  #listener: ClientGoneListener | null = null;
  /** Parsed on the first `query` that needs it; `null` until then. */
  #params: URLSearchParams | null = null;

  constructor(req: IncomingMessage | Http2ServerRequest, res: NodeResponse) {
    this.#req = req;
    if (res.closed === true) this.#gone = true;
    // `close` is emitted once, so `on` is enough (no `once` wrapper to allocate).
    else res.on('close', this.#onClose.bind(this));
  }

  get signal(): AbortSignal {
    if (this.#controller === null) {
      this.#controller = new AbortController();
      if (this.#gone) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  whenGone(listener: ClientGoneListener): void {
    if (this.#gone) listener.handleEvent();
    else this.#listener = listener;
  }

  #onClose(): void {
    this.#gone = true;
    this.#controller?.abort();
    const listener = this.#listener;
    this.#listener = null;
    listener?.handleEvent();
  }

  get method(): string {
    return this.#req.method ?? 'GET';
  }

  get httpVersionMajor(): number {
    return this.#req.httpVersionMajor;
  }

  header(name: string): string | undefined {
    const req = this.#req;
    const key = name.toLowerCase();
    // HTTP/1 `headersDistinct` keeps repeated headers apart, so "first value" is exact.
    if ('headersDistinct' in req) return req.headersDistinct[key]?.[0];
    const value = req.headers[key];
    return Array.isArray(value) ? value[0] : value;
  }

  query(name: string): string | undefined {
    if (this.#params === null) {
      const url = this.#req.url ?? '';
      const queryStart = url.indexOf('?');
      if (queryStart === -1) return undefined;
      // Most connects carry no such parameter: answer without parsing. An escaped name (`%`)
      // or a `+` in it could still match after decoding, so those take the parser's path.
      if (
        !url.includes(name, queryStart) &&
        !url.includes('%', queryStart) &&
        !url.includes('+', queryStart)
      ) {
        return undefined;
      }
      this.#params = new URLSearchParams(url.slice(queryStart + 1));
    }
    return this.#params.get(name) ?? undefined;
  }
}

/**
 * Core's view of a Node response. Frames written within one tick leave in one `res.write`: on a
 * busy stream a connection is due several frames per tick, and each `res.write` costs a chunk
 * header, a trip through the HTTP layer and an entry in the socket's write vector. The batch is
 * handed over on `process.nextTick`, before any I/O, so batching adds no latency. `flush` is what
 * the `compression` middleware adds: called after each batch, so it can never sit on an event.
 * Sockets due the same frames in a tick share one concatenated buffer (`tick-flush.ts`). What the
 * response has no room for waits in the sink and goes over in pieces as it drains, so
 * `bufferedBytes` shrinks while a client reads — also after `end()`, until the end is sent.
 */
export function toSseSink(res: NodeResponse): SseSink {
  return new NodeSseSink(res);
}

/** A frame at least this large is written at once instead of copied into a batch. */
const BATCH_LIMIT_BYTES = 65_536;
/**
 * Past the response's own high-water mark, bytes wait in the sink and go to the response in
 * pieces of at most this size. Node counts a write as unsent until all of it is in the kernel,
 * so one 10 MiB write would look stalled for as long as the client takes to read it; pieces make
 * what a reading client takes show, which is how core tells it from one that stopped.
 */
const PIECE_BYTES = 262_144;

class NodeSseSink implements SseSink, TickFlushable {
  readonly #res: NodeResponse;
  #ended = false;
  /** Pending `drain()` callers; `null` until backpressure first registers the listeners. */
  #waiters: Array<() => void> | null = null;
  /** Frames written this tick and not yet handed to the response: none, one, or several. */
  #batch: Uint8Array | Uint8Array[] | null = null;
  #batchBytes = 0;
  /** Bytes waiting for the response to drain, in order; `null` when none. */
  #held: Uint8Array[] | null = null;
  #heldBytes = 0;
  /** `end()` came while bytes were held: the response ends once they are handed over. */
  #endWhenSent = false;

  constructor(res: NodeResponse) {
    this.#res = res;
  }

  /** Read from the response itself, so an idle sink needs no `close` listener of its own. */
  get closed(): boolean {
    const res = this.#res;
    return this.#ended || res.writableEnded || res.destroyed === true || res.closed === true;
  }

  /** After `end()` too: what the end still waits behind, until the response finishes or dies. */
  get bufferedBytes(): number {
    const res = this.#res;
    if (res.destroyed === true || res.closed === true) return 0;
    return res.writableLength + this.#batchBytes + this.#heldBytes;
  }

  write(chunk: Uint8Array): boolean {
    if (this.closed) return false;
    if (chunk.byteLength >= BATCH_LIMIT_BYTES) {
      this.flush();
      this.#send(chunk);
      return this.#hasRoom();
    }
    const batch = this.#batch;
    if (batch === null) {
      this.#batch = chunk;
      flushAtTickEnd(this);
    } else if (Array.isArray(batch)) batch.push(chunk);
    else this.#batch = [batch, chunk];
    this.#batchBytes += chunk.byteLength;
    return this.#hasRoom();
  }

  /** Hands this tick's frames to the response now. */
  flush(): void {
    const batch = this.#batch;
    if (batch === null) return;
    this.#batch = null;
    const bytes = this.#batchBytes;
    this.#batchBytes = 0;
    if (this.closed) return;
    this.#send(Array.isArray(batch) ? concatFrames(batch, bytes) : batch);
  }

  #hasRoom(): boolean {
    return this.bufferedBytes < (this.#res.writableHighWaterMark ?? DEFAULT_HIGH_WATER_MARK);
  }

  #send(chunk: Uint8Array): void {
    const res = this.#res;
    if (this.#held === null && chunk.byteLength <= PIECE_BYTES && !res.writableNeedDrain) {
      // The common case: the response has room and takes the bytes as they are.
      res.write(chunk);
      res.flush?.();
      return;
    }
    if (this.#held === null) this.#held = [];
    this.#held.push(chunk);
    this.#heldBytes += chunk.byteLength;
    this.#handOver();
  }

  /** Gives the response held bytes, a piece at a time, until it is full; `drain` brings the rest. */
  #handOver(): void {
    const res = this.#res;
    const held = this.#held;
    if (held === null || res.destroyed === true) return;
    let room = !res.writableNeedDrain;
    while (room && held.length > 0) {
      const chunk = held[0]!;
      let piece = chunk;
      if (chunk.byteLength > PIECE_BYTES) {
        piece = chunk.subarray(0, PIECE_BYTES);
        held[0] = chunk.subarray(PIECE_BYTES);
      } else held.shift();
      this.#heldBytes -= piece.byteLength;
      room = res.write(piece);
    }
    res.flush?.();
    if (held.length > 0) {
      this.#listen();
      return;
    }
    this.#held = null;
    if (this.#endWhenSent) {
      this.#endWhenSent = false;
      res.end();
    }
  }

  drain(): Promise<void> {
    this.flush();
    if (this.closed || (this.#held === null && !this.#res.writableNeedDrain)) return Promise.resolve();
    const waiters = this.#listen();
    return new Promise<void>((resolve) => waiters.push(resolve));
  }

  /** Only a connection that actually met backpressure pays for these listeners. */
  #listen(): Array<() => void> {
    if (this.#waiters !== null) return this.#waiters;
    const waiters: Array<() => void> = [];
    this.#waiters = waiters;
    this.#res.on('drain', this.#drained.bind(this));
    this.#res.on('close', this.#gone.bind(this));
    return waiters;
  }

  #drained(): void {
    this.#handOver();
    if (this.#held === null) this.#release();
  }

  #gone(): void {
    this.#held = null;
    this.#heldBytes = 0;
    this.#release();
  }

  end(): void {
    if (this.closed) return;
    this.flush();
    this.#ended = true;
    if (this.#held === null) this.#res.end();
    else this.#endWhenSent = true;
    this.#release();
  }

  /** Also after `end()`: an end still queued behind unsent bytes is dropped with them. */
  abort(): void {
    const res = this.#res;
    if (res.destroyed === true || res.closed === true) return;
    this.#ended = true;
    this.#batch = null;
    this.#batchBytes = 0;
    this.#held = null;
    this.#heldBytes = 0;
    this.#endWhenSent = false;
    this.#res.destroy();
    this.#release();
  }

  #release(): void {
    const pending = this.#waiters;
    if (pending === null || pending.length === 0) return;
    this.#waiters = [];
    for (const resolve of pending) resolve();
  }
}

/** Node's default for a writable's high-water mark, where the response does not say. */
const DEFAULT_HIGH_WATER_MARK = 16_384;
