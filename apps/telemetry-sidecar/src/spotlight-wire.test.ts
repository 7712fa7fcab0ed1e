import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort, type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import { createAttachmentEnvelopeItem, createEnvelope, type Envelope, serializeEnvelope } from '@sentry/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  errorEnvelope,
  messageEnvelope,
  newEventId,
  SIDECAR_ENTRY,
  transactionEnvelope,
} from './test-support/envelopes.ts';

const REAL_SIDECAR = fileURLToPath(new URL('./test-support/real-sidecar.ts', import.meta.url));
const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let ours: RunningApp;
let real: ChildProcess;
let realUrl: string;

beforeAll(async () => {
  const port = await freePort();
  real = spawn(process.execPath, [REAL_SIDECAR], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(real.stdout!, 'data')) as [Buffer];
  expect(line.toString()).toContain('real sidecar listening');
  realUrl = `http://localhost:${port}`;
  ours = await startApp({ entry: SIDECAR_ENTRY, env: { STORE: 'memory' } });
});
afterAll(async () => {
  real?.kill('SIGKILL');
  await ours?.stop();
});

function toBytes(serialized: string | Uint8Array): Uint8Array {
  return typeof serialized === 'string' ? new TextEncoder().encode(serialized) : serialized;
}

/** One of each shape a Spotlight UI meets: error, message, transaction, logs, attachments, statsd, framed JSON. */
function envelopes(): { body: Uint8Array; userAgent: string }[] {
  const eventId = newEventId();
  const node = 'node';
  const withFiles = createEnvelope<Envelope>(
    { event_id: eventId, sdk: { name: 'sentry.javascript.node', version: '11.12.0' } },
    [
      [{ type: 'event' }, { event_id: eventId, message: 'with files', platform: 'node' }],
      createAttachmentEnvelopeItem({ filename: 'dump.bin', data: new Uint8Array([0, 1, 2, 255, 10]) }),
      createAttachmentEnvelopeItem({
        filename: 'order.json',
        data: '{"order": 17}',
        contentType: 'application/json',
      }),
      createAttachmentEnvelopeItem({ filename: 'notes.txt', data: 'plain text' }),
    ] as never,
  );
  const logs = createEnvelope<Envelope>({ sdk: { name: 'sentry.javascript.browser', version: '11.12.0' } }, [
    [
      { type: 'log', item_count: 2, content_type: 'application/vnd.sentry.items.log+json' },
      {
        items: [
          { timestamp: 1, level: 'info', body: 'Order shipped' },
          { timestamp: 2, level: 'warn', body: 'Stock low' },
        ],
      },
    ],
  ] as never);
  const framed = '{"message":"framed","platform":"python"}';
  return [
    { body: toBytes(errorEnvelope(newEventId(), 'Payment declined')), userAgent: node },
    { body: toBytes(messageEnvelope(newEventId(), 'Order shipped')), userAgent: BROWSER_UA },
    { body: toBytes(transactionEnvelope(newEventId(), 'GET /orders/1', 120)), userAgent: node },
    { body: toBytes(serializeEnvelope(withFiles)), userAgent: node },
    { body: toBytes(serializeEnvelope(logs)), userAgent: BROWSER_UA },
    {
      body: toBytes(`{"sdk":{"name":"sentry.cocoa"}}\n{"type":"statsd","length":9}\nhits:1|c\n\n`),
      userAgent: 'sentry-cocoa',
    },
    {
      body: toBytes(`{}\n{"type":"event","length":${framed.length}}\n${framed}\n`),
      userAgent: 'python-requests/2.32',
    },
  ];
}

/** The envelope frames `GET /stream?base64=1` (as the UI asks) sends, until `count` arrived. */
async function frames(baseUrl: string, count: number): Promise<{ event: string; data: unknown }[]> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/stream?base64=1&client=spotlight-ui`, {
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const found: { event: string; data: unknown }[] = [];
  while (found.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    let end = text.indexOf('\n\n');
    while (end !== -1) {
      const frame = text.slice(0, end);
      text = text.slice(end + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = frame
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (event?.startsWith('application/x-sentry-envelope')) found.push({ event, data: JSON.parse(data) });
      end = text.indexOf('\n\n');
    }
  }
  controller.abort();
  return found;
}

it('sends the same /stream data as Spotlight’s own sidecar for the same envelopes', async () => {
  const sent = envelopes();
  for (const { body, userAgent } of sent) {
    for (const base of [realUrl, ours.url]) {
      const answer = await fetch(`${base}/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-sentry-envelope', 'user-agent': userAgent },
        body: new Uint8Array(body),
      });
      expect(answer.status, base).toBe(200);
    }
  }
  const [theirs, mine] = await Promise.all([frames(realUrl, sent.length), frames(ours.url, sent.length)]);
  expect(mine).toHaveLength(sent.length);
  // Each sidecar gives its own UUIDv7 at ingest; everything else is the same.
  const withoutId = (list: { event: string; data: unknown }[]) =>
    list.map(({ event, data }) => {
      const [headers, items] = data as [Record<string, unknown>, unknown];
      expect(headers.__spotlight_envelope_id).toMatch(UUID_V7);
      const { __spotlight_envelope_id: _, ...rest } = headers;
      return { event, data: [rest, items] };
    });
  expect(withoutId(mine)).toEqual(withoutId(theirs));
  expect(mine.every(({ event }) => event === 'application/x-sentry-envelope;base64')).toBe(true);
});
