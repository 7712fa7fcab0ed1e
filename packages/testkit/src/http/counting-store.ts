import type { EventStore } from '@resumable-sse/core';

export interface CountingStore extends EventStore {
  /** Store subscriptions currently open (subscribed and not yet unsubscribed). */
  readonly activeSubscriptions: number;
}

/**
 * A real store with its subscriptions counted, so the suite can prove a closed connection
 * leaves no listener on the store behind.
 */
export function countingStore(store: EventStore): CountingStore {
  let active = 0;
  return {
    kind: store.kind,
    append: (stream, events) => store.append(stream, events),
    readAfter: (stream, after, limit) => store.readAfter(stream, after, limit),
    position: (stream) => store.position(stream),
    close: () => store.close(),
    subscribe(stream, subscriber) {
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
    },
    get activeSubscriptions() {
      return active;
    },
  };
}
