import type { LiveEvent, StoreCloseReason, StoreSubscriber } from '@resumable-sse/core';
import { waitUntil } from './wait.ts';

/** A subscriber that records what it hears, for asserting on live delivery. */
export interface Collector extends StoreSubscriber {
  readonly events: LiveEvent[];
  readonly closes: StoreCloseReason[];
  /** Resolves once at least `count` events arrived; fails the case after `timeoutMs`. */
  waitForEvents(count: number, timeoutMs?: number): Promise<void>;
  waitForClose(timeoutMs?: number): Promise<void>;
}

export function collector(label = 'subscriber'): Collector {
  const events: LiveEvent[] = [];
  const closes: StoreCloseReason[] = [];
  return {
    events,
    closes,
    onEvent(event) {
      events.push(event);
    },
    onClose(reason) {
      closes.push(reason);
    },
    waitForEvents(count, timeoutMs) {
      return waitUntil(
        () => events.length >= count,
        () =>
          `${label} expected ${count} live events, got ${events.length} (offsets ${events.map((e) => e.offset).join(',')})`,
        timeoutMs,
      );
    },
    waitForClose(timeoutMs) {
      return waitUntil(
        () => closes.length > 0,
        () => `${label} was never closed`,
        timeoutMs,
      );
    },
  };
}
