/**
 * Joins identical reads asked for within one tick into one: in a reconnect storm, clients that
 * resume from the same cursor ask the same `position` and the same pages at once, and each would
 * otherwise be its own command and its own copy of the reply. The read is sent on the next tick,
 * after every caller that joined it had asked, so each still sees every write that finished
 * before it asked (a read already in flight is never joined: it may predate such a write).
 */
export class TickCoalescer<T> {
  readonly #waiting = new Map<string, Promise<T>>();
  readonly #copy: (value: T) => T;

  /** `copy` gives each caller its own top-level value (a caller may sort or splice its array). */
  constructor(copy: (value: T) => T) {
    this.#copy = copy;
  }

  run(key: string, read: () => Promise<T>): Promise<T> {
    let shared = this.#waiting.get(key);
    if (shared === undefined) {
      shared = new Promise<T>((resolve, reject) => {
        process.nextTick(() => {
          this.#waiting.delete(key);
          try {
            read().then(resolve, reject);
          } catch (error) {
            reject(error);
          }
        });
      });
      this.#waiting.set(key, shared);
    }
    return shared.then(this.#copy);
  }
}
