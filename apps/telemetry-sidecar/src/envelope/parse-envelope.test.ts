import { HttpError } from '@resumable-sse/demo-support';
import { createAttachmentEnvelopeItem, createEnvelope, type Envelope, serializeEnvelope } from '@sentry/core';
import { describe, expect, it } from 'vitest';
import { parseSentryEnvelope } from './parse-envelope.ts';
import { envelopeToJson, toSpotlightEnvelope } from './spotlight-envelope.ts';

const utf8 = new TextEncoder();

function bytes(text: string): Uint8Array {
  return utf8.encode(text);
}

const ENVELOPE_ID = '01900000-0000-7000-8000-000000000000';

/** What the sidecar stores for a body: parsed, then shaped as Spotlight's UI reads it. */
function shaped(body: Uint8Array) {
  return toSpotlightEnvelope(parseSentryEnvelope(body), { envelopeId: ENVELOPE_ID });
}

function malformed(body: string | Uint8Array): HttpError {
  try {
    shaped(typeof body === 'string' ? bytes(body) : body);
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(400);
    return error as HttpError;
  }
  throw new Error('expected a 400');
}

describe('parseSentryEnvelope', () => {
  it('reads an envelope serialized by the Sentry SDK', () => {
    const envelope = createEnvelope<Envelope>({ event_id: 'abc', sent_at: '2025-01-01T00:00:00.000Z' }, [
      [{ type: 'event' }, { event_id: 'abc', message: 'hi\nthere', level: 'info' }],
    ] as never);
    const serialized = serializeEnvelope(envelope);
    const parsed = shaped(typeof serialized === 'string' ? bytes(serialized) : serialized);
    expect(parsed).toEqual([
      {
        event_id: 'abc',
        sent_at: '2025-01-01T00:00:00.000Z',
        __spotlight_envelope_id: ENVELOPE_ID,
        __spotlight_inferred_source: 'server',
      },
      // The payload gains its item's type: Spotlight's UI sorts items by it.
      [[{ type: 'event' }, { event_id: 'abc', message: 'hi\nthere', level: 'info', type: 'event' }]],
    ]);
  });

  it('carries attachments as { data }: base64, or text for a text content type', () => {
    const binary = new Uint8Array([0xff, 0x00, 0x0a, 0xfe]);
    const envelope = createEnvelope<Envelope>({ event_id: 'abc' }, [
      createAttachmentEnvelopeItem({ filename: 'dump.bin', data: binary }),
      createAttachmentEnvelopeItem({
        filename: 'notes.txt',
        data: 'line 1\nline 2',
        contentType: 'text/plain',
      }),
      createAttachmentEnvelopeItem({ filename: 'other.txt', data: 'plain' }),
    ] as never);
    const parsed = shaped(serializeEnvelope(envelope) as Uint8Array);
    expect(parsed[1]).toEqual([
      [
        expect.objectContaining({ type: 'attachment', filename: 'dump.bin', length: 4 }),
        { data: '/wAK/g==' },
      ],
      [
        expect.objectContaining({ type: 'attachment', filename: 'notes.txt', length: 13 }),
        { data: 'line 1\nline 2' },
      ],
      // Without a text content type, Spotlight's sidecar sends base64; so do we.
      [expect.objectContaining({ type: 'attachment', filename: 'other.txt' }), { data: 'cGxhaW4=' }],
    ]);
  });

  it('reads a length-framed JSON payload (as other SDKs send events) as JSON, and framed bytes as { data }', () => {
    const payload = '{"message":"framed"}';
    const parsed = shaped(
      bytes(
        `{}\n{"type":"event","length":${payload.length}}\n${payload}\n{"type":"replay_recording","length":3}\n\u0001\u0002\u0003\n`,
      ),
    );
    expect(parsed[1]).toEqual([
      [
        { type: 'event', length: payload.length },
        { message: 'framed', type: 'event' },
      ],
      [{ type: 'replay_recording', length: 3 }, { data: 'AQID' }],
    ]);
  });

  it('marks the sender: its User-Agent and the inferred source', () => {
    const chrome =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
    const [headers] = toSpotlightEnvelope(
      parseSentryEnvelope(bytes('{}\n{"type":"event"}\n{"platform":"javascript"}\n')),
      {
        envelopeId: ENVELOPE_ID,
        userAgent: chrome,
      },
    );
    expect(headers).toMatchObject({
      __spotlight_sender_user_agent: chrome,
      __spotlight_inferred_source: 'browser',
    });
    const [mobile] = shaped(bytes('{"sdk":{"name":"sentry.cocoa"}}\n'));
    expect(mobile.__spotlight_inferred_source).toBe('mobile');
    const [statsd] = shaped(bytes('{}\n{"type":"statsd","length":5}\na:1|c\n'))[1];
    expect(statsd).toEqual([{ type: 'statsd', length: 5, content_type: 'text/plain' }, { data: 'a:1|c' }]);
  });

  it('accepts an envelope without items, and without a trailing newline', () => {
    expect(shaped(bytes('{"event_id":"x"}'))[1]).toEqual([]);
    expect(shaped(bytes('{}\n{"type":"event"}\n{"a":1}'))[1]).toEqual([
      [{ type: 'event' }, { a: 1, type: 'event' }],
    ]);
  });

  it.each([
    ['an empty body', '', 'the body is empty'],
    ['a header that is not JSON', 'hello\n', 'not valid JSON'],
    ['a header that is an array', '[]\n', 'envelope headers'],
    ['a header that is a number', '42\n', 'envelope headers'],
    [
      'an item header that is not an object',
      '{}\n"event"\n{}\n',
      'item 1: its header line must be a JSON object',
    ],
    ['an item without a type', '{}\n{}\n{}\n', 'item 1: its header needs a "type"'],
    ['an item header without a payload line', '{}\n{"type":"event"}\n', 'not valid JSON'],
    ['a payload that is not JSON', '{}\n{"type":"event"}\nnot json\n', 'not valid JSON'],
    [
      'a declared length longer than the body',
      '{}\n{"type":"attachment","length":100}\nshort\n',
      'declares 100 bytes',
    ],
    // Sentry's parser mis-frames the rest on a bad length; whichever check catches it, it is a 400.
    ['a negative length', '{}\n{"type":"attachment","length":-3}\nabcdef\n', ''],
    ['a fractional length', '{}\n{"type":"attachment","length":1.5}\nabcdef\n', ''],
    ['a string length', '{}\n{"type":"attachment","length":"4"}\nabcd\n', ''],
    ['a fractional length that frames cleanly', '{}\n{"type":"attachment","length":1.5}\na\n', ''],
  ])('refuses %s with 400', (_, body, reason) => {
    const error = malformed(body);
    expect(error.message).toMatch(/^Not a valid Sentry envelope: /);
    expect(error.message).toContain(reason);
  });

  it('refuses JSON nested too deeply to store, with 400', () => {
    const deep = shaped(bytes(`{}\n{"type":"event"}\n${'['.repeat(200_000)}${']'.repeat(200_000)}\n`));
    expect(() => envelopeToJson(deep)).toThrow(/nested too deeply/);
    expect(envelopeToJson(shaped(bytes('{}')))).toBe(
      `[{"__spotlight_envelope_id":"${ENVELOPE_ID}","__spotlight_inferred_source":"server"},[]]`,
    );
  });
});
