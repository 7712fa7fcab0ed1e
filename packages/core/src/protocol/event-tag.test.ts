import { describe, expect, it } from 'vitest';
import { createCursorCodec } from './cursor-codec.ts';
import { EVENT_TAG_LENGTH, eventTag, isEventTag } from './event-tag.ts';

const base = { offset: 21, time: 1_764_000_000_000, event: 'tick' as string | undefined, data: 'payload' };

describe('eventTag', () => {
  it('is 6 chars of [0-9a-z], the same for the same stored event', () => {
    const tag = eventTag(base);
    expect(tag).toHaveLength(EVENT_TAG_LENGTH);
    expect(isEventTag(tag)).toBe(true);
    expect(eventTag({ ...base })).toBe(tag);
  });

  it.each([
    ['another offset', { offset: 22 }],
    ['another append time', { time: base.time + 1 }],
    ['another name', { event: 'tock' }],
    ['no name', { event: undefined }],
    ['other data', { data: 'payloae' }],
    ['longer data', { data: 'payload ' }],
    ['a different start of large data', { data: `X${'y'.repeat(10_000)}` }],
  ])('differs for %s', (_, change) => {
    const large = { ...base, data: `x${'y'.repeat(10_000)}` };
    const reference = 'data' in change && change.data.length > 1_000 ? large : base;
    expect(eventTag({ ...reference, ...change })).not.toBe(eventTag(reference));
  });

  it('costs the same for any size of data (only the ends and the length are read)', () => {
    const ends = (middle: string) => `${'a'.repeat(64)}${middle}${'z'.repeat(64)}`;
    expect(eventTag({ ...base, data: ends('m'.repeat(1_000_000)) })).toBe(
      eventTag({ ...base, data: ends('n'.repeat(1_000_000)) }),
    );
  });
});

describe('cursors with a tag', () => {
  const unsigned = createCursorCodec();
  const checksum = (message: string) =>
    [...message].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) % 1_000_000_007, 7).toString(36);
  const signed = createCursorCodec({ signer: { sign: checksum } });

  it('round-trip, signed and unsigned, and the MAC covers the tag', () => {
    const cursor = { epoch: 'abc', offset: 21, tag: eventTag(base) };
    const text = unsigned.encode(cursor);
    expect(text).toBe(`abc.l~${cursor.tag}`);
    expect(unsigned.decode(text)).toEqual({ ok: true, cursor });
    const signedText = signed.encode(cursor);
    expect(signedText).toBe(`abc.l~${cursor.tag}.${checksum(`abc.l~${cursor.tag}`)}`);
    expect(signed.decode(signedText)).toEqual({ ok: true, cursor });
    expect(signed.decode(`abc.l~zzzzzz.${checksum(`abc.l~${cursor.tag}`)}`)).toEqual({ ok: false });
  });

  it('untagged cursors of earlier versions still decode', () => {
    expect(unsigned.decode('abc.l')).toEqual({ ok: true, cursor: { epoch: 'abc', offset: 21 } });
  });

  it.each(['abc.0~abcdef', 'abc.l~abcde', 'abc.l~abcdefg', 'abc.l~ABCDEF', 'abc.l~', 'abc~abcdef.l'])(
    'reads %s as malformed',
    (text) => {
      expect(unsigned.decode(text)).toEqual({ ok: false });
    },
  );

  it('refuses to write a tag it could not read back', () => {
    expect(() => unsigned.encode({ epoch: 'abc', offset: 1, tag: 'NOT-A-TAG' })).toThrow(/tag/);
  });
});

describe('eventTag of text that is not well-formed', () => {
  it('reads a lone surrogate as U+FFFD, as stores that keep UTF-8 hand it back', () => {
    for (const [sent, stored] of [
      ['cut \uD83D', 'cut \uFFFD'],
      ['\uDE42 start', '\uFFFD start'],
      [`${'a'.repeat(63)}\uD83D${'b'.repeat(100)}`, `${'a'.repeat(63)}\uFFFD${'b'.repeat(100)}`],
    ] as const) {
      expect(eventTag({ ...base, data: sent })).toBe(eventTag({ ...base, data: stored }));
      expect(eventTag({ ...base, event: sent })).toBe(eventTag({ ...base, event: stored }));
    }
    expect(eventTag({ ...base, data: 'pair \u{1F642}' })).not.toBe(
      eventTag({ ...base, data: 'pair \uFFFD\uFFFD' }),
    );
  });
});
