import {
  type CaughtUpPayload,
  CONTROL_EVENTS,
  type ResetPayload,
  type ResetReason,
} from '@resumable-sse/core/protocol';
import { expect } from 'vitest';
import type { Served } from './fixture.ts';
import type { SseEventRecord } from './sse-event-record.ts';

/** What the assertions read of a server: its hub's codec and the position of stream `feed`. */
export type ServedHub = Pick<Served, 'hub' | 'store'>;

export interface ExpectedSession {
  /** The `reset` expected before the replay, if any. */
  readonly reset?: { readonly reason: ResetReason; readonly requested: string };
  /** Data of the application events replayed before `caught-up`, in order. */
  readonly replay: readonly string[];
}

/**
 * Waits for `caught-up` and checks what came before it, exactly: the optional `reset`, the
 * replayed events, `caught-up` with the right count and head. Returns the parsed `reset`.
 * Any reader will do (`RawSseConnection`, `WebSseReader`); the stream is `feed`.
 */
export async function expectSession(
  served: ServedHub,
  connection: Pick<SseEventRecord, 'events' | 'waitForCaughtUp'>,
  expected: ExpectedSession,
): Promise<{ reset: ResetPayload | undefined; resetId: string | undefined }> {
  await connection.waitForCaughtUp();
  const until = connection.events.findIndex((event) => event.event === CONTROL_EVENTS.caughtUp);
  const session = connection.events.slice(0, until + 1);
  const names = session.map((event) =>
    event.event === CONTROL_EVENTS.reset || event.event === CONTROL_EVENTS.caughtUp
      ? event.event
      : event.data,
  );
  expect(names).toEqual([...(expected.reset ? ['reset'] : []), ...expected.replay, 'caught-up']);

  const caughtUp = JSON.parse(session.at(-1)!.data) as CaughtUpPayload;
  expect(caughtUp.replayed).toBe(expected.replay.length);
  expect(session.at(-1)!.id).toBeUndefined();
  const position = await served.store.position('feed');
  expect(caughtUp.head).toBe(
    position.head === 0 ? null : served.hub.codec.encode({ epoch: position.epoch, offset: position.head }),
  );

  if (!expected.reset) return { reset: undefined, resetId: undefined };
  const resetEvent = session[0]!;
  const reset = JSON.parse(resetEvent.data) as ResetPayload;
  expect(reset.reason).toBe(expected.reset.reason);
  expect(reset.requested).toBe(expected.reset.requested.slice(0, 256));
  expect(reset.oldest).toBe(
    position.oldest === null
      ? null
      : served.hub.codec.encode({ epoch: position.epoch, offset: position.oldest }),
  );
  // The reset's id is the position just before what the connection sent next.
  expect(resetEvent.id).toBeDefined();
  const baseline = served.hub.codec.decode(resetEvent.id);
  expect(baseline.ok).toBe(true);
  if (baseline.ok) {
    const firstReplayed = session[1]?.id === undefined ? undefined : served.hub.codec.decode(session[1].id);
    const expectedOffset = firstReplayed?.ok ? firstReplayed.cursor.offset - 1 : position.head;
    expect(baseline.cursor).toEqual({ epoch: position.epoch, offset: expectedOffset });
  }
  return { reset, resetId: resetEvent.id };
}

/** Every application event's id decodes to consecutive offsets in the current epoch. */
export function expectConsecutiveIds(
  served: Pick<Served, 'hub'>,
  ids: ReadonlyArray<string | undefined>,
  firstOffset: number,
): void {
  const offsets = ids.map((id) => {
    const decoded = served.hub.codec.decode(id);
    return decoded.ok ? decoded.cursor.offset : Number.NaN;
  });
  expect(offsets).toEqual(ids.map((_, i) => firstOffset + i));
}
