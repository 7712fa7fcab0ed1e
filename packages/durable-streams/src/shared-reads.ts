/**
 * SSE readers of one stream wake on the same append and ask the store the same questions. While
 * one such read is in flight, the others wait for its answer instead of asking again. Only SSE
 * uses this: a reader that got a slightly older answer sees the head has moved when it next waits,
 * and reads again, so sharing never loses data (a plain GET must not share: read-your-writes).
 */
export class SharedReads {
  readonly #inFlight = new Map<string, Promise<unknown>>();

  run<T>(key: string, read: () => Promise<T>): Promise<T> {
    const pending = this.#inFlight.get(key) as Promise<T> | undefined;
    if (pending !== undefined) return pending;
    const started = read().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, started);
    return started;
  }
}
