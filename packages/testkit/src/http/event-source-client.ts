import { EventSource } from 'eventsource';
import { waitUntil } from './wait.ts';

export interface ReceivedMessage {
  readonly type: string;
  readonly data: string;
  readonly lastEventId: string;
}

/**
 * The `eventsource` package (a WHATWG `EventSource` for Node), recording every message of the
 * given event types, each `open` and each `error`.
 */
export class RecordingEventSource {
  readonly source: EventSource;
  readonly messages: ReceivedMessage[] = [];
  readonly errors: Array<{ code: number | undefined; message: string | undefined }> = [];
  opens = 0;

  constructor(url: string, types: readonly string[], init?: ConstructorParameters<typeof EventSource>[1]) {
    this.source = new EventSource(url, init);
    for (const type of types) {
      this.source.addEventListener(type, (event) => {
        this.messages.push({ type, data: event.data, lastEventId: event.lastEventId });
      });
    }
    this.source.addEventListener('open', () => {
      this.opens++;
    });
    this.source.addEventListener('error', (event) => {
      this.errors.push({ code: event.code, message: event.message });
    });
  }

  of(type: string): ReceivedMessage[] {
    return this.messages.filter((message) => message.type === type);
  }

  waitFor(condition: () => boolean, what: string, timeoutMs?: number): Promise<void> {
    return waitUntil(condition, what, timeoutMs);
  }

  close(): void {
    this.source.close();
  }
}
