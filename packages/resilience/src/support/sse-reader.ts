/**
 * A raw SSE reader on `node:http` (no agent, no pooling, no reconnection of its own): one request,
 * its body parsed with `eventsource-parser`, every event handed to a callback as it arrives. The
 * drills build their own reconnection on top, so what happens on the wire stays visible.
 */
import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface OpenStreamOptions {
  /** Sent as `Last-Event-ID`. */
  readonly lastEventId?: string | undefined;
  readonly headers?: Readonly<Record<string, string>>;
  readonly onEvent: (event: EventSourceMessage) => void;
  readonly onComment?: (comment: string) => void;
  readonly onRetry?: (retry: number) => void;
  /** Fails the open when no response head arrives in time. @default 5_000 */
  readonly timeoutMs?: number;
}

export interface OpenStream {
  readonly status: number;
  /** Resolves when the response ended or the connection closed, for whatever reason. */
  readonly ended: Promise<void>;
  readonly isEnded: () => boolean;
  /** Stops reading: the server's writes back up (a stalled client). */
  pause(): void;
  resume(): void;
  /** Drops the connection as a client that goes away would. */
  close(): void;
}

export function openStream(url: string, options: OpenStreamOptions): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...options.headers };
    if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
    const req: ClientRequest = request(url, { agent: false, headers });
    const timer = setTimeout(
      () => req.destroy(new Error(`no response from ${url} within ${options.timeoutMs ?? 5_000} ms`)),
      options.timeoutMs ?? 5_000,
    );
    req.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.once('response', (res: IncomingMessage) => {
      clearTimeout(timer);
      let ended = false;
      let markEnded!: () => void;
      const endedPromise = new Promise<void>((done) => {
        markEnded = () => {
          ended = true;
          done();
        };
      });
      const parser = createParser({
        onEvent: options.onEvent,
        onComment: options.onComment,
        onRetry: options.onRetry,
      });
      const decoder = new TextDecoder();
      res.on('data', (chunk: Buffer) => parser.feed(decoder.decode(chunk, { stream: true })));
      res.once('end', markEnded);
      res.once('close', markEnded);
      res.once('error', markEnded);
      req.on('error', markEnded);
      resolve({
        status: res.statusCode ?? 0,
        ended: endedPromise,
        isEnded: () => ended,
        pause: () => res.pause(),
        resume: () => res.resume(),
        close: () => {
          req.destroy();
          res.destroy();
        },
      });
    });
    req.end();
  });
}
