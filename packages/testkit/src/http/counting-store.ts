import type { EventStore, Subscription } from '@resumable-sse/core';

export interface CountingStore extends EventStore {
  /** Store subscriptions currently open (subscribed and not yet unsubscribed). */
  readonly activeSubscriptions: number;
}

/**
 * A real store with its subscriptions counted, so the suite can prove a closed connection
 * leaves no listener on the store behind. Everything else is the store's own, including any
 * member beyond `EventStore` (a proxy, so core finds whatever the store offers).
 */
export function countingStore(store: EventStore): CountingStore {
  let active = 0;
  const subscribe: EventStore['subscribe'] = (stream, subscriber): Subscription => {
    const subscription = store.subscribe(stream, subscriber);
    active++;
    let open = true;
    return {
      ready: subscription.ready,
      unsubscribe() {
        if (open) {
          open = false;
          active--;
        }
        subscription.unsubscribe();
      },
    };
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'subscribe') return subscribe;
      if (property === 'activeSubscriptions') return active;
      const value: unknown = Reflect.get(target, property, target);
      // Bound to the store itself: class stores keep their state in private fields.
      return typeof value === 'function' ? value.bind(target) : value;
    },
    has: (target, property) => property === 'activeSubscriptions' || Reflect.has(target, property),
  }) as CountingStore;
}
