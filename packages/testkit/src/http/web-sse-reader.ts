import { CONTROL_EVENTS } from '@resumable-sse/core/protocol';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
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
export class WebSseReader {
  readonly events: EventSourceMessage[] = [];
  readonly appEvents: EventSourceMessage[] = [];
  readonly resets: EventSourceMessage[] = [];
  readonly caughtUps: EventSourceMessage[] = [];
  readonly comments: string[] = [];
  readonly retries: number[] = [];
  /** Body chunks read so far. */
  chunks = 0;
  /** The body ended (or errored). */
  ended = false;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(response: Response, options: WebSseReaderOptions = {}) {
    if (!response.body) throw new Error('The response has no body');
    this.#reader = response.body.getReader();
    const keep = options.keepDataChars;
    const parser = createParser({
      onEvent: (received) => {
        const event = keep === undefined ? received : { ...received, data: received.data.slice(0, keep) };
        this.events.push(event);
        if (event.event === CONTROL_EVENTS.reset) this.resets.push(event);
        else if (event.event === CONTROL_EVENTS.caughtUp) this.caughtUps.push(event);
        else this.appEvents.push(event);
      },
      onComment: (comment) => this.comments.push(comment),
      onRetry: (retry) => this.retries.push(retry),
    });
    void this.#read(parser, options.slowRead);
  }

  async #read(parser: ReturnType<typeof createParser>, slow: WebSseReaderOptions['slowRead']): Promise<void> {
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

  waitForEvents(count: number, timeoutMs?: number): Promise<void> {
    return waitUntil(
      () => this.appEvents.length >= count,
      `${count} events (have ${this.appEvents.length})`,
      timeoutMs,
    );
  }

  waitForCaughtUp(timeoutMs?: number): Promise<void> {
    return waitUntil(() => this.caughtUps.length > 0, 'caught-up', timeoutMs);
  }

  waitForEnd(timeoutMs?: number): Promise<void> {
    return waitUntil(() => this.ended, 'the body to end', timeoutMs);
  }

  /** Cancels the body, as a client that goes away does. */
  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}
