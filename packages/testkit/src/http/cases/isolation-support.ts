import type { StoredEvent } from '@resumable-sse/core';
import type { SseAdapterHarness } from '../harness.ts';
import type { SseEventRecord } from '../sse-event-record.ts';
import { waitUntil } from '../wait.ts';

/** `e<from>` … `e<to>`: the data the fixture publishes. */
export const numbers = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `e${from + i}`);

/** Each event's data up to the first space (padded events carry `e<n> xxx…`). */
export const dataOf = (events: ReadonlyArray<{ data: string }>): string[] =>
  events.map((event) => event.data.split(' ')[0]!);

/** The header that marks the one client whose user code fails. */
export const CLIENT_HEADER = 'x-client';
export const BAD = { [CLIENT_HEADER]: 'bad' } as const;
export const good = (n: number) => ({ [CLIENT_HEADER]: `good-${n}` });

/**
 * A filter that passes every event, except that for the request marked bad it throws on each
 * event `throwsOn` picks; `thrown` keeps what it threw, so the case can match `onError`.
 */
export function failingFilter<Req>(
  harness: SseAdapterHarness<Req>,
  throwsOn: (event: StoredEvent) => boolean,
): { filter: (event: StoredEvent, request: Req) => boolean; thrown: Error[] } {
  const thrown: Error[] = [];
  return {
    thrown,
    filter(event, request) {
      if (harness.header(request, CLIENT_HEADER) === BAD[CLIENT_HEADER] && throwsOn(event)) {
        const error = new Error(`filter failed on purpose at ${event.data.slice(0, 8)}`);
        thrown.push(error);
        throw error;
      }
      return true;
    },
  };
}

/**
 * Waits until each reader has `count` events or has ended: a reader that was cut fails the
 * case at once, on what it received, rather than after a timeout.
 */
export function waitForEach(
  readers: ReadonlyArray<Pick<SseEventRecord, 'appEvents' | 'ended'>>,
  count: number,
  timeoutMs?: number,
): Promise<void> {
  return waitUntil(
    () => readers.every((reader) => reader.appEvents.length >= count || reader.ended),
    `${count} events on every reader`,
    timeoutMs,
  );
}
