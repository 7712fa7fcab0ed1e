/**
 * Scenario 4 — seek cost: the time to find a resume position and read the next page, at
 * retention 500 and 1,000,000. Ours: `RingBuffer.readAfter` (offset arithmetic) and the full
 * resume path through `memoryStore.readAfter` with the cursor decoded first. Against: a buffer
 * that finds the cursor with a linear `findIndex` on the event id, as the original sidecar's
 * message buffer did.
 */
import { memoryStore, type StoredEvent } from '@resumable-sse/core';
import { createCursorCodec, newEpoch } from '@resumable-sse/core/protocol';
import { RingBuffer } from '@resumable-sse/core/store-kit';
import { answerCommands } from '../harness/ipc-server.ts';
import { median } from '../harness/stats.ts';
import { positions, timePerOp } from './micro-kit.ts';

export interface SeekRow {
  readonly retention: number;
  readonly ringNs: number;
  readonly storeNs: number;
  readonly linearNs: number;
}

interface LinearItem {
  readonly id: string;
  readonly data: string;
}

const DATA = 'x'.repeat(256);

interface Prepared {
  readonly retention: number;
  readonly ring: (index: number) => unknown;
  readonly store: (index: number) => Promise<unknown>;
  readonly linear: (index: number) => unknown;
}

/** Builds the three structures at one retention, and one seek-and-read operation on each. */
async function prepare(retention: number, limit: number): Promise<Prepared> {
  const codec = createCursorCodec();
  const epoch = newEpoch();
  // A little more than the retention, so the ring has wrapped as it would in service.
  const appended = retention + Math.ceil(retention / 10);
  const oldest = appended - retention + 1;
  const targets = positions(4096, oldest, appended - limit);

  const ring = new RingBuffer<StoredEvent>({ capacity: retention });
  for (let offset = 1; offset <= appended; offset += 1)
    ring.append({ offset, event: undefined, data: DATA, time: 0 });

  const store = memoryStore({ maxEvents: retention });
  const batch = Array.from({ length: 10_000 }, () => ({ data: DATA }));
  for (let left = appended; left > 0; left -= batch.length) {
    await store.append('s', batch.slice(0, Math.min(left, batch.length)));
  }
  const { epoch: storeEpoch } = await store.position('s');
  const cursors = targets.map((offset) => codec.encode({ epoch: storeEpoch, offset }));

  const linear: LinearItem[] = [];
  for (let offset = oldest; offset <= appended; offset += 1)
    linear.push({ id: codec.encode({ epoch, offset }), data: DATA });
  const linearIds = targets.map((offset) => codec.encode({ epoch, offset }));

  return {
    retention,
    ring: (index) => ring.readAfter(targets[index & 4095]!, limit),
    store: async (index) => {
      const decoded = codec.decode(cursors[index & 4095]);
      if (!decoded.ok) throw new Error('cursor did not decode');
      return store.readAfter('s', decoded.cursor.offset, limit);
    },
    linear: (index) => {
      const id = linearIds[index & 4095];
      const found = linear.findIndex((item) => item.id === id);
      return linear.slice(found + 1, found + 1 + limit);
    },
  };
}

/**
 * Every structure at every retention is built first, then timed in alternating rounds, and each
 * figure is the median round: a machine that slows down for a moment slows one round of each.
 */
async function measure(retentions: readonly number[], limit: number, budgetMs: number): Promise<SeekRow[]> {
  const prepared: Prepared[] = [];
  for (const retention of retentions) prepared.push(await prepare(retention, limit));
  const rounds = 5;
  const roundMs = Math.max(5, budgetMs / rounds);
  const samples = prepared.map(() => ({
    ring: [] as number[],
    store: [] as number[],
    linear: [] as number[],
  }));
  for (let round = 0; round < rounds; round += 1) {
    for (const [index, each] of prepared.entries()) {
      const fast = { minMs: roundMs, minOps: 2_000, warmupOps: round === 0 ? 2_000 : 0 };
      samples[index]!.ring.push(await timePerOp(each.ring, fast));
      samples[index]!.store.push(await timePerOp(each.store, fast));
      samples[index]!.linear.push(
        await timePerOp(each.linear, { minMs: roundMs, minOps: 10, warmupOps: round === 0 ? 3 : 0 }),
      );
    }
  }
  return prepared.map((each, index) => ({
    retention: each.retention,
    ringNs: median(samples[index]!.ring),
    storeNs: median(samples[index]!.store),
    linearNs: median(samples[index]!.linear),
  }));
}

answerCommands(
  (command) => measure(command.retentions as number[], command.limit as number, command.budgetMs as number),
  async () => {},
);
