import { connect, type IncomingHttpHeaders } from 'node:http2';
import { waitUntil } from './wait.ts';

export interface Http2SseResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body received so far, decoded. */
  readonly text: string;
  /** Resolves once `text` contains `needle`. */
  waitForText(needle: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens an event stream over cleartext HTTP/2 (h2c, prior knowledge), to check what an adapter
 * sends there: never `Connection` or `Transfer-Encoding`, which HTTP/2 forbids.
 */
export function openHttp2Sse(url: string, headers: Record<string, string> = {}): Promise<Http2SseResponse> {
  const target = new URL(url);
  const session = connect(target.origin);
  return new Promise((resolve, reject) => {
    session.once('error', reject);
    const stream = session.request({
      ':path': `${target.pathname}${target.search}`,
      accept: 'text/event-stream',
      ...headers,
    });
    stream.once('error', reject);
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.once('response', (received) => {
      resolve({
        status: Number(received[':status']),
        headers: received,
        get text() {
          return text;
        },
        waitForText: (needle, timeoutMs) =>
          waitUntil(() => text.includes(needle), `"${needle}" over HTTP/2`, timeoutMs),
        close: () =>
          new Promise<void>((done) => {
            stream.close();
            session.close(() => done());
          }),
      });
    });
  });
}
