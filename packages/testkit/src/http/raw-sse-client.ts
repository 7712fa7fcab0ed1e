import { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, request } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { SseEventRecord } from './sse-event-record.ts';
import { waitUntil } from './wait.ts';

export interface RawSseOptions {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A slow but live reader: after every `bytes` received, stop reading for `pauseMs`. */
  readonly slowRead?: { readonly bytes: number; readonly pauseMs: number };
  /** Keep only this many characters of each event's data (for bulk tests). */
  readonly keepDataChars?: number;
}

const MAX_KEPT_TEXT = 1_048_576;

/**
 * A raw HTTP reader: one `node:http` request (no agent, no pooling), its body decoded
 * (also gzip/deflate/br, should a middleware compress it) and parsed with `eventsource-parser`.
 */
export class RawSseConnection extends SseEventRecord {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** Arrival time (`performance.now()`) of each event, index for index. */
  readonly eventTimes: number[] = [];
  /** The decoded body text (the first 1 MiB). */
  text = '';
  /** Decoded body bytes so far. */
  bytes = 0;
  /** `performance.now()` when the first body byte arrived. */
  firstByteAt: number | undefined;
  readonly #request: ClientRequest;
  readonly #response: IncomingMessage;
  readonly #body: Readable;

  constructor(req: ClientRequest, res: IncomingMessage, options: RawSseOptions) {
    super();
    this.#request = req;
    this.#response = res;
    this.status = res.statusCode ?? 0;
    this.headers = res.headers;
    this.#body = decoded(res);
    const parser = this.recordingParser(options.keepDataChars, () => this.eventTimes.push(performance.now()));
    const decoder = new TextDecoder();
    let sinceBreak = 0;
    this.#body.on('data', (chunk: Buffer) => {
      this.firstByteAt ??= performance.now();
      this.bytes += chunk.byteLength;
      const text = decoder.decode(chunk, { stream: true });
      if (this.text.length < MAX_KEPT_TEXT) this.text += text;
      parser.feed(text);
      const slow = options.slowRead;
      sinceBreak += chunk.byteLength;
      if (slow && sinceBreak >= slow.bytes) {
        sinceBreak = 0;
        this.pause();
        setTimeout(() => this.resume(), slow.pauseMs);
      }
    });
    const end = (): void => {
      this.ended = true;
    };
    this.#body.once('end', end);
    this.#body.once('close', end);
    this.#body.once('error', end);
    // A decompressor ends on its own after a complete response; after a cut one it must be told.
    res.once('close', () => {
      if (!res.complete) this.#body.destroy();
    });
  }

  /** True once the response ended with its last chunk, false while open or when it was cut. */
  get complete(): boolean {
    return this.#response.complete;
  }

  waitForEnd(timeoutMs?: number): Promise<void> {
    return waitUntil(() => this.ended, 'the response to end', timeoutMs);
  }

  /** Stops reading: the socket's receive window fills and the server's buffer grows. */
  pause(): void {
    this.#body.pause();
    this.#response.pause();
  }

  resume(): void {
    this.#response.resume();
    this.#body.resume();
  }

  /** Drops the connection as a client that goes away would. */
  close(): void {
    this.#request.destroy();
    this.#response.destroy();
  }
}

/** Opens `url` and resolves once the response head arrived (any status). */
export function openSse(url: string, options: RawSseOptions = {}): Promise<RawSseConnection> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: options.method ?? 'GET',
      agent: false,
      headers: { accept: 'text/event-stream', ...options.headers },
    });
    req.once('response', (res) => resolve(new RawSseConnection(req, res, options)));
    req.once('error', reject);
    req.end();
  });
}

/** A plain request (preflight, refusals): status, headers and the whole body. */
export async function fetchPlain(
  url: string,
  options: Pick<RawSseOptions, 'method' | 'headers'> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const connection = await openSse(url, options);
  await connection.waitForEnd();
  return { status: connection.status, headers: connection.headers, body: connection.text };
}

function decoded(res: IncomingMessage): Readable {
  switch (res.headers['content-encoding']) {
    case 'gzip':
      return res.pipe(createGunzip());
    case 'deflate':
      return res.pipe(createInflate());
    case 'br':
      return res.pipe(createBrotliDecompress());
    default:
      return res;
  }
}
