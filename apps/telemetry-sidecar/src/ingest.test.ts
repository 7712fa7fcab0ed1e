import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { postStreamedBody, type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  errorEnvelope,
  messageEnvelope,
  newEventId,
  postEnvelope,
  SIDECAR_ENTRY,
} from './test-support/envelopes.ts';
import { replayStream } from './test-support/read-stream.ts';

const MAX_BODY_BYTES = 64 * 1024;
const MAX_ENVELOPE_BYTES = 256 * 1024;

let app: RunningApp;
/** Event ids of the envelopes the sidecar accepted, in order. */
const accepted: string[] = [];

beforeAll(async () => {
  app = await startApp({
    entry: SIDECAR_ENTRY,
    env: {
      STORE: 'memory',
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      MAX_ENVELOPE_BYTES: String(MAX_ENVELOPE_BYTES),
      // No heartbeats: the page must then not expect any (the client's own default is 30 s).
      HEARTBEAT_MS: '0',
    },
  });
});

afterAll(async () => {
  await app?.stop();
});

async function headCount(): Promise<number> {
  const health = (await (await fetch(`${app.url}/health`)).json()) as { envelopes: number };
  return health.envelopes;
}

async function expectRefused(
  status: number,
  body: string | Uint8Array,
  headers: Record<string, string>,
  message: RegExp,
): Promise<void> {
  const before = await headCount();
  const response = await fetch(`${app.url}/stream`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const json = (await response.json()) as { error: string };
  expect(Object.keys(json)).toEqual(['error']);
  expect(json.error).toMatch(message);
  expect(await headCount()).toBe(before);
}

const ENVELOPE = { 'content-type': 'application/x-sentry-envelope' };

describe('POST /stream takes one envelope per request', () => {
  it.each([
    ['plain', (text: string) => text, {}],
    ['gzip', (text: string) => gzipSync(text), { 'content-encoding': 'gzip' }],
    ['deflate', (text: string) => deflateSync(text), { 'content-encoding': 'deflate' }],
    ['br', (text: string) => brotliCompressSync(text), { 'content-encoding': 'br' }],
  ] as const)('%s', async (_, encode, headers) => {
    const eventId = newEventId();
    const { status, body } = await postEnvelope(
      app.url,
      encode(errorEnvelope(eventId, `boom ${_}`)),
      headers,
    );
    expect(status).toBe(200);
    expect(body).toEqual({ id: expect.stringMatching(/^[A-Za-z0-9._~-]+$/), duplicate: false });
    accepted.push(eventId);
  });

  it('accepts a content type with parameters, in any case', async () => {
    const eventId = newEventId();
    const { status } = await postEnvelope(app.url, messageEnvelope(eventId, 'hello'), {
      'content-type': 'Application/X-Sentry-Envelope; charset=utf-8',
    });
    expect(status).toBe(200);
    accepted.push(eventId);
  });

  it('stores an envelope sent again (same event_id) once', async () => {
    const eventId = newEventId();
    const first = await postEnvelope(app.url, messageEnvelope(eventId, 'retried'));
    const again = await postEnvelope(app.url, messageEnvelope(eventId, 'retried'));
    expect(again).toEqual({ status: 200, body: { id: (first.body as { id: string }).id, duplicate: true } });
    accepted.push(eventId);
  });

  it('each accepted envelope is one event on GET /stream, in order, with an id', async () => {
    const { events, envelopes } = await replayStream(app.url);
    expect(events.map((event) => event.event)).toEqual(accepted.map(() => 'application/x-sentry-envelope'));
    expect(events.every((event) => typeof event.id === 'string' && event.id.length > 0)).toBe(true);
    expect(envelopes.map((envelope) => (envelope as [{ event_id: string }])[0].event_id)).toEqual(accepted);
    expect((envelopes[0] as [unknown, [[unknown, { exception: unknown }]]])[1][0][1].exception).toEqual({
      values: [expect.objectContaining({ type: 'Error', value: 'boom plain' })],
    });
  });
});

describe('POST /stream refuses bad input with a JSON error and stores nothing', () => {
  const envelope = () => errorEnvelope(newEventId(), 'never stored');

  it('415 without a content type', async () => {
    await expectRefused(
      415,
      new TextEncoder().encode(envelope()),
      {},
      /^Content-Type must be application\/x-sentry-envelope\.$/,
    );
  });

  it('415 for another content type', async () => {
    await expectRefused(415, envelope(), { 'content-type': 'application/json' }, /not application\/json/);
  });

  it('415 for an unknown Content-Encoding', async () => {
    await expectRefused(
      415,
      envelope(),
      { ...ENVELOPE, 'content-encoding': 'zstd' },
      /"zstd" is not supported/,
    );
  });

  it('400 for a body that is not an envelope', async () => {
    await expectRefused(400, 'hello world', ENVELOPE, /^Not a valid Sentry envelope: /);
    await expectRefused(400, '{}\n{"type":"event"}\n{broken\n', ENVELOPE, /^Not a valid Sentry envelope: /);
    await expectRefused(400, '', ENVELOPE, /the body is empty/);
  });

  it('400 for a body that is not what its Content-Encoding says', async () => {
    await expectRefused(400, envelope(), { ...ENVELOPE, 'content-encoding': 'gzip' }, /not valid gzip data/);
  });

  it('413 for a body over MAX_BODY_BYTES', async () => {
    const big = `{}\n{"type":"event"}\n{"message":"${'x'.repeat(MAX_BODY_BYTES)}"}\n`;
    await expectRefused(413, big, ENVELOPE, new RegExp(`larger than ${MAX_BODY_BYTES} bytes`));
  });

  it('413 for a streamed body without Content-Length, answered while the upload goes on', async () => {
    const before = await headCount();
    const { status, body, sentWhenAnswered } = await postStreamedBody(
      `${app.url}/stream`,
      ENVELOPE,
      64 * MAX_BODY_BYTES,
    );
    expect(status).toBe(413);
    expect(JSON.parse(body)).toEqual({ error: `Request body is larger than ${MAX_BODY_BYTES} bytes.` });
    // Refused as soon as the limit passed, not after reading the whole upload.
    expect(sentWhenAnswered).toBeLessThan(64 * MAX_BODY_BYTES);
    expect(await headCount()).toBe(before);
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ] as const)(
    '413 for a %s body that inflates past MAX_ENVELOPE_BYTES (a small bomb)',
    async (coding, compress) => {
      const inflated = `{}\n{"type":"event"}\n{"message":"${'x'.repeat(4 * MAX_ENVELOPE_BYTES)}"}\n`;
      const bomb = compress(inflated);
      expect(bomb.byteLength).toBeLessThan(MAX_BODY_BYTES);
      await expectRefused(
        413,
        bomb,
        { ...ENVELOPE, 'content-encoding': coding },
        /Decompressed request body is larger/,
      );
    },
  );

  it('stored none of them', async () => {
    expect(await headCount()).toBe(accepted.length);
    const { envelopes } = await replayStream(app.url);
    expect(envelopes).toHaveLength(accepted.length);
  });
});

describe('other routes', () => {
  it('answers unknown routes with a JSON 404', async () => {
    const response = await fetch(`${app.url}/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'No route for GET /nope.' });
  });

  it('lets a browser app on a loopback origin post envelopes, and no other origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${app.url}/stream`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
    const local = await preflight('http://localhost:5173');
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(local.headers.get('access-control-allow-methods')).toContain('POST');
    const remote = await preflight('https://example.com');
    expect(remote.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves the Spotlight UI at / and its deep links, and its bundled files only', async () => {
    for (const path of ['/', '/telemetry/errors']) {
      const page = await fetch(`${app.url}${path}`);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain(
        '<script type="module" crossorigin src="/assets/main.js"></script>',
      );
    }
    const main = await fetch(`${app.url}/assets/main.js`);
    expect(main.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await main.text()).length).toBeGreaterThan(1000);
    const css = await fetch(`${app.url}/assets/main.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    for (const path of ['/assets/../package.json', '/assets/%2e%2e%2fpackage.json', '/assets/nope.js']) {
      const refused = await fetch(`${app.url}${path}`);
      expect(refused.status).toBe(404);
      expect(await refused.json()).toHaveProperty('error');
    }
  });

  it('serves the overlay page at /overlay, telling it HEARTBEAT_MS, and its script', async () => {
    const page = await fetch(`${app.url}/overlay`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/overlay.js"></script>');
    expect(html).toContain('<meta name="heartbeat-ms" content="0" />');
    const script = await fetch(`${app.url}/overlay.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await script.text()).length).toBeGreaterThan(1000);
  });
});
