import { CONTROL_EVENTS } from '@resumable-sse/core/protocol';
import { createParser, type EventSourceMessage, type EventSourceParser } from 'eventsource-parser';
import { waitUntil } from './wait.ts';

/**
 * What a test reader keeps of an event stream, sorted as a client would sort it. The readers
 * differ only in how the body reaches the parser.
 */
export abstract class SseEventRecord {
  /** Every event, control events included, in arrival order. */
  readonly events: EventSourceMessage[] = [];
  /** Application events: everything but `reset` and `caught-up`. */
  readonly appEvents: EventSourceMessage[] = [];
  readonly resets: EventSourceMessage[] = [];
  readonly caughtUps: EventSourceMessage[] = [];
  readonly comments: string[] = [];
  readonly retries: number[] = [];
  /** The body ended (or errored, or its connection closed). */
  ended = false;

  /**
   * A parser that records here what it reads, keeping only `keepDataChars` characters of each
   * event's data when set; `onEvent` runs after each event is recorded.
   */
  protected recordingParser(keepDataChars: number | undefined, onEvent?: () => void): EventSourceParser {
    return createParser({
      onEvent: (received) => {
        const event =
          keepDataChars === undefined
            ? received
            : { ...received, data: received.data.slice(0, keepDataChars) };
        this.events.push(event);
        onEvent?.();
        if (event.event === CONTROL_EVENTS.reset) this.resets.push(event);
        else if (event.event === CONTROL_EVENTS.caughtUp) this.caughtUps.push(event);
        else this.appEvents.push(event);
      },
      onComment: (comment) => this.comments.push(comment),
      onRetry: (retry) => this.retries.push(retry),
    });
  }

  waitForEvents(count: number, timeoutMs?: number): Promise<void> {
    return waitUntil(
      () => this.appEvents.length >= count,
      `${count} events (have ${this.appEvents.length})`,
      timeoutMs,
    );
  }

  /** Fails at once when the stream ends first: nothing more can arrive on it. */
  async waitForCaughtUp(timeoutMs?: number): Promise<void> {
    await waitUntil(() => this.caughtUps.length > 0 || this.ended, 'caught-up', timeoutMs);
    if (this.caughtUps.length === 0) {
      const received = this.events.map((event) => event.event ?? event.data).join(', ');
      throw new Error(`The stream ended before caught-up; it received: ${received || 'nothing'}`);
    }
  }
}
