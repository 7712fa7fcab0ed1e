import { createHub, type Hub } from '../hub.ts';
import { memoryStore } from '../store/memory-store.ts';
import type { EventStore } from '../store/types.ts';

const hubs: Hub[] = [];

/** A hub over `store` (a fresh memory store by default), closed by the next `closeHubs()`. */
export function hubOver(store: EventStore = memoryStore()): Hub {
  const hub = createHub({ store });
  hubs.push(hub);
  return hub;
}

/** Closes every hub `hubOver` made since the last call (run it in `afterEach`). */
export async function closeHubs(): Promise<void> {
  for (const hub of hubs.splice(0)) await hub.close();
}

/** `inner` with some methods replaced (the store keeps private fields, so no prototype tricks). */
export function wrapStore(inner: EventStore, overrides: Partial<EventStore>): EventStore {
  return {
    kind: inner.kind,
    append: (stream, events) => inner.append(stream, events),
    readAfter: (stream, after, limit) => inner.readAfter(stream, after, limit),
    position: (stream) => inner.position(stream),
    subscribe: (stream, subscriber) => inner.subscribe(stream, subscriber),
    close: () => inner.close(),
    ...overrides,
  };
}

/**
 * Fails `hub`'s replay page reads past `limit` and counts them: a replay asking for pages without
 * end would otherwise loop on settled promises, and no timer (a test's timeout included) would run.
 */
export function limitPageReads(hub: Hub, limit = 1_000): () => number {
  let reads = 0;
  const readPage = hub.readPage.bind(hub);
  hub.readPage = (...args: Parameters<typeof hub.readPage>) => {
    if (++reads > limit) throw new Error('the replay asked for pages without end');
    return readPage(...args);
  };
  return () => reads;
}
