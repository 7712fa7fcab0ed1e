/**
 * A producer that never loses or doubles an event across server crashes and store outages.
 *
 * Every event carries its sequence number and the idempotency key `seq-<n>`. When a publish
 * fails — connection refused or reset because the server died, or 503 because the store is
 * unreachable — it is sent again with the same key until it is acknowledged. If the first attempt
 * had been stored before the crash, the store recognises the key and answers `duplicate: true`
 * with the original offset instead of appending a second copy; if it had not, the retry stores it.
 * Either way the event is in the log exactly once, and publishes stay strictly sequential, so the
 * log's order is the sequence order.
 */
import { sleep } from '@resumable-sse/testkit/http';

export interface Acknowledged {
  readonly seq: number;
  readonly id: string;
  readonly epoch: string;
  readonly offset: number;
  /** The store already had this key: an earlier attempt was stored before it failed. */
  readonly duplicate: boolean;
  readonly attempts: number;
}

export interface FailedAttempt {
  readonly seq: number;
  /** HTTP status, or 0 for a network error. */
  readonly status: number;
  readonly body: string;
}

export interface PublisherOptions {
  /** Where to publish: one URL, or a function choosing one per attempt (failover). */
  readonly target: string | (() => string);
  /** Give up on one event after this long. @default 30_000 */
  readonly deadlineMs?: number;
  /** Bytes of padding in each event's data. @default 0 */
  readonly padding?: number;
  /** Event name. @default 'seq' */
  readonly event?: string;
}

export class Publisher {
  readonly acknowledged: Acknowledged[] = [];
  readonly failures: FailedAttempt[] = [];
  readonly #options: PublisherOptions;
  readonly #padding: string;

  constructor(options: PublisherOptions) {
    this.#options = options;
    this.#padding = 'x'.repeat(options.padding ?? 0);
  }

  /** Events whose retry found the first attempt already stored (deduplicated by key). */
  get deduplicatedRetries(): number {
    return this.acknowledged.filter((ack) => ack.duplicate).length;
  }

  /** Sequence numbers acknowledged by the log with this epoch. */
  ackedIn(epoch: string): number[] {
    return this.acknowledged.filter((ack) => ack.epoch === epoch).map((ack) => ack.seq);
  }

  /**
   * Sends event `seq` once and throws the answer away, as when the connection drops after the
   * server stored the event but before its answer arrived. Call `publish(seq)` afterwards: that
   * retry must be recognised by its key.
   */
  async publishLosingAck(seq: number): Promise<void> {
    const target = typeof this.#options.target === 'string' ? this.#options.target : this.#options.target();
    const response = await fetch(`${target}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: this.#body(seq),
      signal: AbortSignal.timeout(5_000),
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`publish ${seq} answered ${response.status}`);
  }

  /**
   * Publishes event `seq`, retrying with the same idempotency key until it is stored. A retry
   * first waits for `retriesWaitFor`, so a publish left in flight across a crash cannot overtake
   * the ones the caller sends after the restart.
   */
  async publish(seq: number, options: { retriesWaitFor?: Promise<unknown> } = {}): Promise<Acknowledged> {
    const deadline = Date.now() + (this.#options.deadlineMs ?? 30_000);
    const body = this.#body(seq);
    for (let attempt = 1; ; attempt++) {
      const target = typeof this.#options.target === 'string' ? this.#options.target : this.#options.target();
      let status = 0;
      let text = '';
      try {
        const response = await fetch(`${target}/publish`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(5_000),
        });
        status = response.status;
        text = await response.text();
        if (status === 200) {
          const [result] = (JSON.parse(text) as { results: Omit<Acknowledged, 'seq' | 'attempts'>[] })
            .results;
          const ack: Acknowledged = { seq, attempts: attempt, ...result! };
          this.acknowledged.push(ack);
          return ack;
        }
        if (status !== 503) throw new Error(`publish ${seq} answered ${status}: ${text}`);
      } catch (error) {
        if (status !== 0 && status !== 503) throw error;
        text ||= error instanceof Error ? error.message : String(error);
      }
      this.failures.push({ seq, status, body: text });
      if (Date.now() > deadline)
        throw new Error(`publish ${seq} still failing after ${attempt} attempts: ${status} ${text}`);
      await sleep(Math.min(200, 10 * attempt));
      await options.retriesWaitFor;
    }
  }

  #body(seq: number): string {
    return JSON.stringify({
      event: this.#options.event ?? 'seq',
      data: JSON.stringify({ seq, pad: this.#padding }),
      key: `seq-${seq}`,
    });
  }
}
