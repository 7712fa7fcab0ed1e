import { HttpError } from '@resumable-sse/demo-support';
import { CloudEvent, HTTP } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { parseCloudEvents } from './parse-cloudevents.ts';

const STRUCTURED = { 'content-type': 'application/cloudevents+json' };
const BATCH = { 'content-type': 'application/cloudevents-batch+json' };
const VALID = { specversion: '1.0', id: 'order-1', source: '/orders', type: 'com.example.order.created' };

const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

function refusal(run: () => unknown): { status: number; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpError) return { status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected an HttpError');
}

describe('structured mode', () => {
  it('keeps the event as sent: time untouched, extensions and falsy data kept', () => {
    const sent = {
      ...VALID,
      time: '2025-10-26T12:34:56.789012+02:00',
      subject: 'order-1',
      traceparent: 'x',
      data: 0,
    };
    expect(parseCloudEvents(STRUCTURED, bytes(sent))).toEqual([sent]);
  });

  it('adds no time when none was sent, and reads a content type with parameters', () => {
    const [event] = parseCloudEvents(
      { 'Content-Type': 'Application/CloudEvents+JSON; charset=UTF-8' },
      bytes(VALID),
    );
    expect(event).toEqual(VALID);
  });

  it('carries binary data as data_base64', () => {
    const sent = { ...VALID, datacontenttype: 'image/png', data_base64: 'AQID' };
    expect(parseCloudEvents(STRUCTURED, bytes(sent))).toEqual([sent]);
  });

  it.each(['id', 'source', 'type', 'specversion'])('refuses an event without %s, naming it', (name) => {
    const { [name as keyof typeof VALID]: _, ...rest } = VALID;
    expect(refusal(() => parseCloudEvents(STRUCTURED, bytes(rest)))).toEqual({
      status: 400,
      message: `Missing required attribute "${name}".`,
    });
  });

  it.each([
    [{ id: '' }, 'Attribute "id" must not be empty.'],
    [{ id: 42 }, 'Attribute "id" must be string.'],
    [{ source: 'not a uri' }, 'Attribute "source" must match format "uri-reference".'],
    [{ type: '' }, 'Attribute "type" must not be empty.'],
    [{ time: 'yesterday' }, 'Attribute "time" must match format "date-time".'],
    [{ subject: '' }, 'Attribute "subject" must NOT have fewer than 1 characters.'],
    [{ dataschema: 'relative/path' }, 'Attribute "dataschema" must match format "uri".'],
    [{ specversion: '0.3' }, 'Attribute "specversion" is "0.3": this player reads CloudEvents 1.0'],
    [{ Priority: 'high' }, 'Invalid extension name: Priority'],
  ])('refuses %j with a message naming the attribute', (change, message) => {
    const result = refusal(() => parseCloudEvents(STRUCTURED, bytes({ ...VALID, ...change })));
    expect(result.status).toBe(400);
    expect(result.message.startsWith(message)).toBe(true);
  });

  it('refuses bodies that are not one JSON object', () => {
    expect(refusal(() => parseCloudEvents(STRUCTURED, bytes('{"id":')))).toMatchObject({
      status: 400,
      message: expect.stringMatching(/^The request body is not valid JSON: /),
    });
    expect(refusal(() => parseCloudEvents(STRUCTURED, bytes([VALID]))).message).toMatch(
      /application\/cloudevents-batch\+json/,
    );
    expect(refusal(() => parseCloudEvents(STRUCTURED, bytes(''))).message).toMatch(/body is empty/);
    expect(refusal(() => parseCloudEvents(STRUCTURED, new Uint8Array([0x7b, 0xff, 0x7d]))).message).toMatch(
      /UTF-8/,
    );
  });
});

describe('batch mode', () => {
  it('returns every event, in order', () => {
    const events = [VALID, { ...VALID, id: 'order-2' }];
    expect(parseCloudEvents(BATCH, bytes(events))).toEqual(events);
  });

  it('refuses the whole batch for one bad event, naming its index and attribute', () => {
    const events = [VALID, { ...VALID, id: 'order-2' }, { ...VALID, id: 'order-3', source: undefined }];
    expect(refusal(() => parseCloudEvents(BATCH, bytes(events)))).toEqual({
      status: 400,
      message: 'Event at index 2 of the batch: missing required attribute "source".',
    });
    expect(refusal(() => parseCloudEvents(BATCH, bytes([VALID, 'x']))).message).toBe(
      'Event at index 1 of the batch: not a JSON object.',
    );
    expect(refusal(() => parseCloudEvents(BATCH, bytes(VALID))).message).toBe(
      'A batch body is a JSON array of events.',
    );
  });

  it('accepts an empty batch', () => {
    expect(parseCloudEvents(BATCH, bytes([]))).toEqual([]);
  });
});

describe('binary mode', () => {
  it('reads what the SDK itself sends in binary mode', () => {
    const sent = new CloudEvent({ ...VALID, subject: 'order-1', data: { amount: 99.99 }, priority: 'high' });
    const message = HTTP.binary(sent);
    const [event] = parseCloudEvents(message.headers, bytes(message.body as string));
    expect(event).toEqual({ ...sent.toJSON(), datacontenttype: 'application/json; charset=utf-8' });
  });

  it('keeps text and carries other media types as base64', () => {
    const headers = { 'ce-id': 'b1', 'ce-source': '/s', 'ce-type': 't', 'ce-specversion': '1.0' };
    expect(parseCloudEvents({ ...headers, 'content-type': 'text/plain' }, bytes('hello'))).toEqual([
      { id: 'b1', source: '/s', type: 't', specversion: '1.0', datacontenttype: 'text/plain', data: 'hello' },
    ]);
    expect(parseCloudEvents({ ...headers, 'content-type': 'image/png' }, new Uint8Array([1, 2, 3]))).toEqual([
      {
        id: 'b1',
        source: '/s',
        type: 't',
        specversion: '1.0',
        datacontenttype: 'image/png',
        data_base64: 'AQID',
      },
    ]);
  });

  it.each(['id', 'source', 'type', 'specversion'])(
    'refuses a request without ce-%s, naming the header',
    (name) => {
      const headers: Record<string, string> = {
        'ce-id': 'b1',
        'ce-source': '/s',
        'ce-type': 't',
        'ce-specversion': '1.0',
      };
      delete headers[`ce-${name}`];
      expect(
        refusal(() => parseCloudEvents({ ...headers, 'content-type': 'text/plain' }, bytes('x'))),
      ).toEqual({
        status: 400,
        message: `Missing required attribute "${name}" (header ce-${name}).`,
      });
    },
  );

  it('refuses an unreadable ce-time and JSON data that is not JSON', () => {
    const headers = { 'ce-id': 'b1', 'ce-source': '/s', 'ce-type': 't', 'ce-specversion': '1.0' };
    expect(refusal(() => parseCloudEvents({ ...headers, 'ce-time': 'soon' }, bytes('x'))).message).toBe(
      'Attribute "time" must match format "date-time".',
    );
    expect(
      refusal(() => parseCloudEvents({ ...headers, 'content-type': 'application/json' }, bytes('{nope')))
        .message,
    ).toMatch(/^The body is not valid JSON although Content-Type is application\/json: /);
  });
});

describe('content type', () => {
  it.each([
    [{}, 'Content-Type is missing'],
    [{ 'content-type': 'application/json' }, 'Content-Type application/json carries no CloudEvent'],
    [
      { 'content-type': 'application/cloudevents+xml' },
      'Content-Type application/cloudevents+xml is an event format',
    ],
  ])('415 for %j', (headers, message) => {
    const result = refusal(() => parseCloudEvents(headers, bytes(VALID)));
    expect(result.status).toBe(415);
    expect(result.message.startsWith(message)).toBe(true);
  });
});
