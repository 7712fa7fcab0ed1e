/**
 * One soak subscriber: a raw stream that remembers its cursor, counts what it received and
 * notices any gap or repeat in the sequence numbers. `reconnect()` drops the connection and comes
 * back with the cursor, as a client on a flaky network would.
 */
import { type OpenStream, openStream } from '../support/sse-reader.ts';

export class SoakSubscriber {
  received = 0;
  gaps = 0;
  repeats = 0;
  resets = 0;
  reconnects = 0;
  #lastSeq: number | undefined;
  #cursor: string | undefined;
  #stream: OpenStream | undefined;
  #reconnecting = false;
  readonly #url: string;

  constructor(url: string) {
    this.#url = url;
  }

  get connected(): boolean {
    return this.#stream !== undefined && !this.#stream.isEnded();
  }

  async connect(): Promise<void> {
    this.#stream = await openStream(this.#url, {
      lastEventId: this.#cursor,
      timeoutMs: 15_000,
      onEvent: (event) => {
        if (event.event === 'reset') {
          this.resets++;
          this.#cursor = event.id;
          return;
        }
        if (event.event !== 'soak') return;
        this.#cursor = event.id;
        const seq = Number(event.data);
        if (this.#lastSeq !== undefined) {
          if (seq <= this.#lastSeq) this.repeats++;
          else if (seq > this.#lastSeq + 1) this.gaps += seq - this.#lastSeq - 1;
        }
        this.#lastSeq = seq;
        this.received++;
      },
    });
  }

  /** Drops the connection and resumes with the cursor. Ignored while a reconnection is under way. */
  async reconnect(): Promise<void> {
    if (this.#reconnecting) return;
    this.#reconnecting = true;
    try {
      this.#stream?.close();
      this.reconnects++;
      await this.connect();
    } finally {
      this.#reconnecting = false;
    }
  }

  close(): void {
    this.#stream?.close();
  }

  get lastSeq(): number | undefined {
    return this.#lastSeq;
  }
}
