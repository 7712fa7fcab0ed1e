import {
  createHub,
  type Hub,
  type HubHooks,
  type PublishResult,
  type SseEndpointOptions,
} from '@resumable-sse/core';
import { type CountingStore, countingStore } from './counting-store.ts';
import { RecordingEventSource } from './event-source-client.ts';
import type { SseAdapterHarness, StartedServer } from './harness.ts';
import { openSse, type RawSseConnection, type RawSseOptions } from './raw-sse-client.ts';
import { memorySuiteStore, type SuiteStore } from './suite-store.ts';

/** The stream every case uses unless it says otherwise. */
export const STREAM = 'feed';

export interface ServeOptions<Req> {
  /** Merged over `{ stream: 'feed' }`. */
  readonly endpoint?: Partial<SseEndpointOptions<Req>>;
  /** Retention of the store. @default 500 */
  readonly maxEvents?: number;
  readonly compression?: boolean;
  /** The hub's hooks. */
  readonly hooks?: HubHooks;
}

/** One started server with its own hub over a new, counted store of the context's kind. */
export interface Served {
  readonly url: string;
  readonly hub: Hub;
  readonly store: CountingStore;
  readonly server: StartedServer;
  /** Publishes `count` events to `stream`; data `e<n>` with n counting from 1 per stream. */
  publish(
    count: number,
    options?: { stream?: string; event?: string; pad?: number },
  ): Promise<PublishResult[]>;
  /** `url` with `?lastEventId=`. */
  withQuery(lastEventId: string): string;
}

/** Per-test resources of the suite; everything opened through it is closed after each test. */
export class SuiteContext<Req> {
  readonly harness: SseAdapterHarness<Req>;
  /** The kind of store every `serve` opens. */
  readonly storeKind: SuiteStore;
  #cleanups: Array<() => unknown> = [];

  constructor(harness: SseAdapterHarness<Req>, storeKind: SuiteStore = memorySuiteStore) {
    this.harness = harness;
    this.storeKind = storeKind;
  }

  async serve(options: ServeOptions<Req> = {}): Promise<Served> {
    const opened = await this.storeKind.create({ maxEvents: options.maxEvents ?? 500 });
    const store = countingStore(opened.store);
    this.#cleanups.push(async () => {
      try {
        await store.close();
      } finally {
        await opened.release?.();
      }
    });
    const hub = createHub({ store, ...(options.hooks ? { hooks: options.hooks } : {}) });
    const server = await this.harness.start({
      hub,
      endpoint: { stream: STREAM, ...options.endpoint },
      compression: options.compression ?? false,
    });
    this.#cleanups.push(() => server.close());
    this.#cleanups.push(() => hub.close());
    const counters = new Map<string, number>();
    return {
      url: server.url,
      hub,
      store,
      server,
      async publish(count, { stream = STREAM, event, pad = 0 } = {}) {
        const start = counters.get(stream) ?? 0;
        counters.set(stream, start + count);
        const inputs = Array.from({ length: count }, (_, i) => ({
          event,
          data: `e${start + i + 1}${pad > 0 ? ` ${'x'.repeat(pad)}` : ''}`,
        }));
        return hub.publishBatch(stream, inputs);
      },
      withQuery: (lastEventId) => `${server.url}?lastEventId=${encodeURIComponent(lastEventId)}`,
    };
  }

  async open(url: string, options?: RawSseOptions): Promise<RawSseConnection> {
    const connection = await openSse(url, options);
    this.#cleanups.push(() => connection.close());
    return connection;
  }

  eventSource(
    url: string,
    types: readonly string[],
    init?: ConstructorParameters<typeof RecordingEventSource>[2],
  ) {
    const source = new RecordingEventSource(url, types, init);
    this.#cleanups.push(() => source.close());
    return source;
  }

  /** Runs after the test, before the servers close. */
  onCleanup(cleanup: () => unknown): void {
    this.#cleanups.push(cleanup);
  }

  async cleanup(): Promise<void> {
    const cleanups = this.#cleanups.reverse();
    this.#cleanups = [];
    for (const cleanup of cleanups) await cleanup();
  }
}
