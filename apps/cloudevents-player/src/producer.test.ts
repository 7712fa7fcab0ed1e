import { type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import { CloudEvent, emitterFor, httpTransport, Mode } from 'cloudevents';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openLiveReader } from './test-support/live-reader.ts';
import { PLAYER_ENTRY, storedCount } from './test-support/player.ts';

const PING_INTERVAL_MS = 300;

let app: RunningApp;
beforeAll(async () => {
  app = await startApp({
    entry: PLAYER_ENTRY,
    env: { STORE: 'memory', PING_INTERVAL_MS: String(PING_INTERVAL_MS) },
  });
});
afterAll(async () => {
  await app?.stop();
});

it('the cloudevents SDK’s HTTP emitter sends in binary and structured mode; the events arrive on /stream as sent', async () => {
  const reader = openLiveReader(app.url);
  try {
    await reader.waitForStatus('live');
    const binary = emitterFor(httpTransport(`${app.url}/events`), { mode: Mode.BINARY });
    const structured = emitterFor(httpTransport(`${app.url}/events`), { mode: Mode.STRUCTURED });

    const created = new CloudEvent({
      type: 'com.example.order.created',
      source: 'https://shop.example.com/orders',
      subject: 'order-12345',
      data: { orderId: '12345', amount: 99.99, currency: 'USD' },
      region: 'eu1',
    });
    const shipped = new CloudEvent({
      type: 'com.example.order.shipped',
      source: 'https://shop.example.com/orders',
      subject: 'order-12345',
      datacontenttype: 'text/plain',
      data: 'left the warehouse',
    });
    const answers = [
      (await binary(created)) as { body: string },
      (await structured(shipped)) as { body: string },
    ];
    for (const answer of answers)
      expect(JSON.parse(answer.body)).toMatchObject({ events: [{ duplicate: false }] });

    await reader.waitForEvents(2);
    expect(reader.events.map((event) => event.event)).toEqual(['cloudevent', 'cloudevent']);
    expect(reader.events.every((event) => /^[A-Za-z0-9._~-]{3,64}$/.test(event.id ?? ''))).toBe(true);
    const [receivedCreated, receivedShipped] = reader.cloudEvents();
    // Binary mode carries the JSON content type the SDK set on the request.
    expect(receivedCreated).toEqual({
      ...created.toJSON(),
      datacontenttype: 'application/json; charset=utf-8',
    });
    expect(receivedShipped).toEqual(shipped.toJSON());
  } finally {
    reader.close();
  }
});

it('sends `event: ping` {type, timestamp} every PING_INTERVAL_MS, without an id, so pings never move a cursor', async () => {
  const response = await fetch(`${app.url}/stream`, { signal: AbortSignal.timeout(10_000) });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const startedAt = Date.now();
  while ((text.match(/event: ping\n/g) ?? []).length < 3) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const elapsed = Date.now() - startedAt;
  await reader.cancel();

  const pings = text.split('\n\n').filter((block) => block.includes('event: ping'));
  expect(pings).toHaveLength(3);
  for (const block of pings) {
    expect(block).toMatch(
      /^event: ping\ndata: \{"type":"ping","timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"\}$/,
    );
  }
  // Three pings take about three intervals: they are paced by PING_INTERVAL_MS, not sent in a burst.
  expect(elapsed).toBeGreaterThanOrEqual(2 * PING_INTERVAL_MS);

  // Pings were sent all along, yet the log holds only the two CloudEvents, and a client that
  // resumes from the last one gets nothing again.
  expect(await storedCount(app.url)).toBe(2);
  const live = openLiveReader(app.url);
  try {
    await live.waitForEvents(2);
    await live.waitForPings(2);
    const cursor = live.events[1]!.id!;
    expect(live.lastEventId()).toBe(cursor);
    const resumed = openLiveReader(app.url, { lastEventId: cursor });
    try {
      await resumed.waitForPings(1);
      expect(resumed.resets).toEqual([]);
      expect(resumed.events).toEqual([]);
      expect(resumed.pings[0]).toMatchObject({ id: undefined, event: 'ping' });
    } finally {
      resumed.close();
    }
  } finally {
    live.close();
  }
});

it('with PING_INTERVAL_MS=0 sends no pings, and `:` comment heartbeats every HEARTBEAT_MS instead', async () => {
  const quiet = await startApp({
    entry: PLAYER_ENTRY,
    env: { STORE: 'memory', PING_INTERVAL_MS: '0', HEARTBEAT_MS: '200' },
  });
  try {
    const response = await fetch(`${quiet.url}/stream`, { signal: AbortSignal.timeout(10_000) });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while ((text.match(/^:/gm) ?? []).length < 3) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    await reader.cancel();
    expect(text).not.toContain('event: ping');
    // The page is told the interval, to notice a silent connection after two of them.
    expect(await (await fetch(`${quiet.url}/`)).text()).toContain(
      '<meta name="heartbeat-ms" content="200" />',
    );
  } finally {
    await quiet.stop();
  }
});
