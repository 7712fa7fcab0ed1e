import type { EventSourceParser } from 'eventsource-parser';
import { SseEventRecord } from './sse-event-record.ts';
import { sleep, waitUntil } from './wait.ts';

export interface WebSseReaderOptions {
  /** A slow but live reader: after every `reads` chunks, wait `pauseMs` before reading on. */
  readonly slowRead?: { readonly reads: number; readonly pauseMs: number };
  /** Keep only this many characters of each event's data (for bulk tests). */
  readonly keepDataChars?: number;
}

/**
 * Reads a Web `Response` body as an event stream with Web APIs only (`ReadableStream`,
 * `TextDecoder`), as a runtime without Node would: for adapters tested through `fetch`-style
 * entry points such as Hono's `app.request()`.
 */
export class WebSseReader extends SseEventRecord {
  /** Body chunks read so far. */
  chunks = 0;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(response: Response, options: WebSseReaderOptions = {}) {
    super();
    if (!response.body) throw new Error('The response has no body');
    this.#reader = response.body.getReader();
    void this.#read(this.recordingParser(options.keepDataChars), options.slowRead);
  }

  async #read(parser: EventSourceParser, slow: WebSseReaderOptions['slowRead']): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await this.#reader.read();
        if (done) break;
        this.chunks++;
        parser.feed(decoder.decode(value, { stream: true }));
        if (slow && this.chunks % slow.reads === 0) await sleep(slow.pauseMs);
      }
    } catch {
      // An errored body ends the stream as far as a client can tell.
    }
    this.ended = true;
  }

  waitForEnd(timeoutMs?: number): Promise<void> {
    return waitUntil(() => this.ended, 'the body to end', timeoutMs);
  }

  /** Cancels the body, as a client that goes away does. */
  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}
