/**
 * An in-process `SseSink` for engine tests: it keeps every byte written, parses them with
 * `eventsource-parser` (the decoder browsers' behaviour is tested against), and can be paused
 * to act as a client that stops reading.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { SseSink } from '../engine/types.ts';

export interface ParsedFrame {
  readonly id: string | undefined;
  readonly event: string | undefined;
  readonly data: string;
}

export class CollectingSink implements SseSink {
  readonly frames: ParsedFrame[] = [];
  readonly comments: string[] = [];
  retry: number | undefined;
  bytesWritten = 0;
  /** Everything written, as text: for what the parser does not report (an id-only frame). */
  text = '';
  maxBuffered = 0;
  #buffered = 0;
  #paused = false;
  #closed = false;
  #waiters: Array<() => void> = [];
  #closeWaiters: Array<() => void> = [];
  readonly #highWaterMark: number;
  readonly #decoder = new TextDecoder();
  readonly #parser = createParser({
    onEvent: (message: EventSourceMessage) =>
      this.frames.push({ id: message.id, event: message.event, data: message.data }),
    onComment: (comment) => this.comments.push(comment),
    onRetry: (retry) => {
      this.retry = retry;
    },
  });

  constructor(options: { highWaterMark?: number; paused?: boolean } = {}) {
    this.#highWaterMark = options.highWaterMark ?? 16_384;
    this.#paused = options.paused ?? false;
  }

  get bufferedBytes(): number {
    return this.#buffered;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Application events only (control events filtered out). */
  get events(): ParsedFrame[] {
    return this.frames.filter((frame) => frame.event !== 'reset' && frame.event !== 'caught-up');
  }

  named(event: string): ParsedFrame[] {
    return this.frames.filter((frame) => frame.event === event);
  }

  write(chunk: Uint8Array): boolean {
    if (this.#closed) return false;
    this.bytesWritten += chunk.byteLength;
    const text = this.#decoder.decode(chunk, { stream: true });
    this.text += text;
    this.#parser.feed(text);
    if (this.#paused) {
      this.#buffered += chunk.byteLength;
      this.maxBuffered = Math.max(this.maxBuffered, this.#buffered);
    }
    return this.#buffered < this.#highWaterMark;
  }

  drain(): Promise<void> {
    if (this.#closed || this.#buffered < this.#highWaterMark) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#release();
    for (const resolve of this.#closeWaiters.splice(0)) resolve();
  }

  pause(): void {
    this.#paused = true;
  }

  /** The client reads everything buffered. */
  resume(): void {
    this.#paused = false;
    this.#buffered = 0;
    this.#release();
  }

  whenClosed(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#closeWaiters.push(resolve));
  }

  #release(): void {
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}

/** Polls `condition` every few milliseconds until true or the timeout passes. */
export async function until(condition: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
