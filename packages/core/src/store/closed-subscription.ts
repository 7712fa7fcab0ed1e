import type { StoreSubscriber, Subscription } from './types.ts';

/** What every subscriber of a store that closes hears. */
export const CLOSED_BY_STORE = Object.freeze({ code: 'store-closed' as const });

/**
 * The subscription a closed store hands out: over before it began, and the subscriber hears it
 * the way a live one would (`onClose({ code: 'store-closed' })`, on a later microtask, never
 * during `subscribe`).
 */
export function closedSubscription(subscriber: StoreSubscriber): Subscription {
  queueMicrotask(() => subscriber.onClose(CLOSED_BY_STORE));
  return { ready: Promise.resolve(), unsubscribe: () => {} };
}
