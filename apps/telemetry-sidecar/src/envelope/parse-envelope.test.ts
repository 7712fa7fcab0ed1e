import { HttpError } from '@resumable-sse/demo-support';
import { createAttachmentEnvelopeItem, createEnvelope, type Envelope, serializeEnvelope } from '@sentry/core';
import { describe, expect, it } from 'vitest';
import { envelopeToJson, parseSentryEnvelope } from './parse-envelope.ts';

const utf8 = new TextEncoder();

function bytes(text: string): Uint8Array {
  return utf8.encode(text);
}

function malformed(body: string | Uint8Array): HttpError {
  try {
    parseSentryEnvelope(typeof body === 'string' ? bytes(body) : body);
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
    const parsed = parseSentryEnvelope(typeof serialized === 'string' ? bytes(serialized) : serialized);
    expect(parsed).toEqual([
      { event_id: 'abc', sent_at: '2025-01-01T00:00:00.000Z' },
      [[{ type: 'event' }, { event_id: 'abc', message: 'hi\nthere', level: 'info' }]],
    ]);
  });

  it('carries a binary attachment as base64 and a text one as text', () => {
    const binary = new Uint8Array([0xff, 0x00, 0x0a, 0xfe]);
    const envelope = createEnvelope<Envelope>({ event_id: 'abc' }, [
      createAttachmentEnvelopeItem({ filename: 'dump.bin', data: binary }),
      createAttachmentEnvelopeItem({ filename: 'notes.txt', data: 'line 1\nline 2' }),
    ] as never);
    const parsed = parseSentryEnvelope(serializeEnvelope(envelope) as Uint8Array);
    expect(parsed[1]).toEqual([
      [
        expect.objectContaining({ type: 'attachment', filename: 'dump.bin', length: 4 }),
        { base64: '/wAK/g==' },
      ],
      [expect.objectContaining({ type: 'attachment', filename: 'notes.txt', length: 13 }), 'line 1\nline 2'],
    ]);
  });

  it('reads a length-framed JSON payload (as other SDKs send events) as JSON', () => {
    const payload = '{"message":"framed"}';
    const parsed = parseSentryEnvelope(
      bytes(`{}\n{"type":"event","length":${payload.length}}\n${payload}\n`),
    );
    expect(parsed[1]).toEqual([[{ type: 'event', length: payload.length }, { message: 'framed' }]]);
  });

  it('accepts an envelope without items, and without a trailing newline', () => {
    expect(parseSentryEnvelope(bytes('{"event_id":"x"}'))).toEqual([{ event_id: 'x' }, []]);
    expect(parseSentryEnvelope(bytes('{}\n{"type":"event"}\n{"a":1}'))).toEqual([
      {},
      [[{ type: 'event' }, { a: 1 }]],
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
    const deep = parseSentryEnvelope(
      bytes(`{}\n{"type":"event"}\n${'['.repeat(200_000)}${']'.repeat(200_000)}\n`),
    );
    expect(() => envelopeToJson(deep)).toThrow(/nested too deeply/);
    expect(envelopeToJson([{}, []])).toBe('[{},[]]');
  });
});
