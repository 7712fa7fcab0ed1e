import { type LiveMode, type StreamResponse, stream } from '@durable-streams/client';

/** A live reader through the official client: every item it got, and the offset after the last batch. */
export interface JsonReader {
  readonly items: number[];
  offset: string;
  /** Resolves once `count` items arrived in total. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  cancel(): void;
}

export async function readJson(
  url: string,
  offset: string,
  live: LiveMode,
  items: number[] = [],
): Promise<JsonReader> {
  const response: StreamResponse<number> = await stream<number>({
    url,
    offset,
    live,
    warnOnHttp: false,
    // A server that is cut off is not retried here: the test resumes on purpose, elsewhere.
    onError: () => undefined,
    backoffOptions: { initialDelay: 50, maxDelay: 200, multiplier: 2 },
  });
  const waiters: (() => void)[] = [];
  const reader: JsonReader = {
    items,
    offset,
    waitFor(count, timeoutMs = 10_000) {
      if (items.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`Only ${items.length} of ${count} items arrived: ${JSON.stringify(items)}`)),
          timeoutMs,
        );
        waiters.push(() => {
          if (items.length < count) return;
          clearTimeout(timer);
          resolve();
        });
      });
    },
    cancel: () => response.cancel(),
  };
  // Being cut off ends the response with an error: expected here, the test resumes elsewhere.
  response.closed.catch(() => undefined);
  response.subscribeJson((batch) => {
    items.push(...batch.items);
    reader.offset = batch.offset;
    for (const waiter of [...waiters]) waiter();
  });
  return reader;
}
