/** One CloudEvent the page received. */
export interface LoggedEvent<Row> {
  /** The stream cursor it came with: unique per event within one log. */
  readonly cursor: string;
  readonly event: Readonly<Record<string, unknown>>;
  readonly receivedAt: number;
  readonly row: Row;
}

/**
 * The events the page shows, and the counter. An event counts once per cursor, however many times
 * a reconnect brings it again; only a `reset` (the server's log is not the one the page was built
 * from) starts the count over. The newest `maxKept` stay in memory; the count covers them all.
 */
export class EventLog<Row> {
  readonly #maxKept: number;
  readonly #cursors = new Set<string>();
  #entries: LoggedEvent<Row>[] = [];
  #count = 0;

  constructor(maxKept: number) {
    this.#maxKept = maxKept;
  }

  /** Every event received since the last reset. */
  get count(): number {
    return this.#count;
  }

  /** Kept events, oldest first. */
  get entries(): readonly LoggedEvent<Row>[] {
    return this.#entries;
  }

  has(cursor: string): boolean {
    return this.#cursors.has(cursor);
  }

  /** Adds an event; returns the entries dropped to stay within `maxKept`, or `undefined` for a repeat. */
  add(entry: LoggedEvent<Row>): LoggedEvent<Row>[] | undefined {
    if (this.#cursors.has(entry.cursor)) return undefined;
    this.#cursors.add(entry.cursor);
    this.#entries.push(entry);
    this.#count++;
    const dropped =
      this.#entries.length > this.#maxKept
        ? this.#entries.splice(0, this.#entries.length - this.#maxKept)
        : [];
    for (const old of dropped) this.#cursors.delete(old.cursor);
    return dropped;
  }

  find(cursor: string): LoggedEvent<Row> | undefined {
    return this.#entries.find((entry) => entry.cursor === cursor);
  }

  clear(): void {
    this.#cursors.clear();
    this.#entries = [];
    this.#count = 0;
  }
}
