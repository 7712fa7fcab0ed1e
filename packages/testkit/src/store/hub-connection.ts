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
  /** The endpoint's `replayPageSize`. */
  readonly replayPageSize?: number;
  /** The endpoint's `highWaterMarkBytes`. */
  readonly highWaterMarkBytes?: number;
  /**
   * A client that stops reading: every write reports a full buffer and `drain()` waits for
   * `resume()`, as with a stalled socket. What is written is still parsed at once, so a case can
   * see how far the connection got.
   */
  readonly stalled?: boolean;
}

/**
 * One client connection to a hub's stream, through core's real endpoint and replay session, with
 * no HTTP in between: the endpoint writes into an in-memory `SseSink` that parses what it gets
 * as a browser would. For store cases that need the whole path above the store — cursors,
 * resets, replay, live fan-out.
 */
export class HubConnection extends SseEventRecord implements SseSink {
  /** Bytes written while stalled; nothing is queued otherwise (the parser reads every write at once). */
  bufferedBytes = 0;
  #stalled = false;
  #drained: Array<() => void> = [];
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
    connection.#stalled = options.stalled ?? false;
    const endpoint = createSseEndpoint<undefined>(hub, {
      stream,
      initial: 'earliest',
      heartbeatMs: 0,
      retry: false,
      ...(options.filter && { filter: options.filter }),
      ...(options.replayPageSize !== undefined && { replayPageSize: options.replayPageSize }),
      ...(options.highWaterMarkBytes !== undefined && { highWaterMarkBytes: options.highWaterMarkBytes }),
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
    if (!this.#stalled) return true;
    this.bufferedBytes += chunk.byteLength;
    return false;
  }

  drain(): Promise<void> {
    if (!this.#stalled || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  /** A stalled client reads again: its buffer empties and a waiting writer goes on. */
  resume(): void {
    this.#stalled = false;
    this.bufferedBytes = 0;
    for (const resolve of this.#drained.splice(0)) resolve();
  }

  end(): void {
    this.ended = true;
    for (const resolve of this.#drained.splice(0)) resolve();
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
