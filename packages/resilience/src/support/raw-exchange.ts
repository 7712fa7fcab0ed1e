/**
 * One HTTP/1.1 exchange over a bare TCP socket, so a test can send bytes no HTTP client would
 * (raw control characters, malformed targets, oversized headers) and read an event stream only
 * until `caught-up`. The socket is then reset (RST), not closed: a fuzzer opening 100,000 streams
 * must not leave 100,000 sockets in TIME_WAIT on the loopback interface.
 */
import { connect } from 'node:net';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface RawExchangeResult {
  /** 0 when the connection closed without a response. */
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** A plain response's body, or the event stream's text up to `caught-up`. */
  readonly body: string;
  /** Parsed events when the response is an event stream. */
  readonly events: EventSourceMessage[];
  /** `retry:` fields seen. */
  readonly retries: number;
  /** The stream ended (or was cut) before `caught-up`. */
  readonly endedEarly: boolean;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const MAX_KEPT_BODY = 65_536;

/** Sends `request` (complete bytes) to 127.0.0.1:`port` and reads one response. */
export function rawExchange(
  port: number,
  request: Uint8Array,
  timeoutMs = 10_000,
): Promise<RawExchangeResult> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    let head: Buffer | undefined;
    let pending = Buffer.alloc(0);
    let status = 0;
    let headers: Record<string, string> = {};
    let body = '';
    const events: EventSourceMessage[] = [];
    let retries = 0;
    let caughtUp = false;
    let settled = false;
    const decoder = new TextDecoder();
    const parser = createParser({
      onEvent: (event) => {
        events.push(event);
        if (event.event === 'caught-up') caughtUp = true;
      },
      onRetry: () => {
        retries++;
      },
    });
    const dechunker = chunkedDecoder((bytes) => {
      const text = decoder.decode(bytes, { stream: true });
      if (body.length < MAX_KEPT_BODY) body += text;
      if (isEventStream()) parser.feed(text);
    });
    let plainLength: number | undefined;
    let plainReceived = 0;

    const isEventStream = () => (headers['content-type'] ?? '').startsWith('text/event-stream');
    const finish = (endedEarly: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.resetAndDestroy();
      resolve({ status, headers, body, events, retries, endedEarly });
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      socket.resetAndDestroy();
      reject(
        new Error(`no complete answer within ${timeoutMs} ms (status ${status}, ${events.length} events)`),
      );
    }, timeoutMs);

    socket.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (!head) {
        pending = Buffer.concat([pending, chunk]);
        const end = pending.indexOf(CRLF2);
        if (end < 0) return;
        head = pending.subarray(0, end);
        const rest = pending.subarray(end + 4);
        const lines = head.toString('latin1').split('\r\n');
        status = Number(lines[0]!.split(' ')[1] ?? 0);
        headers = {};
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const length = headers['content-length'];
        plainLength = length === undefined ? undefined : Number(length);
        chunk = rest;
      }
      if (headers['transfer-encoding']?.includes('chunked')) {
        if (dechunker.feed(chunk)) return finish(!caughtUp && isEventStream());
      } else {
        plainReceived += chunk.byteLength;
        const text = decoder.decode(chunk, { stream: true });
        if (body.length < MAX_KEPT_BODY) body += text;
        if (isEventStream()) parser.feed(text);
        if (plainLength !== undefined && plainReceived >= plainLength) return finish(false);
      }
      if (caughtUp) finish(false);
    });
    socket.once('end', () => finish(isEventStream() && !caughtUp));
    socket.once('close', () => finish(isEventStream() && !caughtUp));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      // A server may answer (400, 431) and reset before reading all we sent: the answer counts.
      if (status !== 0 || error.code === 'ECONNRESET' || error.code === 'EPIPE')
        finish(isEventStream() && !caughtUp);
      else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.write(request);
  });
}

/**
 * Incremental `Transfer-Encoding: chunked` decoder. `feed` returns true at the last chunk.
 * Exported for its own test.
 */
export function chunkedDecoder(onData: (bytes: Uint8Array) => void): { feed(bytes: Uint8Array): boolean } {
  let buffer = Buffer.alloc(0);
  let remaining = -1; // -1: reading a size line
  let done = false;
  return {
    feed(bytes) {
      buffer = buffer.byteLength === 0 ? Buffer.from(bytes) : Buffer.concat([buffer, bytes]);
      while (!done) {
        if (remaining < 0) {
          const lineEnd = buffer.indexOf('\r\n');
          if (lineEnd < 0) break;
          const size = Number.parseInt(buffer.subarray(0, lineEnd).toString('latin1'), 16);
          buffer = buffer.subarray(lineEnd + 2);
          if (!Number.isFinite(size)) throw new Error('malformed chunk size');
          if (size === 0) {
            done = true;
            break;
          }
          remaining = size;
        }
        if (buffer.byteLength < remaining + 2) {
          if (buffer.byteLength > 0 && remaining > 0) {
            const take = Math.min(remaining, buffer.byteLength);
            onData(buffer.subarray(0, take));
            remaining -= take;
            buffer = buffer.subarray(take);
          }
          break;
        }
        if (remaining > 0) onData(buffer.subarray(0, remaining));
        buffer = buffer.subarray(remaining + 2);
        remaining = -1;
      }
      return done;
    },
  };
}

/** Builds request bytes: a request line, headers, and an optional body (Content-Length added). */
export function buildRequest(
  method: string,
  target: string | Uint8Array,
  headers: ReadonlyArray<readonly [string, string | Uint8Array]>,
  body?: Uint8Array,
): Uint8Array {
  const parts: Buffer[] = [
    Buffer.from(`${method} `),
    Buffer.from(target),
    Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\n'),
  ];
  for (const [name, value] of headers)
    parts.push(Buffer.from(`${name}: `), Buffer.from(value), Buffer.from('\r\n'));
  if (body) parts.push(Buffer.from(`Content-Length: ${body.byteLength}\r\n`));
  parts.push(Buffer.from('\r\n'));
  if (body) parts.push(Buffer.from(body));
  return Buffer.concat(parts);
}
