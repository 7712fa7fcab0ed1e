import { gzipSync } from 'node:zlib';
import { postStreamedBody, type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BATCH,
  PLAYER_ENTRY,
  postEvents,
  requestBody,
  type SampleEvent,
  STRUCTURED,
  sampleEvent,
  storedCount,
} from './test-support/player.ts';
import { replayStream } from './test-support/read-stream.ts';

const MAX_BODY_BYTES = 64 * 1024;

let app: RunningApp;
/** The CloudEvents the player accepted, in order. */
const accepted: object[] = [];

beforeAll(async () => {
  app = await startApp({
    entry: PLAYER_ENTRY,
    env: { STORE: 'memory', MAX_BODY_BYTES: String(MAX_BODY_BYTES) },
  });
});

afterAll(async () => {
  await app?.stop();
});

function binaryHeaders(event: SampleEvent, contentType = 'application/json'): Record<string, string> {
  return {
    'content-type': contentType,
    'ce-specversion': event.specversion,
    'ce-id': event.id,
    'ce-source': event.source,
    'ce-type': event.type,
  };
}

async function expectRefused(
  status: 400 | 413 | 415,
  body: string | Uint8Array | unknown,
  headers: Record<string, string>,
  message: string | RegExp,
): Promise<void> {
  const before = await storedCount(app.url);
  const response = await fetch(`${app.url}/events`, { method: 'POST', headers, body: requestBody(body) });
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const json = (await response.json()) as { error: string };
  expect(Object.keys(json)).toEqual(['error']);
  if (typeof message === 'string') expect(json.error).toBe(message);
  else expect(json.error).toMatch(message);
  expect(await storedCount(app.url)).toBe(before);
}

describe('POST /events takes CloudEvents in every mode', () => {
  it('structured: one event, answered with its cursor', async () => {
    const event = sampleEvent({ subject: 'order-1' });
    const { status, body } = await postEvents(app.url, event);
    expect(status).toBe(200);
    expect(body).toEqual({
      events: [
        {
          id: event.id,
          source: event.source,
          cursor: expect.stringMatching(/^[A-Za-z0-9._~-]+$/),
          duplicate: false,
        },
      ],
    });
    accepted.push(event);
  });

  it('batch: every event, in order', async () => {
    const events = [
      sampleEvent({ type: 'com.example.batch.a' }),
      sampleEvent({ type: 'com.example.batch.b' }),
    ];
    const { status, body } = await postEvents(app.url, events, BATCH);
    expect(status).toBe(200);
    expect((body as { events: { id: string }[] }).events.map((event) => event.id)).toEqual(
      events.map((event) => event.id),
    );
    accepted.push(...events);
  });

  it('binary: attributes from ce-* headers, data from the body', async () => {
    const event = sampleEvent({ type: 'com.example.binary' });
    const { status } = await postEvents(app.url, JSON.stringify(event.data), binaryHeaders(event));
    expect(status).toBe(200);
    const { data, ...attributes } = event;
    accepted.push({ ...attributes, datacontenttype: 'application/json', data });
  });

  it('a gzip-encoded body', async () => {
    const event = sampleEvent({ type: 'com.example.gzipped' });
    const { status } = await postEvents(app.url, gzipSync(JSON.stringify(event)), {
      ...STRUCTURED,
      'content-encoding': 'gzip',
    });
    expect(status).toBe(200);
    accepted.push(event);
  });

  it('stores an event sent again (same source and id) once', async () => {
    const event = sampleEvent({ type: 'com.example.retried' });
    const first = await postEvents(app.url, event);
    const again = await postEvents(app.url, event);
    const cursor = (first.body as { events: { cursor: string }[] }).events[0]!.cursor;
    expect(again).toEqual({
      status: 200,
      body: { events: [{ id: event.id, source: event.source, cursor, duplicate: true }] },
    });
    accepted.push(event);
  });

  it('a leap-second time (RFC 3339 allows 23:59:60), kept as sent', async () => {
    const event = { ...sampleEvent({ type: 'com.example.leap' }), time: '2016-12-31T23:59:60Z' };
    expect((await postEvents(app.url, event)).status).toBe(200);
    const { data, ...attributes } = sampleEvent({ type: 'com.example.leap.binary' });
    const headers = { ...binaryHeaders({ ...attributes, data }), 'ce-time': '2016-12-31T23:59:60Z' };
    expect((await postEvents(app.url, JSON.stringify(data), headers)).status).toBe(200);
    accepted.push(event, {
      ...attributes,
      time: '2016-12-31T23:59:60Z',
      datacontenttype: 'application/json',
      data,
    });
  });

  it('each accepted CloudEvent is one `event: cloudevent` on GET /stream, as JSON, in order', async () => {
    const { events, cloudEvents } = await replayStream(app.url);
    expect(events.map((event) => event.event)).toEqual(accepted.map(() => 'cloudevent'));
    expect(cloudEvents).toEqual(accepted);
  });
});

describe('POST /events refuses bad input with a JSON error and stores nothing', () => {
  it.each(['id', 'source', 'type', 'specversion'] as const)(
    '400 for a structured event without %s',
    async (name) => {
      const { [name]: _, ...rest } = sampleEvent();
      await expectRefused(400, rest, STRUCTURED, `Missing required attribute "${name}".`);
    },
  );

  it.each(['id', 'source', 'type', 'specversion'] as const)(
    '400 for a binary event without ce-%s',
    async (name) => {
      const headers = binaryHeaders(sampleEvent());
      delete headers[`ce-${name}`];
      await expectRefused(400, '{}', headers, `Missing required attribute "${name}" (header ce-${name}).`);
    },
  );

  it('400 for attributes the CloudEvents schema refuses', async () => {
    await expectRefused(
      400,
      sampleEvent({ source: 'not a uri' }),
      STRUCTURED,
      'Attribute "source" must match format "uri-reference".',
    );
    await expectRefused(
      400,
      { ...sampleEvent(), time: 'yesterday' },
      STRUCTURED,
      'Attribute "time" must match format "date-time".',
    );
    await expectRefused(400, { ...sampleEvent(), id: 7 }, STRUCTURED, 'Attribute "id" must be string.');
    await expectRefused(400, sampleEvent({ type: '' }), STRUCTURED, 'Attribute "type" must not be empty.');
    await expectRefused(
      400,
      { ...sampleEvent(), specversion: '0.3' },
      STRUCTURED,
      /^Attribute "specversion" is "0.3"/,
    );
    await expectRefused(
      400,
      { ...sampleEvent(), Priority: 'high' },
      STRUCTURED,
      /^Invalid extension name: Priority/,
    );
  });

  it('400 for a body that is not one JSON event', async () => {
    await expectRefused(400, '{"specversion":', STRUCTURED, /^The request body is not valid JSON: /);
    await expectRefused(400, '', STRUCTURED, 'The request body is empty: send the event as JSON.');
    await expectRefused(
      400,
      [sampleEvent()],
      STRUCTURED,
      /send several as a JSON array with Content-Type application\/cloudevents-batch\+json/,
    );
    await expectRefused(
      400,
      '{nope',
      binaryHeaders(sampleEvent()),
      /^The body is not valid JSON although Content-Type is application\/json/,
    );
  });

  it('400 for a whole batch when one event in it is bad: none of it is stored', async () => {
    const batch = [sampleEvent(), sampleEvent(), { ...sampleEvent(), source: undefined }, sampleEvent()];
    await expectRefused(
      400,
      batch,
      BATCH,
      'Event at index 2 of the batch: missing required attribute "source".',
    );
    await expectRefused(400, sampleEvent(), BATCH, 'A batch body is a JSON array of events.');
  });

  it('400 for JSON nested too deeply to store, in any mode: the whole batch refused', async () => {
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    const nested = (where: 'data' | 'ext') =>
      `${JSON.stringify(sampleEvent()).slice(0, -1)},"${where}":${deep}}`;
    expect(nested('data').length).toBeLessThan(MAX_BODY_BYTES);
    const message = 'JSON is nested too deeply to store; send data with fewer levels of nesting.';
    await expectRefused(400, nested('data'), STRUCTURED, `The event's ${message}`);
    await expectRefused(400, nested('ext'), STRUCTURED, `The event's ${message}`);
    await expectRefused(
      400,
      `[${JSON.stringify(sampleEvent())},${nested('data')}]`,
      BATCH,
      `Event at index 1 of the batch: its ${message}`,
    );
    await expectRefused(400, deep, binaryHeaders(sampleEvent()), `The event's ${message}`);
  });

  it('400 for a data_base64 that is not base64 text', async () => {
    await expectRefused(
      400,
      { ...sampleEvent({ data: undefined }), data_base64: 'not base64!' },
      STRUCTURED,
      'Attribute "data_base64" is not valid base64.',
    );
    await expectRefused(
      400,
      { ...sampleEvent({ data: undefined }), data_base64: { bytes: [1, 2] } },
      STRUCTURED,
      'Attribute "data_base64" must be a string of base64, got object.',
    );
    await expectRefused(
      400,
      [sampleEvent(), { ...sampleEvent({ data: undefined }), data_base64: 42 }],
      BATCH,
      'Event at index 1 of the batch: attribute "data_base64" must be a string of base64, got number.',
    );
    await expectRefused(
      400,
      '{}',
      { ...binaryHeaders(sampleEvent()), 'ce-data_base64': '%%%' },
      'Attribute "data_base64" (header ce-data_base64) is not valid base64.',
    );
  });

  it('415 for a request that carries no CloudEvent', async () => {
    await expectRefused(
      415,
      new TextEncoder().encode(JSON.stringify(sampleEvent())),
      {},
      /^Content-Type is missing: /,
    );
    await expectRefused(
      415,
      sampleEvent(),
      { 'content-type': 'application/json' },
      /^Content-Type application\/json carries no CloudEvent/,
    );
    await expectRefused(
      415,
      sampleEvent(),
      { 'content-type': 'application/cloudevents+xml' },
      /is an event format this player does not read/,
    );
  });

  it('415 for an unknown Content-Encoding', async () => {
    await expectRefused(
      415,
      sampleEvent(),
      { ...STRUCTURED, 'content-encoding': 'zstd' },
      /"zstd" is not supported/,
    );
  });

  it('413 for a body over MAX_BODY_BYTES', async () => {
    const big = sampleEvent({ data: 'x'.repeat(MAX_BODY_BYTES) });
    await expectRefused(413, big, STRUCTURED, `Request body is larger than ${MAX_BODY_BYTES} bytes.`);
    await expectRefused(413, [big], BATCH, `Request body is larger than ${MAX_BODY_BYTES} bytes.`);
  });

  it('413 for a gzip body that inflates past MAX_BODY_BYTES', async () => {
    const bomb = gzipSync(JSON.stringify(sampleEvent({ data: 'x'.repeat(8 * MAX_BODY_BYTES) })));
    expect(bomb.byteLength).toBeLessThan(MAX_BODY_BYTES);
    await expectRefused(
      413,
      bomb,
      { ...STRUCTURED, 'content-encoding': 'gzip' },
      /^Decompressed request body is larger/,
    );
  });

  it('413 for a streamed body without Content-Length, answered while the upload goes on', async () => {
    const before = await storedCount(app.url);
    const { status, body, sentWhenAnswered } = await postStreamedBody(
      `${app.url}/events`,
      STRUCTURED,
      64 * MAX_BODY_BYTES,
    );
    expect(status).toBe(413);
    expect(JSON.parse(body)).toEqual({ error: `Request body is larger than ${MAX_BODY_BYTES} bytes.` });
    expect(sentWhenAnswered).toBeLessThan(64 * MAX_BODY_BYTES);
    expect(await storedCount(app.url)).toBe(before);
  });

  it('stored none of them', async () => {
    expect(await storedCount(app.url)).toBe(accepted.length);
    const { cloudEvents } = await replayStream(app.url);
    expect(cloudEvents).toEqual(accepted);
  });
});

describe('other routes', () => {
  it('answers unknown routes with a JSON 404', async () => {
    const response = await fetch(`${app.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'No route for GET /nope.' });
  });

  it('serves the page, telling it the ping interval, and its script', async () => {
    const page = await fetch(`${app.url}/`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/player.js"></script>');
    expect(html).toContain('<meta name="heartbeat-ms" content="30000" />');
    const script = await fetch(`${app.url}/player.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await script.text()).length).toBeGreaterThan(1000);
  });
});
