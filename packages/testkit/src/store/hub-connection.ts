import {
  createSseEndpoint,
  type Hub,
  type SseRequest,
  type SseSink,
  type StoredEvent,
} from '@resumable-sse/core';
import { SseEventRecord } from '../http/sse-event-record.ts';
import { waitUntil } from '../http/wait.ts';

export interface HubConnectionOptions {
  /** The endpoint's per-connection filter. */
  readonly filter?: (event: StoredEvent) => boolean;
}

/**
 * One client connection to a hub's stream, through core's real endpoint and replay session, with
 * no HTTP in between: the endpoint writes into an in-memory `SseSink` that parses what it gets
 * as a browser would. For store cases that need the whole path above the store — cursors,
 * resets, replay, live fan-out.
 */
export class HubConnection extends SseEventRecord implements SseSink {
  /** Nothing is ever queued: the parser reads every write at once. */
  readonly bufferedBytes = 0;
  /** The `id:` of the last event that carried one (control events included), as `EventSource` keeps it. */
  lastEventId: string | undefined;
  readonly #aborter = new AbortController();
  readonly #decoder = new TextDecoder();
  readonly #parser = this.recordingParser(undefined, () => {
    const id = this.events.at(-1)?.id;
    if (id !== undefined && id !== '') this.lastEventId = id;
  });
  #piping: Promise<void> = Promise.resolve();

  /** The endpoint and its response, kept so a refused request (a 4xx) fails the case clearly. */
  static async open(
    hub: Hub,
    stream: string,
    lastEventId?: string,
    options: HubConnectionOptions = {},
  ): Promise<HubConnection> {
    const connection = new HubConnection();
    connection.lastEventId = lastEventId;
    const endpoint = createSseEndpoint<undefined>(hub, {
      stream,
      initial: 'earliest',
      heartbeatMs: 0,
      retry: false,
      ...(options.filter && { filter: options.filter }),
    });
    const request: SseRequest = {
      method: 'GET',
      header: (name) => (name.toLowerCase() === 'last-event-id' ? lastEventId : undefined),
      query: () => undefined,
      signal: connection.#aborter.signal,
    };
    const plan = await endpoint.handle(request, undefined);
    if (plan.kind !== 'stream') {
      throw new Error(`the endpoint answered ${plan.status} instead of a stream: ${plan.body}`);
    }
    connection.#piping = plan.pipe(connection).finally(() => connection.end());
    return connection;
  }

  get closed(): boolean {
    return this.ended;
  }

  write(chunk: Uint8Array): boolean {
    if (this.ended) return false;
    this.#parser.feed(this.#decoder.decode(chunk, { stream: true }));
    return true;
  }

  drain(): Promise<void> {
    return Promise.resolve();
  }

  end(): void {
    this.ended = true;
  }

  /** The client goes away; resolves once the session has finished. */
  async close(): Promise<void> {
    this.#aborter.abort();
    await this.#piping;
  }

  /** Data of the application events received, in order. */
  get data(): string[] {
    return this.appEvents.map((event) => event.data);
  }

  /** Waits until the stream ended or `done` holds. */
  settled(done: () => boolean, what: string, timeoutMs?: number): Promise<void> {
    return waitUntil(() => this.ended || done(), what, timeoutMs);
  }
}
