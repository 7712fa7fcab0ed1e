import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../store/types.ts';
import { type Page, PageKeeper, pageWeight, SharedPageReads } from './shared-pages.ts';

/** A log read the way a store reads it: what is there when the read is asked, answered on `answer()`. */
class FakeLog {
  readonly events: StoredEvent[] = [];
  reads: Array<{ after: number; limit: number }> = [];
  #held: Array<() => void> = [];
  #failNext = false;

  append(count: number): void {
    for (let n = 0; n < count; n++) {
      const offset = this.events.length + 1;
      this.events.push({ offset, event: undefined, data: `e${offset}`, time: offset });
    }
  }

  /** The log restored from an older copy holding `kept` events, then appended to anew. */
  restore(kept: number, appended: number): void {
    this.events.length = kept;
    for (let n = 0; n < appended; n++) {
      const offset = this.events.length + 1;
      this.events.push({ offset, event: undefined, data: `new-e${offset}`, time: 1_000 + offset });
    }
  }

  failNextRead(): void {
    this.#failNext = true;
  }

  /** The store read handed to `SharedPageReads`: a snapshot now, answered later. */
  readonly read = (after: number, limit: number): Promise<Page> => {
    this.reads.push({ after, limit });
    const snapshot = this.events.filter((event) => event.offset > after).slice(0, limit);
    const fail = this.#failNext;
    this.#failNext = false;
    return new Promise((resolve, reject) => {
      this.#held.push(() =>
        fail ? reject(new Error('store hiccup')) : resolve(snapshot.map((e) => ({ ...e }))),
      );
    });
  };

  /** Answers every read asked so far. */
  async answer(): Promise<void> {
    while (this.#held.length > 0) {
      const held = this.#held;
      this.#held = [];
      for (const answer of held) answer();
      await flush();
    }
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

const offsetsOf = (page: Page) => page.map((event) => event.offset);

/** `read` answered: keeps answering the log until the page settles. */
async function settled(log: FakeLog, page: Promise<Page>): Promise<Page> {
  let result: Page | undefined;
  void page.then((value) => {
    result = value;
  });
  for (let round = 0; round < 10 && result === undefined; round++) await log.answer();
  if (result === undefined) throw new Error('the page never settled');
  return result;
}

describe('shared page reads', () => {
  it('replays asking for the same page at once share one store read', async () => {
    const log = new FakeLog();
    log.append(30);
    const keeper = new PageKeeper();
    const pages = new SharedPageReads(keeper);
    const subscribed = keeper.mark();
    const asked = Array.from({ length: 10 }, () => pages.read(0, 10, subscribed, log.read));
    await log.answer();
    const answers = await Promise.all(asked);
    expect(log.reads).toEqual([{ after: 0, limit: 10 }]);
    for (const page of answers) expect(offsetsOf(page)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(answers).size).toBe(1);
  });

  it('completes a short page asked for before a replay subscribed with what was appended meanwhile', async () => {
    const log = new FakeLog();
    log.append(2);
    const keeper = new PageKeeper();
    const pages = new SharedPageReads(keeper);
    const early = pages.read(0, 10, keeper.mark(), log.read);
    // Appended after the early read was sent, before the late replay subscribed: the late replay's
    // subscription will never deliver it, so its page must.
    log.append(1);
    const late = pages.read(0, 10, keeper.mark(), log.read);
    expect(offsetsOf(await settled(log, early))).toEqual([1, 2]);
    expect(offsetsOf(await settled(log, late))).toEqual([1, 2, 3]);
    expect(log.reads).toEqual([
      { after: 0, limit: 10 },
      { after: 1, limit: 9 },
    ]);
  });

  it('shares a full page asked for before a replay subscribed once one read confirms its last event', async () => {
    const log = new FakeLog();
    log.append(10);
    const keeper = new PageKeeper();
    const pages = new SharedPageReads(keeper);
    const early = pages.read(0, 5, keeper.mark(), log.read);
    log.append(5);
    const late = pages.read(0, 5, keeper.mark(), log.read);
    expect(offsetsOf(await settled(log, late))).toEqual([1, 2, 3, 4, 5]);
    expect(await early).toBe(await late);
    expect(log.reads).toEqual([
      { after: 0, limit: 5 },
      { after: 4, limit: 1 },
    ]);
  });

  it('serves later replays the kept page while the log still holds it, and reads anew once it was restored from an older copy', async () => {
    const log = new FakeLog();
    log.append(10);
    const keeper = new PageKeeper();
    const pages = new SharedPageReads(keeper);
    const subscribedFirst = keeper.mark();
    const first = await settled(log, pages.read(0, 5, keeper.mark(), log.read));
    // A replay that subscribed before the kept read was asked takes it as it is.
    expect(await pages.read(0, 5, subscribedFirst, log.read)).toBe(first);
    expect(log.reads).toHaveLength(1);
    expect(await settled(log, pages.read(0, 5, keeper.mark(), log.read))).toBe(first);
    expect(log.reads).toHaveLength(2);

    log.restore(3, 4);
    const afterRestore = await settled(log, pages.read(0, 5, keeper.mark(), log.read));
    expect(afterRestore.map((event) => event.data)).toEqual(['e1', 'e2', 'e3', 'new-e4', 'new-e5']);
  });

  it('answers a kept short page to a later replay only with what follows it now', async () => {
    const log = new FakeLog();
    log.append(3);
    const keeper = new PageKeeper();
    const pages = new SharedPageReads(keeper);
    expect(offsetsOf(await settled(log, pages.read(0, 10, keeper.mark(), log.read)))).toEqual([1, 2, 3]);
    log.append(2);
    const later = await settled(log, pages.read(0, 10, keeper.mark(), log.read));
    expect(offsetsOf(later)).toEqual([1, 2, 3, 4, 5]);
    expect(log.reads.at(-1)).toEqual({ after: 2, limit: 8 });
  });

  it('lets a replay whose shared read failed read on its own, and the failure stays with the reader that asked', async () => {
    const log = new FakeLog();
    log.append(10);
    const keeper = new PageKeeper();
    const pages = new SharedPageReads(keeper);
    const subscribed = keeper.mark();
    log.failNextRead();
    const owner = pages.read(0, 5, subscribed, log.read);
    const joiner = pages.read(0, 5, subscribed, log.read);
    // One that subscribed after the read was asked for takes another path to the same answer.
    const lateJoiner = pages.read(0, 5, keeper.mark(), log.read);
    const ownerFailed = expect(owner).rejects.toThrow('store hiccup');
    expect(offsetsOf(await settled(log, joiner))).toEqual([1, 2, 3, 4, 5]);
    expect(offsetsOf(await settled(log, lateJoiner))).toEqual([1, 2, 3, 4, 5]);
    await ownerFailed;
  });

  it('keeps no page once cleared, not even one whose read was still out', async () => {
    const log = new FakeLog();
    log.append(10);
    const keeper = new PageKeeper();
    const pages = new SharedPageReads(keeper);
    await settled(log, pages.read(0, 5, keeper.mark(), log.read));
    const outstanding = pages.read(5, 5, keeper.mark(), log.read);
    expect(keeper.bytes).toBeGreaterThan(0);
    pages.clear();
    await settled(log, outstanding);
    expect(keeper.bytes).toBe(0);
    await settled(log, pages.read(0, 5, keeper.mark(), log.read));
    await settled(log, pages.read(5, 5, keeper.mark(), log.read));
    expect(log.reads).toHaveLength(4);
  });

  it('holds kept pages of every stream within one bound, dropping the oldest first', async () => {
    const log = new FakeLog();
    log.append(100);
    // Room for two pages of 20 of these events, not three.
    const twentyEvents = pageWeight(log.events.slice(20, 40));
    const keeper = new PageKeeper(twentyEvents * 2 + twentyEvents / 2);
    const first = new SharedPageReads(keeper);
    const second = new SharedPageReads(keeper);
    // Replays that subscribed before any of these reads: each kept page serves them as it is.
    const subscribed = keeper.mark();
    await settled(log, first.read(0, 20, subscribed, log.read));
    await settled(log, second.read(20, 20, subscribed, log.read));
    await settled(log, first.read(40, 20, subscribed, log.read));
    // The oldest had to go.
    expect(keeper.bytes).toBe(pageWeight(log.events.slice(20, 40)) + pageWeight(log.events.slice(40, 60)));
    await settled(log, first.read(0, 20, subscribed, log.read));
    expect(log.reads).toHaveLength(4);
    await settled(log, first.read(40, 20, subscribed, log.read));
    expect(log.reads).toHaveLength(4);
  });

  it('lets go of the pages of ended streams at once, however many end below the bound', async () => {
    const log = new FakeLog();
    log.append(10);
    const keeper = new PageKeeper();
    for (let stream = 0; stream < 200; stream++) {
      const pages = new SharedPageReads(keeper);
      await settled(log, pages.read(stream % 5, 5, keeper.mark(), log.read));
      expect(keeper.pages).toBe(1);
      pages.clear();
      expect(keeper.pages).toBe(0);
    }
    expect(keeper.bytes).toBe(0);
  });

  it('lets go of a page read anew', async () => {
    const log = new FakeLog();
    log.append(10);
    const keeper = new PageKeeper();
    const pages = new SharedPageReads(keeper);
    // Each replay subscribed after the kept pages were read: it checks the page's last event with
    // a read of its own, which replaces the check kept from the round before.
    for (let round = 0; round < 20; round++) {
      await settled(log, pages.read(0, 5, keeper.mark() + 1, log.read));
      expect(keeper.pages).toBe(round === 0 ? 1 : 2);
    }
    expect(log.reads).toHaveLength(20);
  });

  it('weighs kept pages by the size of their events, not their count', async () => {
    const log = new FakeLog();
    log.append(2);
    log.events.push({ offset: 3, event: 'big', data: 'x'.repeat(100_000), time: 3 });
    const keeper = new PageKeeper(64 * 1024);
    const pages = new SharedPageReads(keeper);
    const subscribed = keeper.mark();
    await settled(log, pages.read(0, 2, subscribed, log.read));
    expect(keeper.bytes).toBeGreaterThan(0);
    const small = keeper.bytes;
    // Three events, one of them 100 kB: more than the whole bound, so not kept.
    await settled(log, pages.read(0, 3, subscribed, log.read));
    expect(keeper.bytes).toBe(small);
    await settled(log, pages.read(0, 3, subscribed, log.read));
    expect(log.reads).toHaveLength(3);
  });

  it('hands out pages and events that cannot be changed', async () => {
    const log = new FakeLog();
    log.append(3);
    const keeper = new PageKeeper();
    const pages = new SharedPageReads(keeper);
    const page = await settled(log, pages.read(0, 3, keeper.mark(), log.read));
    expect(Object.isFrozen(page)).toBe(true);
    expect(page.every((event) => Object.isFrozen(event))).toBe(true);
  });
});
