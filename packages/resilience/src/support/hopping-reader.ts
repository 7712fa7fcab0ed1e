/**
 * A reader that hops between server processes with its cursor: it connects to a random server,
 * reads a random number of events or for a random time, drops the connection and goes to another
 * — also when the one it was on dies. It is what a fleet behind a load balancer sees.
 */
import { sleep } from '@resumable-sse/testkit/http';
import type { SeededRandom } from './seeded-random.ts';
import { type OpenStream, openStream } from './sse-reader.ts';

export interface HoppingResult {
  readonly seqs: number[];
  readonly resets: string[];
  /** Connections opened. */
  readonly hops: number;
  /** Attempts that found no server (refused, or a non-200 answer). */
  readonly refused: number;
  /** Connections that ended under the reader (server died or closed the stream). */
  readonly cutUnderneath: number;
}

export interface HoppingOptions {
  readonly urls: () => readonly string[];
  readonly random: SeededRandom;
  /** Stop once the event with this sequence number arrived. */
  readonly lastSeq: number;
  readonly deadline: number;
}

export async function hopUntilDone(options: HoppingOptions): Promise<HoppingResult> {
  const { random } = options;
  const seqs: number[] = [];
  const resets: string[] = [];
  let cursor: string | undefined;
  let hops = 0;
  let refused = 0;
  let cutUnderneath = 0;
  while (seqs.at(-1) !== options.lastSeq) {
    if (Date.now() > options.deadline) {
      throw new Error(
        `hopping reader timed out with ${seqs.length} events (last ${seqs.at(-1)}) after ${hops} hops`,
      );
    }
    const url = random.pick(options.urls());
    const budget = random.int(1, 400);
    const maxMs = random.int(20, 400);
    let got = 0;
    let current: OpenStream | undefined;
    try {
      current = await openStream(`${url}/stream`, {
        lastEventId: cursor,
        timeoutMs: 2_000,
        onEvent: (event) => {
          if (event.event === 'caught-up') return;
          if (event.id) cursor = event.id;
          if (event.event === 'reset') {
            resets.push(event.data);
            return;
          }
          seqs.push((JSON.parse(event.data) as { seq: number }).seq);
          if (++got >= budget) current?.close();
        },
      });
    } catch {
      refused++;
      await sleep(10);
      continue;
    }
    hops++;
    if (current.status !== 200) {
      refused++;
      current.close();
      await sleep(10);
      continue;
    }
    const outcome = await Promise.race([
      current.ended.then(() => 'ended' as const),
      sleep(maxMs).then(() => 'hop' as const),
    ]);
    if (outcome === 'ended' && got < budget) cutUnderneath++;
    current.close();
  }
  return { seqs, resets, hops, refused, cutUnderneath };
}
