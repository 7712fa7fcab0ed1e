/**
 * Lets replays that need the same page of the same stream share one store read. In a reconnect
 * storm thousands of clients resume from one cursor and walk the same pages a moment apart; each
 * would otherwise be its own store command, its own copy of the reply in memory, and its own
 * encoding of every event.
 *
 * Sharing must not hide an event, or serve one from a log since restored from an older copy. A
 * replay subscribes first and then reads, so a read asked for after its subscription sees
 * everything the subscription does not: it is shared as it is. That holds only while the replay
 * keeps every live event it is handed; one that lets them go (too many bytes held) passes a new
 * moment, and only reads asked for after it count as asked after its subscription. An answer to
 * a read asked for earlier — still in flight, or kept from a past replay — may lack events
 * appended before the subscription, or come from a log since restored from an older copy; the
 * replay checks it with one read of its last event and what follows, asked now, and reads the
 * page anew if that event is no longer the same. Answers
 * are kept by the stream's live channel, within one bound per hub, and dropped when it ends.
 */
import type { StoredEvent } from '../store/types.ts';

export type Page = readonly StoredEvent[];
/** Reads at most `limit` events after `after` from the store. */
export type ReadPage = (after: number, limit: number) => Promise<Page>;

/**
 * Bytes kept in pages per hub at most, over all streams, as `pageWeight` counts them. Enough for
 * a storm walking a few thousand small events; a stream of big events keeps fewer pages.
 */
export const KEPT_PAGE_BYTES = 2 * 1024 * 1024;
/** What one kept event costs besides its strings (the object, its fields, its slot in the page). */
const EVENT_OVERHEAD_BYTES = 64;

interface PageRead {
  readonly page: Promise<Page>;
  /** When the read was asked for, on the hub's page clock. */
  readonly askedAt: number;
}

interface KeptPage {
  readonly owner: SharedPageReads;
  readonly key: string;
  readonly page: Page;
  readonly weight: number;
  /** When its read was asked for, on the hub's page clock. */
  readonly askedAt: number;
  /** Neighbours in the keeper's queue, oldest first; both unset once dropped. */
  older: KeptPage | undefined;
  newer: KeptPage | undefined;
  dropped: boolean;
}

/** The hub's side: one clock every stream's reads are placed on, and one bound on kept pages. */
export class PageKeeper {
  readonly #limit: number;
  /**
   * Kept pages, oldest first. A list, not an array, because pages leave from anywhere (a stream
   * ends, a page is read anew): whatever leaves must let go of its events at once.
   */
  #oldest: KeptPage | undefined;
  #newest: KeptPage | undefined;
  #bytes = 0;
  #clock = 0;

  constructor(limitBytes: number = KEPT_PAGE_BYTES) {
    this.#limit = limitBytes;
  }

  /** A moment on the clock: reads asked for after it may be shared with whoever took it. */
  mark(): number {
    return ++this.#clock;
  }

  /** Bytes in kept pages now, as `pageWeight` counts them. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Kept pages now, over all streams. */
  get pages(): number {
    let count = 0;
    for (let kept = this.#oldest; kept !== undefined; kept = kept.newer) count++;
    return count;
  }

  /** Keeps `page`, dropping the oldest kept pages of any stream while over the bound. */
  keep(owner: SharedPageReads, key: string, page: Page, askedAt: number): KeptPage | undefined {
    const weight = pageWeight(page);
    if (weight > this.#limit) return undefined;
    const kept: KeptPage = {
      owner,
      key,
      page,
      weight,
      askedAt,
      older: this.#newest,
      newer: undefined,
      dropped: false,
    };
    if (this.#newest === undefined) this.#oldest = kept;
    else this.#newest.newer = kept;
    this.#newest = kept;
    this.#bytes += weight;
    while (this.#bytes > this.#limit) {
      const oldest = this.#oldest!;
      oldest.owner.forget(oldest);
    }
    return kept;
  }

  /** Called by a stream that no longer keeps `kept`. */
  released(kept: KeptPage): void {
    if (kept.dropped) return;
    kept.dropped = true;
    this.#bytes -= kept.weight;
    if (kept.older === undefined) this.#oldest = kept.newer;
    else kept.older.newer = kept.newer;
    if (kept.newer === undefined) this.#newest = kept.older;
    else kept.newer.older = kept.older;
    kept.older = undefined;
    kept.newer = undefined;
  }
}

/** One stream's shared page reads: those in flight and the full pages kept. */
export class SharedPageReads {
  readonly #keeper: PageKeeper;
  readonly #inFlight = new Map<string, PageRead>();
  readonly #kept = new Map<string, KeptPage>();
  #cleared = false;

  constructor(keeper: PageKeeper) {
    this.#keeper = keeper;
  }

  /**
   * The events after `after` (at most `limit`) for a replay that subscribed at `subscribedAt`:
   * another replay's answer where it hides nothing from this one, else `read`'s.
   */
  read(after: number, limit: number, subscribedAt: number, read: ReadPage): Promise<Page> {
    const key = `${after}\n${limit}`;
    const kept = this.#kept.get(key);
    if (kept !== undefined) {
      if (kept.askedAt > subscribedAt) return Promise.resolve(kept.page);
      return this.#confirmed(kept.page, after, limit, subscribedAt, read);
    }
    const shared = this.#inFlight.get(key);
    if (shared === undefined) return this.#start(key, after, limit, read);
    if (shared.askedAt > subscribedAt) return shared.page.catch(() => this.#start(key, after, limit, read));
    return shared.page.then(
      (page) => this.#confirmed(page, after, limit, subscribedAt, read),
      () => this.#start(key, after, limit, read),
    );
  }

  /** Drops every kept page: the log they were read from may be gone. */
  clear(): void {
    this.#cleared = true;
    for (const kept of this.#kept.values()) this.#keeper.released(kept);
    this.#kept.clear();
  }

  /** @internal the keeper drops `kept` to stay within its bound. */
  forget(kept: KeptPage): void {
    if (this.#kept.get(kept.key) === kept) this.#kept.delete(kept.key);
    this.#keeper.released(kept);
  }

  /** Reads the page and lets later readers join until the answer arrives, then keeps it. */
  #start(key: string, after: number, limit: number, read: ReadPage): Promise<Page> {
    const askedAt = this.#keeper.mark();
    const entry: PageRead = {
      askedAt,
      page: read(after, limit)
        .then(frozen)
        .then(
          (page) => {
            this.#settled(key, entry);
            this.#keep(key, page, askedAt);
            return page;
          },
          (error: unknown) => {
            this.#settled(key, entry);
            throw error;
          },
        ),
    };
    // The reader that started the read owns its failure; a joiner falls back to a read of its own.
    this.#inFlight.set(key, entry);
    return entry.page;
  }

  /**
   * `page`, read before the replay subscribed, checked against the log now: one read, asked
   * after the subscription, from its last event on. The same last event means the log still holds
   * the whole page (a log restored from an older copy holds a prefix of what it held, and goes on
   * from there); that read also brings what follows a short page. Otherwise the page is read anew.
   */
  async #confirmed(
    page: Page,
    after: number,
    limit: number,
    subscribedAt: number,
    read: ReadPage,
  ): Promise<Page> {
    const last = page[page.length - 1];
    if (last === undefined) return this.#askedSince(after, limit, subscribedAt, read);
    const now = await this.#askedSince(last.offset - 1, limit - page.length + 1, subscribedAt, read);
    if (!sameEvent(now[0], last)) return this.#askedSince(after, limit, subscribedAt, read);
    return now.length === 1 ? page : Object.freeze([...page, ...now.slice(1)]);
  }

  /** The events after `after` from a read asked for after `subscribedAt`: joined, kept or new. */
  #askedSince(after: number, limit: number, subscribedAt: number, read: ReadPage): Promise<Page> {
    const key = `${after}\n${limit}`;
    const shared = this.#inFlight.get(key);
    if (shared !== undefined && shared.askedAt > subscribedAt) {
      return shared.page.catch(() => this.#start(key, after, limit, read));
    }
    const kept = this.#kept.get(key);
    if (kept !== undefined && kept.askedAt > subscribedAt) return Promise.resolve(kept.page);
    return this.#start(key, after, limit, read);
  }

  #keep(key: string, page: Page, askedAt: number): void {
    if (this.#cleared) return;
    const previous = this.#kept.get(key);
    if (previous !== undefined) {
      if (previous.askedAt > askedAt) return;
      this.forget(previous);
    }
    const kept = this.#keeper.keep(this, key, page, askedAt);
    if (kept !== undefined) this.#kept.set(key, kept);
  }

  #settled(key: string, entry: PageRead): void {
    if (this.#inFlight.get(key) === entry) this.#inFlight.delete(key);
  }
}

/**
 * What a kept page counts against the bound: roughly the memory it holds — its events' strings
 * and objects — and an event's worth more, so an empty page counts too.
 */
export function pageWeight(page: Page): number {
  let bytes = EVENT_OVERHEAD_BYTES;
  for (const event of page) bytes += EVENT_OVERHEAD_BYTES + event.data.length + (event.event?.length ?? 0);
  return bytes;
}

/** The same event at the same offset: every field a replay sends or tags is equal. */
function sameEvent(stored: StoredEvent | undefined, kept: StoredEvent): boolean {
  return (
    stored !== undefined &&
    stored.offset === kept.offset &&
    stored.time === kept.time &&
    stored.event === kept.event &&
    stored.data === kept.data
  );
}

/** A shared page and its events are read-only: one connection's filter cannot change another's events. */
function frozen(page: Page): Page {
  for (const event of page) Object.freeze(event);
  return Object.freeze(page);
}
