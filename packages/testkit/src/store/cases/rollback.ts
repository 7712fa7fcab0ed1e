import { createHub, type EventStore, type Hub } from '@resumable-sse/core';
import { CONTROL_EVENTS, type ResetPayload } from '@resumable-sse/core/protocol';
import type { EventSourceMessage } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import type { SuiteContext } from '../context.ts';
import { HubConnection } from '../hub-connection.ts';
import type { StoreRollback } from '../types.ts';

/** Events in the snapshot, events appended after it (lost by the restore), events appended after the restore. */
const KEPT = 20;
const LOST = 10;
const NEW = 15;
/** How far the clock moves between the phases: a restore happens later than the events it loses. */
const PHASE_GAP_MS = 1_000;
/**
 * How long one connection may take to reach caught-up after a restore: a restarted Redis is
 * reconnected with backoff by the store's Pub/Sub connection, which on a busy machine takes seconds.
 */
const RESUME_AFTER_RESTORE_MS = 15_000;
/** A client reconnects whenever its stream ends; a resume that needs more connections than this is stuck. */
const MAX_CONNECTIONS_PER_RESUME = 3;

const kept = (n: number) => `kept-${n}`;
const lost = (n: number) => `lost-${n}`;
const fresh = (n: number) => `new-${n}`;

/**
 * What a client holds after reading `events` on top of `held`, as an app would build it: each
 * application event is added, a `reset` discards everything (the log it came from is gone).
 */
function heldAfter(held: readonly string[], events: readonly EventSourceMessage[]): string[] {
  const state = [...held];
  for (const event of events) {
    if (event.event === CONTROL_EVENTS.reset) state.length = 0;
    else if (event.event !== CONTROL_EVENTS.caughtUp) state.push(event.data);
  }
  return state;
}

function resetsOf(reader: { readonly resets: readonly EventSourceMessage[] }): ResetPayload[] {
  return reader.resets.map((reset) => JSON.parse(reset.data) as ResetPayload);
}

/** What a client read across the connections of one resume, in order. */
class Resumed {
  readonly events: readonly EventSourceMessage[];
  constructor(events: readonly EventSourceMessage[]) {
    this.events = events;
  }
  get resets(): EventSourceMessage[] {
    return this.events.filter((event) => event.event === CONTROL_EVENTS.reset);
  }
  get data(): string[] {
    return this.events
      .filter((event) => event.event !== CONTROL_EVENTS.reset && event.event !== CONTROL_EVENTS.caughtUp)
      .map((event) => event.data);
  }
}

interface RolledBack {
  readonly stream: string;
  /** The store and hub to use after the restore (new ones when the restore replaced the store). */
  readonly store: EventStore;
  readonly hub: Hub;
  /** Cursors of `kept-1..20` and `lost-21..30` as `publish` returned them, index = offset - 1. */
  readonly publishedIds: readonly string[];
  /** The same events' `id:`s as a live connection received them. */
  readonly receivedIds: readonly string[];
  /** A connection opened before the snapshot that read all 30 events live, left open across the restore. */
  readonly across: HubConnection;
  /** What `across` held before the restore. */
  readonly heldBeforeRestore: readonly string[];
  /** Index in `across.events` of the first event after the restore. */
  readonly restoreIndex: number;
}

export function rollbackCases(ctx: SuiteContext): void {
  const { rollback } = ctx.setup;
  const skipped = rollback === undefined;
  const reason = skipped
    ? ' — skipped: setup has no rollback() (no backing data outside the process to restore)'
    : '';

  /**
   * Publish 20, snapshot, publish 10, restore the snapshot, publish 15: offsets 21–30 now name
   * other events than the cursors handed out for them, and 31–35 are new offsets.
   */
  async function rolledBack(label: string): Promise<RolledBack> {
    const restore = rollback as StoreRollback;
    const stream = ctx.stream(label);
    const before = await ctx.create();
    const firstHub = createHub({ store: before });
    const publishedIds: string[] = [];
    for (let n = 1; n <= KEPT; n += 1)
      publishedIds.push((await firstHub.publish(stream, { data: kept(n) })).id);
    const across = await HubConnection.open(firstHub, stream);
    const snapshot = await restore.snapshot(before);
    ctx.clock.advance(PHASE_GAP_MS);
    for (let n = KEPT + 1; n <= KEPT + LOST; n += 1) {
      publishedIds.push((await firstHub.publish(stream, { data: lost(n) })).id);
    }
    await across.waitForEvents(KEPT + LOST);
    const heldBeforeRestore = across.data;
    expect(heldBeforeRestore).toEqual([
      ...Array.from({ length: KEPT }, (_, i) => kept(i + 1)),
      ...Array.from({ length: LOST }, (_, i) => lost(KEPT + i + 1)),
    ]);
    const receivedIds = across.appEvents.map((event) => event.id ?? '');
    expect(
      receivedIds.filter((id) => id === ''),
      'live events without an id',
    ).toEqual([]);
    const restoreIndex = across.events.length;

    const after = ctx.track(await restore.restore(before, snapshot));
    const hub = after === before ? firstHub : createHub({ store: after });
    ctx.clock.advance(PHASE_GAP_MS);
    expect((await after.position(stream)).head, 'head after the restore').toBe(KEPT);
    for (let n = KEPT + 1; n <= KEPT + NEW; n += 1) await hub.publish(stream, { data: fresh(n) });
    return { stream, store: after, hub, publishedIds, receivedIds, across, heldBeforeRestore, restoreIndex };
  }

  /** The log as the store holds it now: kept-1..20, new-21..35. */
  async function logData(scenario: RolledBack): Promise<string[]> {
    const stored = (await ctx.readAll(scenario.store, scenario.stream)).map((event) => event.data);
    expect(stored).toEqual([
      ...Array.from({ length: KEPT }, (_, i) => kept(i + 1)),
      ...Array.from({ length: NEW }, (_, i) => fresh(KEPT + i + 1)),
    ]);
    return stored;
  }

  /**
   * Resumes from `cursor` on `hub` and reads until `caught-up`, as a client does: a connection
   * that ends first is resumed from the last id it received. (A resume that joined the stream's
   * live feed before the store noticed the restore is ended along with that feed; the client
   * reconnects and loses nothing.)
   */
  async function resume(hub: Hub, stream: string, cursor: string | undefined): Promise<Resumed> {
    const events: EventSourceMessage[] = [];
    let from = cursor;
    for (let attempt = 1; ; attempt += 1) {
      const connection = await HubConnection.open(hub, stream, from);
      try {
        await connection.settled(
          () => connection.caughtUps.length > 0,
          `caught-up resuming from ${from}`,
          RESUME_AFTER_RESTORE_MS,
        );
      } finally {
        await connection.close();
      }
      events.push(...connection.events);
      if (connection.caughtUps.length > 0) return new Resumed(events);
      if (attempt === MAX_CONNECTIONS_PER_RESUME) {
        throw new Error(
          `${attempt} connections in a row ended before caught-up resuming from ${cursor}; received ${events.map((event) => event.event ?? event.data).join(', ')}`,
        );
      }
      from = connection.lastEventId;
    }
  }

  /** A resume from a cursor the restore invalidated: `reset{epoch}` first, then every retained event. */
  async function expectEpochReset(
    hub: Hub,
    scenario: RolledBack,
    cursor: string,
    heldBefore: readonly string[],
  ): Promise<void> {
    const log = await logData(scenario);
    const connection = await resume(hub, scenario.stream, cursor);
    const first = connection.events[0];
    expect(
      first?.event,
      `first event after resuming from ${cursor}; received ${connection.data.join(', ')}`,
    ).toBe(CONTROL_EVENTS.reset);
    expect(resetsOf(connection)).toEqual([
      { reason: 'epoch', requested: cursor, oldest: expect.any(String) },
    ]);
    expect(connection.data, 'events after the reset').toEqual(log);
    expect(heldAfter(heldBefore, connection.events)).toEqual(log);
  }

  describe('rollback (the backing data restored from an older copy)', () => {
    it.skipIf(skipped)(
      `a resume from the last cursor before the restore gets reset{epoch} and every retained event, never 31–35 alone${reason}`,
      async () => {
        const scenario = await rolledBack('rollback-last');
        const cursors = new Set([scenario.publishedIds[29]!, scenario.receivedIds[29]!]);
        for (const cursor of cursors) {
          await expectEpochReset(scenario.hub, scenario, cursor, scenario.heldBeforeRestore);
        }
      },
    );

    it.skipIf(skipped)(
      `a resume from a cursor inside the offsets the restore reused gets reset{epoch} and every retained event${reason}`,
      async () => {
        const scenario = await rolledBack('rollback-inside');
        const cursors = new Set([scenario.publishedIds[24]!, scenario.receivedIds[24]!]);
        for (const cursor of cursors) {
          await expectEpochReset(scenario.hub, scenario, cursor, scenario.heldBeforeRestore.slice(0, 25));
        }
      },
    );

    it.skipIf(skipped)(
      `a resume from a cursor before the restore point gets exactly the new events, with no reset${reason}`,
      async () => {
        const scenario = await rolledBack('rollback-before');
        const log = await logData(scenario);
        const cursors = new Set([scenario.publishedIds[KEPT - 1]!, scenario.receivedIds[KEPT - 1]!]);
        for (const cursor of cursors) {
          const connection = await resume(scenario.hub, scenario.stream, cursor);
          expect(connection.resets, `resets after resuming from ${cursor}`).toEqual([]);
          expect(connection.data).toEqual(log.slice(KEPT));
        }
      },
    );

    it.skipIf(skipped)(
      `a connection open across the restore gets a reset and everything new, or is closed and resumes into a reset — never some of the new events${reason}`,
      async () => {
        const scenario = await rolledBack('rollback-live');
        const log = await logData(scenario);
        const { across } = scenario;
        await across.settled(
          () => across.data.includes(fresh(KEPT + NEW)),
          'the open connection to be closed or to receive the last new event',
        );
        const sinceRestore = across.events.slice(scenario.restoreIndex);
        let held = heldAfter(scenario.heldBeforeRestore, sinceRestore);
        if (across.ended) {
          expect(across.lastEventId, 'the closed connection left a cursor to resume from').toBeDefined();
          const resumed = await resume(scenario.hub, scenario.stream, across.lastEventId);
          if (!sinceRestore.some((event) => event.event === CONTROL_EVENTS.reset)) {
            expect(
              resetsOf(resumed).map((reset) => reset.reason),
              `resets resuming from ${across.lastEventId} after the close; received ${resumed.data.join(', ')}`,
            ).toEqual(['epoch']);
          }
          held = heldAfter(held, resumed.events);
        } else {
          await across.close();
          expect(
            resetsOf(across).map((reset) => reset.reason),
            `live events after the restore: ${sinceRestore.map((event) => event.data).join(', ')}`,
          ).toEqual(['epoch']);
        }
        expect(held, 'what the client holds').toEqual(log);
      },
    );

    it.skipIf(skipped || !ctx.sharedBacking)(
      `another store instance that never saw the higher head detects it too${reason || (ctx.sharedBacking ? '' : ' — skipped: stores do not share backing data')}`,
      async () => {
        const scenario = await rolledBack('rollback-other');
        const other = await ctx.create();
        const otherHub = createHub({ store: other });
        const log = await logData(scenario);
        await expectEpochReset(otherHub, scenario, scenario.publishedIds[29]!, scenario.heldBeforeRestore);
        await expectEpochReset(
          otherHub,
          scenario,
          scenario.receivedIds[24]!,
          scenario.heldBeforeRestore.slice(0, 25),
        );
        const fromRestorePoint = await resume(otherHub, scenario.stream, scenario.publishedIds[KEPT - 1]);
        expect(fromRestorePoint.resets).toEqual([]);
        expect(fromRestorePoint.data).toEqual(log.slice(KEPT));
      },
    );
  });
}
