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
  const position = await served.store.position('feed');
  const head = { epoch: position.epoch, offset: position.head };
  expect(caughtUp.head === null ? null : positionOf(served, caughtUp.head)).toEqual(
    position.head === 0 ? null : head,
  );
  // Where the connection may resume from: the head it caught up at.
  const caughtUpId = session.at(-1)!.id;
  if (caughtUpId !== undefined) expect(positionOf(served, caughtUpId)).toEqual(head);

  if (!expected.reset) return { reset: undefined, resetId: undefined };
  const resetEvent = session[0]!;
  const reset = JSON.parse(resetEvent.data) as ResetPayload;
  expect(reset.reason).toBe(expected.reset.reason);
  expect(reset.requested).toBe(expected.reset.requested.slice(0, 256));
  expect(reset.oldest === null ? null : positionOf(served, reset.oldest)).toEqual(
    position.oldest === null ? null : { epoch: position.epoch, offset: position.oldest },
  );
  // The reset's id is the position just before what the connection sent next.
  expect(resetEvent.id).toBeDefined();
  const firstId = expected.replay.length > 0 ? session[1]?.id : undefined;
  const firstReplayed = firstId === undefined ? undefined : positionOf(served, firstId);
  const expectedOffset = firstReplayed ? firstReplayed.offset - 1 : position.head;
  expect(positionOf(served, resetEvent.id!)).toEqual({ epoch: position.epoch, offset: expectedOffset });
  return { reset, resetId: resetEvent.id };
}

/** The epoch and offset a cursor names (whatever else it carries), or undefined when it does not decode. */
function positionOf(served: Pick<Served, 'hub'>, id: string): { epoch: string; offset: number } | undefined {
  const decoded = served.hub.codec.decode(id);
  return decoded.ok ? { epoch: decoded.cursor.epoch, offset: decoded.cursor.offset } : undefined;
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
