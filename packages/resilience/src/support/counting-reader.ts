/**
 * A cheap reader for throughput drills: it counts events by the bytes of their `event:` line
 * instead of parsing every frame, so eight of them can take tens of megabytes per second without
 * the test process becoming what is measured. It records when it reached each count.
 */
import { type ClientRequest, request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface CountingReader {
  /** Events seen so far. */
  readonly count: number;
  /** `performance.now()` when the count reached `n` (index n - 1). */
  readonly arrivals: number[];
  readonly ended: boolean;
  close(): void;
}

export function countingReader(url: string, eventName: string): Promise<CountingReader> {
  const needle = Buffer.from(`event: ${eventName}\n`);
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request(url, { agent: false, headers: { accept: 'text/event-stream' } });
    req.once('error', reject);
    req.once('response', (res) => {
      const arrivals: number[] = [];
      let tail: Buffer = Buffer.alloc(0);
      let ended = false;
      res.on('data', (chunk: Buffer) => {
        const now = performance.now();
        const text = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
        let at = text.indexOf(needle);
        while (at >= 0) {
          arrivals.push(now);
          at = text.indexOf(needle, at + needle.length);
        }
        tail = text.subarray(Math.max(0, text.length - needle.length + 1));
      });
      res.once('close', () => {
        ended = true;
      });
      resolve({
        get count() {
          return arrivals.length;
        },
        arrivals,
        get ended() {
          return ended;
        },
        close: () => {
          req.destroy();
          res.destroy();
        },
      });
    });
    req.end();
  });
}

/** A client that opens a stream and never reads from its socket: the server's writes back up. */
export interface StalledClient {
  readonly socket: Socket;
  /** Starts reading at last and resolves with everything the server had sent, once it closes. */
  drainToEnd(timeoutMs: number): Promise<Buffer>;
}

export function stalledClient(port: number, path: string): Promise<StalledClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
      resolve({
        socket,
        drainToEnd(timeoutMs) {
          return new Promise((done, fail) => {
            const chunks: Buffer[] = [];
            const timer = setTimeout(
              () => fail(new Error(`the stalled connection was not closed within ${timeoutMs} ms`)),
              timeoutMs,
            );
            socket.on('data', (chunk: Buffer) => chunks.push(chunk));
            socket.once('end', () => {
              clearTimeout(timer);
              done(Buffer.concat(chunks));
            });
            socket.resume();
          });
        },
      });
    });
    socket.once('error', reject);
    // No 'data' listener and no resume(): the socket is never read.
    socket.pause();
  });
}
