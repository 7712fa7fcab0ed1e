/**
 * The parts of the Redis Cluster drills: app processes (`fixture/cluster-app.ts`, each with its
 * own ioredis `Cluster` client, store and hub, serving any stream at `/<stream>/stream`), a
 * publisher per stream that retries over HTTP with idempotency keys, readers that stay connected
 * (or hop) and resume by cursor when cut, and the judge that compares what each reader got with
 * the log as it finally is.
 */
import { fileURLToPath } from 'node:url';
import { startApp } from '@resumable-sse/demo-support/testing';
import type { RedisStore } from '@resumable-sse/redis';
import { sleep } from '@resumable-sse/testkit/http';
import type { SeededRandom } from './seeded-random.ts';
import { checkSequence, type SequenceReport } from './sequence-check.ts';
import { type OpenStream, openStream } from './sse-reader.ts';

const CLUSTER_APP = fileURLToPath(new URL('../fixture/cluster-app.ts', import.meta.url));

export interface ClusterApp {
  readonly url: string;
  stop(): Promise<void>;
}

export interface ClusterAppTuning {
  readonly waitForReplicas?: number;
  readonly replicaWaitTimeoutMs?: number;
  readonly resubscribeGraceMs?: number;
}

/** One app process: its own connections to the cluster, store and hub. */
export async function startClusterApp(
  startupNodes: ReadonlyArray<{ host: string; port: number }>,
  tuning: ClusterAppTuning = {},
): Promise<ClusterApp> {
  const app = await startApp({
    entry: CLUSTER_APP,
    env: {
      CLUSTER_NODES: JSON.stringify(startupNodes),
      WAIT_FOR_REPLICAS: String(tuning.waitForReplicas ?? 0),
      REPLICA_WAIT_MS: String(tuning.replicaWaitTimeoutMs ?? 500),
      RESUBSCRIBE_GRACE_MS: String(tuning.resubscribeGraceMs ?? 1_000),
    },
  });
  return {
    url: app.url,
    async stop() {
      await app.stop('SIGTERM', 5_000);
    },
  };
}

export interface PublishFigures {
  /** Attempts that failed and were sent again (same idempotency key). */
  retries: number;
  /** Retries the store recognised as already stored. */
  deduplicated: number;
}

/**
 * Publishes `{ seq }` for seq in `from..to` on `stream`, one at a time, each through a random app,
 * retrying a failed attempt with the same idempotency key until `deadline`.
 */
export async function publishSequence(options: {
  readonly apps: readonly ClusterApp[];
  readonly stream: string;
  readonly from: number;
  readonly to: number;
  readonly random: SeededRandom;
  readonly deadline: number;
  readonly figures: PublishFigures;
  /** Called before each publish (to trigger faults at a given point). */
  readonly before?: (seq: number) => Promise<void> | void;
  /** Pause every this many events, so readers and faults overlap the publishing. @default 10 */
  readonly paceEvery?: number;
}): Promise<void> {
  const { figures } = options;
  for (let seq = options.from; seq <= options.to; seq++) {
    await options.before?.(seq);
    for (let attempt = 0; ; attempt++) {
      const app = options.random.pick(options.apps);
      let outcome: { duplicate?: boolean } | undefined;
      try {
        const response = await fetch(`${app.url}/${options.stream}/publish`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          // The attempt tells a re-stored copy (after a failover lost the first) from the original.
          body: JSON.stringify({ data: JSON.stringify({ seq, attempt }), key: `seq-${seq}` }),
          signal: AbortSignal.timeout(5_000),
        });
        const answer = (await response.json()) as { duplicate?: boolean };
        if (response.status === 200) outcome = answer;
      } catch {
        // The app's answer was lost: the retry tells whether it was stored.
      }
      if (outcome !== undefined) {
        if (attempt > 0 && outcome.duplicate) figures.deduplicated++;
        break;
      }
      if (Date.now() > options.deadline)
        throw new Error(`publishing seq ${seq} on ${options.stream} never succeeded`);
      figures.retries++;
      await sleep(25);
    }
    if (seq % (options.paceEvery ?? 10) === 0) await sleep(4);
  }
}

export interface ReaderResult {
  readonly seqs: number[];
  /** `<seq>.<attempt>` of each event received: which stored copy of it. */
  readonly copies: string[];
  /** For each reset: how many events the reader had received before it. */
  readonly resetsAt: number[];
  /** Connections that ended before the reader was done (then resumed by cursor). */
  readonly cuts: number;
  readonly connections: number;
}

/**
 * A reader that stays on one connection while it lasts and resumes by cursor on a random app when
 * it is cut (a failover, a restart), until the event with `lastSeq` arrived.
 */
export async function readUntil(options: {
  readonly urls: readonly string[];
  readonly random: SeededRandom;
  readonly lastSeq: number;
  readonly deadline: number;
  /** Hop to another app after this many events on one connection. @default never */
  readonly hopEvery?: number;
}): Promise<ReaderResult> {
  const seqs: number[] = [];
  const copies: string[] = [];
  const resetsAt: number[] = [];
  let cursor: string | undefined;
  let cuts = 0;
  let connections = 0;
  while (seqs.at(-1) !== options.lastSeq) {
    if (Date.now() > options.deadline) {
      throw new Error(
        `reader timed out with ${seqs.length} events (last ${seqs.at(-1)}) after ${connections} connections`,
      );
    }
    let got = 0;
    let done = false;
    let hop = false;
    let current: OpenStream | undefined;
    try {
      current = await openStream(`${options.random.pick(options.urls)}/stream`, {
        lastEventId: cursor,
        timeoutMs: 3_000,
        onEvent: (event) => {
          if (event.event === 'caught-up') return;
          if (event.id) cursor = event.id;
          if (event.event === 'reset') {
            resetsAt.push(seqs.length);
            return;
          }
          const { seq, attempt } = JSON.parse(event.data) as { seq: number; attempt: number };
          seqs.push(seq);
          copies.push(`${seq}.${attempt}`);
          got++;
          if (seq === options.lastSeq) done = true;
          if (options.hopEvery !== undefined && got >= options.hopEvery) hop = true;
          // Events may arrive before openStream has resolved: then it is closed just below.
          if (done || hop) current?.close();
        },
      });
      if (done || hop) current.close();
      connections++;
      if (current.status !== 200) {
        current.close();
        await sleep(50);
        continue;
      }
      const remaining = Math.max(0, options.deadline - Date.now());
      await Promise.race([current.ended, sleep(remaining)]);
      current.close();
      if (!done && !hop) cuts++;
    } catch {
      // Refused or no answer in time (the app's store is between nodes): try again.
      await sleep(50);
    }
  }
  return { seqs, copies, resetsAt, cuts, connections };
}

export interface Verdict {
  /** Judged on what the reader got after its last reset (or all of it without one). */
  readonly report: SequenceReport;
  readonly resets: number;
  /** A reset although everything the reader had was still the log's beginning: unjustified. */
  readonly needlessResets: number;
  /** Missing events without a reset before them: the failure the tags exist to prevent. */
  readonly silentGap: boolean;
}

/** A stream's events in offset order. */
export interface FinalLog {
  readonly seqs: number[];
  /** `<seq>.<attempt>`, as `ReaderResult.copies`. */
  readonly copies: string[];
}

/**
 * Compares a reader with the final log. Without a reset it must have exactly the log; after a
 * reset, exactly the log from its start (the replay after a reset begins at the oldest event). A
 * reset is justified only if the log really went backwards under the reader: what it had before
 * the reset is not the start of the final log (an event it had is gone, or is another copy now).
 */
export function judge(result: ReaderResult, log: FinalLog): Verdict {
  const lastReset = result.resetsAt.at(-1);
  const judged = lastReset === undefined ? result.seqs : result.seqs.slice(lastReset);
  const report = checkSequence(judged, log.seqs);
  let needlessResets = 0;
  let start = 0;
  for (const at of result.resetsAt) {
    const before = result.copies.slice(start, at);
    if (before.every((copy, index) => log.copies[index] === copy)) needlessResets++;
    start = at;
  }
  const silentGap = lastReset === undefined && report.lost.length > 0;
  return { report, resets: result.resetsAt.length, needlessResets, silentGap };
}

export async function finalLog(store: RedisStore, stream: string): Promise<FinalLog> {
  const events = await store.readAfter(stream, 0, Number.POSITIVE_INFINITY);
  const parsed = events.map((event) => JSON.parse(event.data) as { seq: number; attempt: number });
  return {
    seqs: parsed.map((item) => item.seq),
    copies: parsed.map((item) => `${item.seq}.${item.attempt}`),
  };
}
