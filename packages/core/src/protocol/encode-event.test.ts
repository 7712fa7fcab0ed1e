import { createParser, type EventSourceMessage } from 'eventsource-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isResumableSseError } from '../errors.ts';
import { thrownBy } from '../test-support/thrown-by.ts';
import {
  encodeComment,
  encodeCommentBytes,
  encodeEvent,
  encodeEventBytes,
  HEARTBEAT_FRAME,
  type SseEventFields,
} from './encode-event.ts';

interface Parsed {
  events: EventSourceMessage[];
  retries: number[];
  comments: string[];
  errors: string[];
}

function parse(stream: string): Parsed {
  const parsed: Parsed = { events: [], retries: [], comments: [], errors: [] };
  const parser = createParser({
    onEvent: (event) => parsed.events.push(event),
    onRetry: (retry) => parsed.retries.push(retry),
    onComment: (comment) => parsed.comments.push(comment),
    onError: (error) => parsed.errors.push(error.message),
  });
  parser.feed(stream);
  return parsed;
}

/** What a conforming parser hands back as `data`: every line break becomes LF. */
const normalizeLineBreaks = (text: string) => text.replace(/\r\n|\r|\n/g, '\n');

// Line breaks are over-represented so CR/LF/CRLF mixes (and a CR right before an LF) are common.
const lineBreakHeavyText = (unit: 'binary' | 'grapheme-ascii') =>
  fc.string({
    unit: fc.oneof(
      { weight: 3, arbitrary: fc.string({ unit, minLength: 1, maxLength: 1 }) },
      { weight: 1, arbitrary: fc.constantFrom('\r', '\n', '\r\n', '\n\r', ' ', ':', '\0', '\uFEFF') },
    ),
    maxLength: 40,
  });
const lineSafeText = fc
  .string({ unit: 'binary', maxLength: 30 })
  .map((text) => text.replace(/[\r\n\0]/g, '_'));
// UTF-16 code units, lone surrogates included: the string form must carry them through untouched.
const anyCodeUnits = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  maxLength: 40,
});

const fieldsArbitrary = fc.record(
  {
    id: lineSafeText,
    event: lineSafeText,
    data: fc.oneof(lineBreakHeavyText('binary'), lineBreakHeavyText('grapheme-ascii'), anyCodeUnits),
    retry: fc.maxSafeNat(),
    comment: lineBreakHeavyText('grapheme-ascii'),
  },
  { requiredKeys: ['data'] },
);

function expectRoundTrip(fields: SseEventFields & { data: string }, parsed: Parsed) {
  expect(parsed.errors).toEqual([]);
  expect(parsed.events).toEqual([
    {
      id: fields.id,
      // The parser (like a browser) treats an empty event name as the default type.
      event: fields.event === '' ? undefined : fields.event,
      data: normalizeLineBreaks(fields.data),
    },
  ]);
  expect(parsed.retries).toEqual(fields.retry === undefined ? [] : [fields.retry]);
  expect(parsed.comments).toEqual(fields.comment === undefined ? [] : fields.comment.split(/\r\n|\r|\n/));
}

describe('encodeEvent framing', () => {
  it('writes every field as "name: value" and ends the frame with a blank line', () => {
    expect(encodeEvent({ comment: 'hi', retry: 1000, id: 'e1.a', event: 'token', data: 'x' })).toBe(
      ': hi\nretry: 1000\nid: e1.a\nevent: token\ndata: x\n\n',
    );
  });

  it('splits data on LF, CR and CRLF into one data line each, a CRLF counting once', () => {
    expect(encodeEvent({ data: 'a\nb\rc\r\nd' })).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
    expect(encodeEvent({ data: 'a\r\n' })).toBe('data: a\ndata: \n\n');
    expect(encodeEvent({ data: '\n\r' })).toBe('data: \ndata: \ndata: \n\n');
  });

  it('writes one empty data line for empty data, so the event is still dispatched', () => {
    expect(encodeEvent({ data: '' })).toBe('data: \n\n');
    expect(parse(encodeEvent({ data: '' })).events).toEqual([{ id: undefined, event: undefined, data: '' }]);
  });

  it('writes no data line when data is absent', () => {
    expect(encodeEvent({ id: 'e1.0' })).toBe('id: e1.0\n\n');
    expect(encodeEvent({ retry: 5 })).toBe('retry: 5\n\n');
    expect(encodeEvent({})).toBe('\n');
  });

  it('keeps a value that starts with a space (the parser strips exactly one)', () => {
    const parsed = parse(encodeEvent({ id: ' i', event: ' e', data: '  two\n x', comment: ' c' }));
    expect(parsed.events).toEqual([{ id: ' i', event: ' e', data: '  two\n x' }]);
    expect(parsed.comments).toEqual([' c']);
  });

  it('writes an empty id (it clears the browser Last-Event-ID) and omits an empty event name', () => {
    expect(encodeEvent({ id: '', event: '', data: 'x' })).toBe('id: \ndata: x\n\n');
  });

  it('splits a comment on line breaks so it cannot become a field', () => {
    expect(encodeEvent({ comment: 'a\ndata: injected\r\nb\rc' })).toBe(': a\n: data: injected\n: b\n: c\n\n');
    expect(parse(encodeEvent({ comment: 'a\ndata: injected' })).events).toEqual([]);
  });

  it('lets NUL and unicode through in data', () => {
    const data = 'nul\0 é 😀 \uFEFF';
    expect(parse(encodeEvent({ data })).events).toEqual([{ id: undefined, event: undefined, data }]);
  });
});

describe('encodeEvent validation', () => {
  it.each([
    ['id', 'a\nb'],
    ['id', 'a\rb'],
    ['id', 'a\r\nb'],
    ['id', 'a\0b'],
    ['event', 'a\nb'],
    ['event', 'a\rb'],
    ['event', '\0'],
  ] as const)('throws INVALID_FIELD for %s %j', (field, value) => {
    const error = thrownBy(() => encodeEvent({ [field]: value, data: 'x' }));
    expect(isResumableSseError(error, 'INVALID_FIELD')).toBe(true);
    expect((error as Error).message).toMatch(/must not contain CR, LF or NUL/);
    expect((error as Error).message).toMatch(/remove line breaks/);
  });

  it.each([
    ['data', { data: { a: 1 } }],
    ['data', { data: 42 }],
    ['id', { id: 7 }],
    ['event', { event: Symbol.iterator }],
    ['comment', { comment: ['x'] }],
  ])('throws INVALID_FIELD for a non-string %s', (_field, fields) => {
    const error = thrownBy(() => encodeEvent(fields as unknown as SseEventFields));
    expect(isResumableSseError(error, 'INVALID_FIELD')).toBe(true);
  });

  it('tells the caller to serialize non-string data', () => {
    expect(() => encodeEvent({ data: {} as unknown as string })).toThrow(/JSON\.stringify/);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e21, Number.MAX_SAFE_INTEGER + 1, '1000'])(
    'throws INVALID_RETRY for retry %j',
    (retry) => {
      const error = thrownBy(() => encodeEvent({ retry: retry as number }));
      expect(isResumableSseError(error, 'INVALID_RETRY')).toBe(true);
      expect((error as Error).message).toMatch(/whole number/);
    },
  );

  it('accepts retry 0 and the largest safe integer, written as plain digits', () => {
    expect(encodeEvent({ retry: 0 })).toBe('retry: 0\n\n');
    expect(encodeEvent({ retry: Number.MAX_SAFE_INTEGER })).toBe(`retry: ${Number.MAX_SAFE_INTEGER}\n\n`);
    expect(parse(encodeEvent({ retry: 3000 })).retries).toEqual([3000]);
  });
});

describe('comments and bytes', () => {
  it('encodes a comment-only frame; the heartbeat is the shortest one', () => {
    expect(encodeComment('keep-alive')).toBe(': keep-alive\n\n');
    expect(encodeComment()).toBe(':\n\n');
    expect(HEARTBEAT_FRAME).toBe(':\n\n');
    expect(parse(HEARTBEAT_FRAME)).toEqual({ events: [], retries: [], comments: [''], errors: [] });
  });

  it('encodes frames as UTF-8 bytes', () => {
    const bytes = encodeEventBytes({ id: 'é', data: '😀' });
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(bytes)).toEqual(Array.from(Buffer.from('id: é\ndata: 😀\n\n', 'utf8')));
    expect(new TextDecoder().decode(encodeCommentBytes('a\nb'))).toBe(': a\n: b\n\n');
  });
});

describe('encodeEvent properties (parsed back by eventsource-parser)', () => {
  it('round-trips id, event, data (line breaks normalised to LF), retry and comments exactly', () => {
    fc.assert(
      fc.property(fieldsArbitrary, (fields) => {
        expectRoundTrip(fields, parse(encodeEvent(fields)));
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips through UTF-8 bytes for well-formed text', () => {
    const wellFormed = fieldsArbitrary.filter((fields) => !/\p{Cs}/u.test(fields.data));
    fc.assert(
      fc.property(wellFormed, (fields) => {
        expectRoundTrip(fields, parse(new TextDecoder().decode(encodeEventBytes(fields))));
      }),
      { numRuns: 500 },
    );
  });

  it('never lets data or a comment inject a field or an extra event: one frame is one event', () => {
    const frames = fc.array(
      fc.record({ data: lineBreakHeavyText('binary'), comment: lineBreakHeavyText('binary') }),
      {
        minLength: 1,
        maxLength: 5,
      },
    );
    fc.assert(
      fc.property(frames, (list) => {
        const stream = list
          .map(({ data, comment }) => encodeEvent({ id: 'e.1', event: 'x', data, comment }))
          .join('');
        const parsed = parse(stream);
        expect(parsed.errors).toEqual([]);
        expect(parsed.retries).toEqual([]);
        expect(parsed.events).toEqual(
          list.map(({ data }) => ({ id: 'e.1', event: 'x', data: normalizeLineBreaks(data) })),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects every id or event that holds CR, LF or NUL', () => {
    const withBreak = fc
      .tuple(lineSafeText, fc.constantFrom('\r', '\n', '\0'), lineSafeText)
      .map(([a, bad, b]) => a + bad + b);
    fc.assert(
      fc.property(withBreak, fc.constantFrom('id', 'event'), (value, field) => {
        expect(
          isResumableSseError(
            thrownBy(() => encodeEvent({ [field]: value, data: '' })),
            'INVALID_FIELD',
          ),
        ).toBe(true);
      }),
    );
  });
});
