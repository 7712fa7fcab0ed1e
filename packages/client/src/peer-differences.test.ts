/**
 * The README's behaviour table, checked: each case runs against this client, `eventsource` v5
 * and `@microsoft/fetch-event-source` v2, each on its own instance of the same test server with
 * the same scenario. Ours is pinned; theirs is recorded as observed with the installed versions.
 *
 * fetch-event-source reads `window` and `document`, so it runs in headless Chromium; the other
 * two run in Node. `eventsource` unrefs its reconnect timer (it does not keep Node alive while
 * waiting to reconnect); the observation window's own timer keeps this process alive meanwhile.
 */

import { spawn } from 'node:child_process';
import { type LaunchedChromium, launchChromium } from '@resumable-sse/browser-harness';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventStreamClient } from './client.ts';
import { servePage } from './test-support/browser-bundle.ts';
import type { FetchEventSourceConfig, PageRecord } from './test-support/browser-page.ts';
import {
  startTestSseServer,
  type TestSseServer,
  type TestSseServerOptions,
} from './test-support/test-sse-server.ts';
import { sleep, waitFor } from './test-support/wait.ts';
import type { EventStreamClientOptions } from './types.ts';

interface Observation {
  /** Stream requests the server saw (CORS preflights not counted). */
  requests: number;
  /** `Last-Event-ID` of the first request. */
  firstLastEventId: string | undefined;
  /** What the application was handed, as `name:data` (control events by name only). */
  deliveries: string[];
  /** Gave up for good (ours: closed; eventsource: readyState CLOSED; fetch-event-source: promise settled). */
  stopped: boolean;
  /** Ours only: the error code it stopped with, or the reset reasons it reported. */
  detail?: string[];
}

interface Observed {
  ours: Observation;
  eventsource: Observation | undefined;
  fetchEventSource: Observation;
}

interface Scenario {
  server?: TestSseServerOptions;
  setup?(server: TestSseServer): void;
  windowMs: number;
  ours?: EventStreamClientOptions;
  fetchEventSource?: Partial<FetchEventSourceConfig>;
  /** `eventsource` has no way to express the case. */
  skipEventSource?: boolean;
}

const CONTROL = new Set(['reset', 'caught-up']);
const delivery = (event: string, data: string): string => (CONTROL.has(event) ? event : `${event}:${data}`);

let browser: LaunchedChromium;
let pageUrl: string;
let pageServer: TestSseServer;

beforeAll(async () => {
  browser = await launchChromium();
  pageServer = await startTestSseServer();
  pageUrl = await servePage(pageServer);
});
afterAll(async () => {
  await browser?.close();
  await pageServer?.close();
});

async function serverFor(scenario: Scenario): Promise<TestSseServer> {
  const server = await startTestSseServer(scenario.server);
  scenario.setup?.(server);
  return server;
}

const observation = (server: TestSseServer, deliveries: string[], stopped: boolean): Observation => ({
  requests: server.requests.length,
  firstLastEventId: server.requests[0]?.lastEventId,
  deliveries,
  stopped,
});

async function runOurs(scenario: Scenario): Promise<Observation> {
  const server = await serverFor(scenario);
  const deliveries: string[] = [];
  const detail: string[] = [];
  const client = createEventStreamClient(server.streamUrl, {
    backoff: { initialMs: 100, maxMs: 1000 },
    ...scenario.ours,
    onEvent: (event) => void deliveries.push(delivery(event.event, event.data)),
    onReset: (payload) => void detail.push(`reset:${payload.reason}`),
  });
  await sleep(scenario.windowMs);
  const stopped = client.status === 'closed';
  if (client.error) detail.push(client.error.code);
  client.close();
  await server.close();
  return { ...observation(server, deliveries, stopped), detail };
}

async function runEventSource(scenario: Scenario): Promise<Observation | undefined> {
  if (scenario.skipEventSource) return undefined;
  const server = await serverFor(scenario);
  const deliveries: string[] = [];
  const source = new EventSource(server.streamUrl);
  // An EventSource app sees named events only through listeners it registered by name.
  for (const name of ['message', 'reset', 'caught-up']) {
    source.addEventListener(name, (event: MessageEvent) => void deliveries.push(delivery(name, event.data)));
  }
  await sleep(scenario.windowMs);
  const stopped = source.readyState === source.CLOSED;
  source.close();
  await server.close();
  return observation(server, deliveries, stopped);
}

async function runFetchEventSource(scenario: Scenario): Promise<Observation> {
  const server = await serverFor(scenario);
  const page = await browser.context.newPage();
  try {
    await page.goto(pageUrl);
    const config: FetchEventSourceConfig = { url: server.streamUrl, ...scenario.fetchEventSource };
    await page.evaluate((c) => window.startFetchEventSource(c), config);
    await sleep(scenario.windowMs);
    const record: PageRecord = await page.evaluate(() => window.record);
    const deliveries = record.events.map((event) => delivery(event.event, event.data));
    return observation(server, deliveries, record.settled);
  } finally {
    await page.close();
    await server.close();
  }
}

async function compare(scenario: Scenario): Promise<Observed> {
  const [ours, eventsource, fetchEventSource] = await Promise.all([
    runOurs(scenario),
    runEventSource(scenario),
    runFetchEventSource(scenario),
  ]);
  return { ours, eventsource, fetchEventSource };
}

/** fetch-event-source hands the app an empty message for every comment-only or retry-only block. */
const withoutEmpty = (deliveries: string[]): string[] => deliveries.filter((entry) => entry !== 'message:');

describe('behaviour table: ours vs eventsource vs fetch-event-source', () => {
  it.each([
    [204, 'NO_CONTENT'],
    [401, 'UNAUTHORIZED'],
    [403, 'FORBIDDEN'],
  ])(
    'HTTP %i: ours and eventsource stop after one request; fetch-event-source retries',
    async (status, code) => {
      const seen = await compare({
        setup: (server) => server.respond({ status, contentType: 'application/json', body: '{}' }, 100),
        windowMs: 2000,
      });
      expect(seen.ours).toMatchObject({ requests: 1, stopped: true, detail: [code] });
      expect(seen.eventsource).toMatchObject({ requests: 1, stopped: true });
      expect(seen.fetchEventSource.requests).toBeGreaterThanOrEqual(2);
      expect(seen.fetchEventSource.stopped).toBe(false);
    },
  );

  it('200 with a wrong content type: ours and eventsource stop; fetch-event-source retries', async () => {
    const seen = await compare({
      setup: (server) => server.respond({ status: 200, contentType: 'text/html', body: '<p>' }, 100),
      windowMs: 2000,
    });
    expect(seen.ours).toMatchObject({ requests: 1, stopped: true, detail: ['BAD_CONTENT_TYPE'] });
    expect(seen.eventsource).toMatchObject({ requests: 1, stopped: true });
    expect(seen.fetchEventSource.requests).toBeGreaterThanOrEqual(2);
    expect(seen.fetchEventSource.stopped).toBe(false);
  });

  it('HTTP 500 once, then the stream: ours and fetch-event-source retry; eventsource gives up', async () => {
    const seen = await compare({
      setup: (server) => {
        server.respond({ status: 500 });
        server.publish('a');
      },
      windowMs: 2000,
    });
    expect(seen.ours).toMatchObject({ requests: 2, stopped: false, deliveries: ['message:a'] });
    expect(seen.eventsource).toMatchObject({ requests: 1, stopped: true, deliveries: [] });
    expect(seen.fetchEventSource.requests).toBe(2);
    expect(withoutEmpty(seen.fetchEventSource.deliveries)).toEqual(['message:a', 'caught-up']);
  });

  it('repeated 503 with default delays: ours backs off (jittered), fetch-event-source every 1 s, eventsource stops', async () => {
    const seen = await compare({
      setup: (server) => server.respond({ status: 503 }, 100),
      windowMs: 3500,
      // Defaults (3 s doubling), with the jitter fixed at one half: waits of 1.5 s, then 3 s.
      ours: { backoff: {}, random: () => 0.5 },
    });
    expect(seen.ours).toMatchObject({ requests: 2, stopped: false });
    expect(seen.eventsource).toMatchObject({ requests: 1, stopped: true });
    expect(seen.fetchEventSource.requests).toBeGreaterThanOrEqual(3);
  });

  it('already-aborted AbortSignal: ours makes no request; fetch-event-source connects anyway', async () => {
    const seen = await compare({
      setup: (server) => server.publish('a'),
      windowMs: 700,
      ours: { signal: AbortSignal.abort() },
      fetchEventSource: { abortFirst: true },
      skipEventSource: true, // no signal option: the constructor always connects
    });
    expect(seen.ours).toMatchObject({ requests: 0, stopped: true, deliveries: [] });
    expect(seen.fetchEventSource.requests).toBe(1);
    expect(seen.fetchEventSource.deliveries).toContain('message:a');
  });

  it('Last-Event-ID on the first connect: ours by option; fetch-event-source by hand; eventsource cannot', async () => {
    const start = 'e.1';
    const seen = await compare({
      windowMs: 500,
      ours: { lastEventId: start },
      fetchEventSource: { headers: { 'last-event-id': start } },
    });
    expect(seen.ours.firstLastEventId).toBe(start);
    expect(seen.eventsource?.firstLastEventId).toBeUndefined();
    expect(seen.fetchEventSource.firstLastEventId).toBe(start);
  });

  it('reset: ours calls onReset and keeps it out of the events; the others hand it over as a message', async () => {
    const seen = await compare({
      setup: (server) => {
        server.misbehave.resetEveryConnection = 'evicted';
        server.publish('a');
      },
      windowMs: 500,
    });
    expect(seen.ours).toMatchObject({ deliveries: ['message:a'], detail: ['reset:evicted'] });
    expect(seen.eventsource?.deliveries).toEqual(['reset', 'message:a', 'caught-up']);
    expect(seen.fetchEventSource.deliveries).toEqual(['message:', 'reset', 'message:a', 'caught-up']);
  });

  it('an event sent twice: ours delivers it once; the others twice', async () => {
    const seen = await compare({
      setup: (server) => {
        server.publish('a');
        server.publish('b');
        server.misbehave.repeatOffset = 1;
      },
      windowMs: 500,
    });
    expect(seen.ours.deliveries).toEqual(['message:a', 'message:b']);
    expect(seen.eventsource?.deliveries).toEqual(['message:a', 'message:a', 'message:b', 'caught-up']);
    expect(withoutEmpty(seen.fetchEventSource.deliveries)).toEqual([
      'message:a',
      'message:a',
      'message:b',
      'caught-up',
    ]);
  });

  it('a connection that goes silent: ours reconnects after the heartbeat timeout; the others wait forever', async () => {
    const seen = await compare({
      setup: (server) => {
        server.misbehave.silentAfterCaughtUp = true;
      },
      windowMs: 1500,
      ours: { heartbeatTimeoutMs: 400 },
    });
    expect(seen.ours.requests).toBeGreaterThanOrEqual(2);
    expect(seen.eventsource).toMatchObject({ requests: 1, stopped: false });
    expect(seen.fetchEventSource).toMatchObject({ requests: 1, stopped: false });
  });

  it('heartbeat comments: ours and eventsource hand nothing over; fetch-event-source an empty message each', async () => {
    const seen = await compare({ server: { heartbeatMs: 100 }, windowMs: 800 });
    expect(seen.ours.deliveries).toEqual([]);
    expect(seen.eventsource?.deliveries).toEqual(['caught-up']);
    const empty = seen.fetchEventSource.deliveries.filter((entry) => entry === 'message:');
    expect(empty.length).toBeGreaterThanOrEqual(4);
  });

  it('the server ends the response: ours and eventsource reconnect; fetch-event-source stops', async () => {
    const seen = await compare({
      server: { retryMs: 200 },
      setup: (server) => {
        server.misbehave.endAfterCaughtUp = true;
        server.publish('a');
      },
      windowMs: 1200,
    });
    expect(seen.ours.requests).toBeGreaterThanOrEqual(2);
    expect(seen.ours.deliveries).toEqual(['message:a']);
    expect(seen.eventsource?.requests).toBeGreaterThanOrEqual(2);
    expect(seen.fetchEventSource).toMatchObject({ requests: 1, stopped: true });
  });

  it('waiting to reconnect in Node: ours keeps the process alive; eventsource lets it exit', async () => {
    const child = new URL('./test-support/keep-alive-child.ts', import.meta.url).pathname;
    const aliveAfterServerEnds = async (which: 'ours' | 'eventsource'): Promise<boolean> => {
      const server = await startTestSseServer({ retryMs: 1000 });
      server.misbehave.endAfterCaughtUp = true;
      const proc = spawn(
        process.execPath,
        ['--conditions=@resumable-sse/source', child, which, server.streamUrl],
        {
          stdio: 'ignore',
        },
      );
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      try {
        await waitFor(() => server.requests.length >= 1, `${which} to connect`);
        await sleep(700);
        return proc.exitCode === null && proc.signalCode === null;
      } finally {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill();
        await exited;
        await server.close();
      }
    };
    const [ours, eventsource] = await Promise.all([
      aliveAfterServerEnds('ours'),
      aliveAfterServerEnds('eventsource'),
    ]);
    expect(ours).toBe(true);
    expect(eventsource).toBe(false);
  });
});
