/**
 * Reads one raw HTTP/1.1 SSE response as it arrives and counts frames — a frame ends at a blank
 * line, `\n\n` — without parsing events, so the load generator stays far cheaper than any server.
 * Chunked transfer encoding never gets in the way: every contender writes whole frames, so chunk
 * headers (`\r\n<hex>\r\n`) fall between frames and never inside a `\n\n`.
 */
import { TIME_MARK } from '../harness/payload.ts';

const LF = 0x0a;
const HEADER_END = '\r\n\r\n';
const EMPTY = Buffer.alloc(0);

export class FrameScanner {
  /** HTTP status, 0 until the status line arrived. */
  status = 0;
  headersDone = false;
  /** Frames since the last `reset`. */
  frames = 0;
  /** Bytes of body since the last `reset`. */
  bytes = 0;
  readonly #sampleLatency: boolean;
  #head: Buffer = EMPTY;
  #lastWasLf = false;
  /** Unparsed tail of the body, kept only when latencies are sampled. */
  #carry = '';

  constructor(options: { sampleLatency?: boolean } = {}) {
    this.#sampleLatency = options.sampleLatency ?? false;
  }

  reset(): void {
    this.frames = 0;
    this.bytes = 0;
    this.#carry = '';
  }

  /**
   * Feeds bytes; appends to `latencies` the publish → receive time of every payload timestamp
   * completed in this chunk (only when sampling).
   */
  push(chunk: Buffer, receivedAt: number, latencies?: number[]): void {
    let body = chunk;
    if (!this.headersDone) {
      const head = this.#head.length === 0 ? chunk : Buffer.concat([this.#head, chunk]);
      const end = head.indexOf(HEADER_END);
      if (end < 0) {
        this.#head = head;
        return;
      }
      this.headersDone = true;
      this.status = Number(head.toString('latin1', 9, 12));
      body = head.subarray(end + HEADER_END.length);
      this.#head = EMPTY;
    }
    if (body.length === 0) return;
    this.bytes += body.length;
    this.#countFrames(body);
    if (this.#sampleLatency && latencies) this.#sample(body, receivedAt, latencies);
  }

  #countFrames(body: Buffer): void {
    // `pending`: the byte just before `from` is a line feed not yet paired into a frame end.
    let pending = this.#lastWasLf;
    let from = 0;
    for (;;) {
      const lf = body.indexOf(LF, from);
      if (lf < 0) break;
      if (lf === from && pending) {
        this.frames += 1;
        pending = false;
      } else {
        pending = true;
      }
      from = lf + 1;
    }
    this.#lastWasLf = from === body.length ? pending : false;
  }

  #sample(body: Buffer, receivedAt: number, latencies: number[]): void {
    let text = this.#carry + body.toString('latin1');
    let from = 0;
    for (;;) {
      const start = text.indexOf(TIME_MARK, from);
      if (start < 0) {
        // Keep a possible first half of the mark for the next chunk.
        text = text.slice(Math.max(from, text.length - TIME_MARK.length + 1));
        break;
      }
      const end = text.indexOf('~', start + TIME_MARK.length);
      if (end < 0) {
        text = text.slice(start);
        break;
      }
      const sentAt = Number(text.slice(start + TIME_MARK.length, end));
      if (Number.isFinite(sentAt)) latencies.push(receivedAt - sentAt);
      from = end + 1;
    }
    this.#carry = text;
  }
}
