import type { LiveEvent, StoreCloseReason, StoreSubscriber } from '@resumable-sse/core';
import { waitFor } from './wait.ts';

/** A store subscriber that records what it hears. */
export class Recorder implements StoreSubscriber {
  readonly label: string;
  readonly events: LiveEvent[] = [];
  readonly closes: StoreCloseReason[] = [];

  constructor(label = 'subscriber') {
    this.label = label;
  }

  onEvent(event: LiveEvent): void {
    this.events.push(event);
  }

  onClose(reason: StoreCloseReason): void {
    this.closes.push(reason);
  }

  get offsets(): number[] {
    return this.events.map((event) => event.offset);
  }

  waitForEvents(count: number, timeoutMs?: number): Promise<void> {
    return waitFor(
      () => this.events.length >= count,
      () => `${this.label} expected ${count} events, got ${this.events.length}: ${this.offsets.join(',')}`,
      timeoutMs,
    );
  }

  waitForClose(timeoutMs?: number): Promise<void> {
    return waitFor(
      () => this.closes.length > 0,
      () => `${this.label} was never closed`,
      timeoutMs,
    );
  }
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}
