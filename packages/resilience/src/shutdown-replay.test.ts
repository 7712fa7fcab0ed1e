/**
 * Graceful shutdown while clients replay: 20 clients (half on keep-alive sockets) replay a long
 * backlog from the cloudevents-player (Express adapter, SQLite, child process); each stops
 * reading part-way so the server's writes queue up behind it, then the app gets SIGTERM and the
 * clients read on.
 *
 * Must hold: every response ends cleanly (a complete chunked body, no `aborted`/ECONNRESET) at a
 * frame boundary (no partial frame left over); the process exits with code 0 within its grace
 * period; after a restart each client resumes with its last id and gets exactly the events it had
 * not received — nothing lost, nothing twice, no reset.
 *
 * Bounded here (20 clients × 20,000 events); `SHUTDOWN_DRILL_EVENTS=100000` runs the full size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import { afterAll, expect, it } from 'vitest';
import { DEMO_APPS } from './support/demo-apps.ts';
import { recordFigure } from './support/figures.ts';
import { type Frame, type FrameReader, openFrameReader } from './support/frame-reader.ts';
import { checkSequence, describeSequence, range } from './support/sequence-check.ts';

const CLIENTS = 20;
const EVENTS = Number(process.env.SHUTDOWN_DRILL_EVENTS ?? 20_000);
const BATCH = 500;
/** Long enough for 20 clients to flush what is queued for them, short enough to bound the test. */
const GRACE_MS = 10_000;
const EVENT_NAME = 'cloudevent';

const player = DEMO_APPS.find((app) => app.name === 'cloudevents-player')!;
const dataDir = mkdtempSync(join(tmpdir(), 'shutdown-replay-'));
const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS * 2 });
const apps: RunningApp[] = [];
afterAll(async () => {
  agent.destroy();
  for (const app of apps) await app.stop('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function startPlayer(port: number): Promise<RunningApp> {
  const app = await startApp({
    entry: player.entry,
    port,
    env: {
      STORE: 'sqlite',
      SQLITE_PATH: join(dataDir, 'player.db'),
      BUFFER_SIZE: String(EVENTS),
      PING_INTERVAL_MS: '0',
      HEARTBEAT_MS: '0',
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
    },
  });
  apps.push(app);
  return app;
}

async function publishAll(url: string): Promise<void> {
  for (let first = 1; first <= EVENTS; first += BATCH) {
    const batch = range(first, Math.min(EVENTS, first + BATCH - 1)).map((n) => ({
      specversion: '1.0',
      id: `drill-${n}`,
      source: '/shutdown-drill',
      type: 'drill.seq',
      // Padding, so each client's replay is megabytes and cannot all sit in socket buffers.
      data: { n, padding: 'p'.repeat(500) },
    }));
    const response = await fetch(`${url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify(batch),
    });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`publishing ${first}… answered ${response.status}: ${body}`);
  }
}

function sequenceOf(frames: readonly Frame[]): number[] {
  return frames
    .filter((frame) => frame.event === EVENT_NAME)
    .map((frame) => (JSON.parse(frame.data) as { data: { n: number } }).data.n);
}

function lastEventId(frames: readonly Frame[]): string | undefined {
  for (let index = frames.length - 1; index >= 0; index--) {
    if (frames[index]!.id) return frames[index]!.id;
  }
  return undefined;
}

it(`SIGTERM while ${CLIENTS} clients replay ${EVENTS} events: every response ends at a frame boundary, exit 0, nothing lost on resume`, async () => {
  expect(player.exists).toBe(true);
  const port = await freePort();
  const first = await startPlayer(port);
  await publishAll(first.url);

  // Each client stops at a different point in the first third of its replay (the rest is more
  // than socket buffers hold), so the server has bytes queued for them at the signal.
  const readers: FrameReader[] = await Promise.all(
    range(1, CLIENTS).map((client) =>
      openFrameReader(`${first.url}/stream`, {
        // Half on keep-alive sockets, half asking for `Connection: close`: both end differently.
        agent: client % 2 === 0 ? agent : false,
        pauseEvent: EVENT_NAME,
        pauseAfter: Math.floor((EVENTS * client) / (3 * CLIENTS)),
      }),
    ),
  );
  expect(readers.map((reader) => reader.status)).toEqual(readers.map(() => 200));
  await Promise.all(readers.map((reader) => reader.paused));

  const signalledAt = Date.now();
  const exited = first.stop('SIGTERM', GRACE_MS + 10_000);
  // The server is already ending the responses; the clients read on, as a slow network would.
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const reader of readers) reader.resume();
  const outcomes = await Promise.all(readers.map((reader) => reader.outcome));
  const exit = await exited;
  const shutdownMs = Date.now() - signalledAt;

  const cut = outcomes.filter((outcome) => outcome !== 'end').length;
  const midFrame = readers.filter((reader) => reader.partial() !== '').length;
  const firstPass = readers.map((reader) => sequenceOf(reader.frames));
  const interrupted = firstPass.filter((sequence) => sequence.length < EVENTS).length;
  console.log(
    `shutdown: ${cut}/${CLIENTS} responses cut (${[...new Set(outcomes)].join(', ')}), ${midFrame} ended mid-frame, ` +
      `events before the end ${Math.min(...firstPass.map((s) => s.length))}–${Math.max(...firstPass.map((s) => s.length))} of ${EVENTS}, ` +
      `${interrupted} replays interrupted, exit ${exit.code ?? exit.signal} after ${shutdownMs} ms`,
  );
  recordFigure('shutdown-replay', {
    clients: CLIENTS,
    events: EVENTS,
    cut,
    midFrame,
    interrupted,
    exit,
    shutdownMs,
  });
  expect(outcomes).toEqual(readers.map(() => 'end'));
  expect(readers.map((reader) => reader.partial())).toEqual(readers.map(() => ''));
  expect(exit).toEqual({ code: 0, signal: null });
  // Replays were really interrupted (otherwise the drill proved nothing about shutdown); loopback
  // buffers are large, so a client whose pause came late may still have got everything.
  expect(interrupted).toBeGreaterThanOrEqual(CLIENTS / 2);

  const second = await startPlayer(port);
  const resumed = await Promise.all(
    readers.map(async (reader, index) => {
      const cursor = lastEventId(reader.frames);
      expect(cursor, `client ${index + 1} received an id before the shutdown`).toBeDefined();
      const again = await openFrameReader(`${second.url}/stream`, {
        agent,
        lastEventId: cursor,
        pauseEvent: 'caught-up',
        pauseAfter: 1,
      });
      await again.paused;
      again.close();
      return again.frames;
    }),
  );
  for (const [index, frames] of resumed.entries()) {
    expect(frames.filter((frame) => frame.event === 'reset')).toEqual([]);
    const report = checkSequence([...firstPass[index]!, ...sequenceOf(frames)], range(1, EVENTS));
    expect(describeSequence(report), `client ${index + 1}`).toBe(
      describeSequence(checkSequence(range(1, EVENTS), range(1, EVENTS))),
    );
  }
  await second.stop();
}, 240_000);
