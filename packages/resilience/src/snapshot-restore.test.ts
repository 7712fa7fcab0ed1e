/**
 * The store goes backwards. Events are published, the store's data is copied (Redis `SAVE` and
 * its RDB file, an online SQLite backup), more events are published, and then the older copy is
 * put back under load — Redis SIGKILLed and restarted from the older RDB on the same port, the
 * SQLite file replaced by the backup between two runs of the server process — and publishing goes
 * on. The new events reuse offsets that had named the events the restore lost.
 *
 * Clients: live readers that are also cut off at seeded random points, one held away since just
 * before the copy was taken (its cursor is before the restore point), one held away after it had
 * read some of the events the restore lost (its cursor names one of them).
 * What must hold for every client: it either loses nothing or was told with a `reset` — what it
 * holds after its last reset is exactly the log as it is now (0 silent gaps, 0 stale events kept
 * without a reset). The client held since before the copy resumes with no reset; the one whose
 * cursor the restore invalidated gets one `reset{epoch}` per restore.
 *
 * Bounded by default; `SNAPSHOT_RESTORE_FULL=1` runs 3 restores of 5,000 events each.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backup, DatabaseSync } from 'node:sqlite';
import { waitUntil } from '@resumable-sse/testkit/http';
import { type RedisServerHandle, startRedisServer } from '@resumable-sse/testkit/redis-server';
import { afterAll, describe, expect, it } from 'vitest';
import { type ControlledClient, controlledClient } from './support/controlled-client.ts';
import { recordFigure } from './support/figures.ts';
import {
  type FixtureProcess,
  startFixtureProcess,
  stopAllFixtureProcesses,
} from './support/fixture-process.ts';
import { describeHeld, judgeHeld } from './support/held-log.ts';
import { Publisher } from './support/publisher.ts';
import { runSeed, seededRandom } from './support/seeded-random.ts';

const FULL = process.env.SNAPSHOT_RESTORE_FULL === '1';
const RESTORES = FULL ? 3 : 1;
/** Per restore: events before the copy, events after it (lost by the restore), events from the restore on. */
const BEFORE = FULL ? 2_000 : 200;
const LOST = FULL ? 1_000 : 100;
const AFTER = FULL ? 2_000 : 200;
const LIVE_CLIENTS = 4;
const DISCONNECTS_PER_CLIENT = FULL ? 20 : 4;
const TOTAL = RESTORES * (BEFORE + LOST + AFTER);

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  await stopAllFixtureProcesses();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** How the store under test is copied and put back. */
interface Restorable {
  readonly servers: readonly FixtureProcess[];
  /** Copies the store's data as it is now. */
  snapshot(): Promise<string>;
  /** Puts the copy back while `inFlight` publishes may be running; resolves once serving again. */
  restore(copy: string): Promise<void>;
}

interface Clients {
  readonly live: ControlledClient[];
  /** Held away from just before each copy until after each restore. */
  readonly awayBefore: ControlledClient;
  /** Held away after reading some of the events each restore loses. */
  readonly awayDuring: ControlledClient;
  readonly all: ControlledClient[];
}

function startClients(servers: readonly FixtureProcess[], seed: number): Clients {
  const random = seededRandom(seed);
  const url = (index: number) => `${servers[index % servers.length]!.url}/stream`;
  const live = Array.from({ length: LIVE_CLIENTS }, (_, index) =>
    controlledClient(url(index), {
      disconnectAfter: random.distinct(DISCONNECTS_PER_CLIENT, 1, TOTAL - 1),
    }),
  );
  const awayBefore = controlledClient(url(0));
  const awayDuring = controlledClient(url(1));
  const all = [...live, awayBefore, awayDuring];
  cleanups.push(() => {
    for (const client of all) client.close();
  });
  return { live, awayBefore, awayDuring, all };
}

const lastSeq = (client: ControlledClient) => client.received.at(-1)?.seq;

async function holdAwayAt(client: ControlledClient, seq: number, what: string): Promise<void> {
  await waitUntil(() => lastSeq(client) === seq, `${what} to receive event ${seq}`, 20_000);
  client.hold();
  client.disconnect();
}

interface DrillOutcome {
  readonly clients: Clients;
  readonly log: readonly number[];
  readonly publisher: Publisher;
  readonly elapsedMs: number;
}

async function restoreDrill(target: Restorable, seed: number): Promise<DrillOutcome> {
  const started = Date.now();
  const clients = startClients(target.servers, seed);
  await waitUntil(
    () => clients.all.every((client) => client.caughtUps > 0),
    'every client caught up',
    10_000,
  );
  let turn = 0;
  const publisher = new Publisher({
    target: () => target.servers[turn++ % target.servers.length]!.url,
    deadlineMs: 30_000,
  });
  let seq = 1;
  const publishUpTo = async (last: number) => {
    while (seq <= last) await publisher.publish(seq++);
  };

  for (let round = 0; round < RESTORES; round++) {
    await publishUpTo(seq + BEFORE - 1);
    await holdAwayAt(clients.awayBefore, seq - 1, 'the client held away before the copy');
    const copy = await target.snapshot();
    await publishUpTo(seq + LOST / 2 - 1);
    await holdAwayAt(clients.awayDuring, seq - 1, 'the client held away after the copy');
    await publishUpTo(seq + LOST / 2 - 1);
    // The restore starts with a publish in flight, and publishing goes on while it runs.
    const inFlight = publisher.publish(seq++);
    const restoring = target.restore(copy);
    await inFlight;
    await publishUpTo(seq + AFTER / 2 - 2);
    await restoring;
    clients.awayBefore.release();
    clients.awayDuring.release();
    await publishUpTo(seq + AFTER / 2 - 1);
  }
  const last = seq - 1;
  await waitUntil(
    () => clients.all.every((client) => lastSeq(client) === last && client.client.status === 'live'),
    `every client to receive event ${last} (last: ${clients.all.map(lastSeq).join(', ')})`,
    30_000,
  );
  // The log as it is now, read whole by a client that holds nothing yet.
  const reader = controlledClient(`${target.servers[0]!.url}/stream`);
  cleanups.push(() => reader.close());
  await waitUntil(() => lastSeq(reader) === last, `a fresh reader to receive event ${last}`, 30_000);
  reader.close();
  return {
    clients,
    log: reader.received.map((event) => event.seq),
    publisher,
    elapsedMs: Date.now() - started,
  };
}

function judge(name: string, outcome: DrillOutcome): void {
  const { clients, log } = outcome;
  const names = new Map<ControlledClient, string>([
    ...clients.live.map((client, index) => [client, `live ${index}`] as const),
    [clients.awayBefore, 'away since before the copy'],
    [clients.awayDuring, 'away after reading lost events'],
  ]);
  const verdicts = clients.all.map((client) => ({ client, verdict: judgeHeld(client.timeline, log) }));
  const silent = verdicts.filter(({ verdict }) => verdict.lost.length > 0 || verdict.stale.length > 0);
  const summary =
    `${name}: ${RESTORES} restore(s), ${outcome.publisher.acknowledged.length} events acknowledged, log now holds ${log.length}; ` +
    `clients with a silent gap or stale events ${silent.length} of ${verdicts.length}; ` +
    `publish attempts refused while restoring ${outcome.publisher.failures.length}; ${(outcome.elapsedMs / 1000).toFixed(1)} s`;
  const lines = verdicts.map(
    ({ client, verdict }) => `  ${names.get(client)}: ${describeHeld(verdict)}, requests ${client.requests}`,
  );
  console.log([summary, ...lines].join('\n'));
  recordFigure(name, [summary, ...lines]);

  // The restore really lost events and reused their offsets (else nothing here was tested).
  expect(log.length).toBeLessThan(outcome.publisher.acknowledged.length);
  for (const { client, verdict } of verdicts) {
    const label = `${names.get(client)}: ${describeHeld(verdict)}`;
    expect(verdict.lost, label).toEqual([]);
    expect(verdict.stale, label).toEqual([]);
    expect(verdict.duplicated, label).toEqual([]);
    expect(verdict.outOfOrder, label).toBe(0);
  }
  // Its cursor was before every restore point: nothing to reset.
  expect(judgeHeld(clients.awayBefore.timeline, log).resets).toEqual([]);
  // Its cursor named an event each restore lost.
  expect(judgeHeld(clients.awayDuring.timeline, log).resets).toEqual(Array(RESTORES).fill('epoch'));
}

describe('the store restored from an older copy under load', () => {
  it('Redis restarted from an older RDB: every client loses nothing or gets a reset', async () => {
    const redis: RedisServerHandle = await startRedisServer();
    cleanups.push(() => redis.stop());
    const env = { STORE: 'redis', REDIS_URL: redis.url, BUFFER_SIZE: '50000' };
    const servers = await Promise.all([startFixtureProcess({ env }), startFixtureProcess({ env })]);
    const outcome = await restoreDrill(
      {
        servers,
        snapshot: () => redis.saveSnapshot(),
        restore: (copy) => redis.restartFrom(copy),
      },
      runSeed(41),
    );
    judge('redis snapshot restore', outcome);
    for (const server of servers) {
      expect(server.alive()).toBe(true);
      expect(server.output()).not.toMatch(/unhandled|uncaught/i);
    }
  }, 180_000);

  it('SQLite file replaced by an older backup between two runs of the server: every client loses nothing or gets a reset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rsse-snapshot-restore-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'events.db');
    const server = await startFixtureProcess({
      env: { STORE: 'sqlite', SQLITE_PATH: file, BUFFER_SIZE: '50000' },
    });
    let backups = 0;
    const outcome = await restoreDrill(
      {
        servers: [server],
        // An online backup while the server writes, as an operator's backup job takes it.
        snapshot: async () => {
          backups += 1;
          const copy = join(dir, `backup-${backups}.db`);
          const source = new DatabaseSync(file);
          try {
            await backup(source, copy);
          } finally {
            source.close();
          }
          return copy;
        },
        restore: async (copy) => {
          await server.crash();
          for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
          copyFileSync(copy, file);
          await server.restart();
        },
      },
      runSeed(42),
    );
    judge('sqlite backup restore', outcome);
    expect(server.alive()).toBe(true);
  }, 180_000);
});
