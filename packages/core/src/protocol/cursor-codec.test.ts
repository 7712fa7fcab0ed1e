import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hmacCursorSigner } from '../cursor-signer.ts';
import { isResumableSseError } from '../errors.ts';
import { thrownBy } from '../test-support/thrown-by.ts';
import {
  type Cursor,
  type CursorSigner,
  createCursorCodec,
  isEpoch,
  MAX_CURSOR_INPUT_LENGTH,
  MAX_CURSOR_LENGTH,
  newEpoch,
} from './cursor-codec.ts';

const CURSOR_CHARS = /^[A-Za-z0-9._~-]+$/;
const SECRET = 'a-test-secret-of-enough-bytes!!';
const unsigned = createCursorCodec();
const signed = createCursorCodec({ signer: hmacCursorSigner(SECRET) });

const epochs = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9]{1,16}$/),
  fc.constant(null).map(() => newEpoch()),
);
const offsets = fc.oneof(fc.maxSafeNat(), fc.constantFrom(0, 1, 35, 36, Number.MAX_SAFE_INTEGER));
const cursors = fc.record({ epoch: epochs, offset: offsets });
// Every UTF-16 code unit, lone surrogates included.
const codeUnitStrings = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  maxLength: 80,
});
// Strings close to a cursor, so the canonical-form check meets many near misses.
const nearCursors = fc
  .tuple(
    fc.stringMatching(/^[A-Za-z0-9]{0,17}$/),
    fc.constantFrom('.', '..', '-', ''),
    fc.stringMatching(/^[-+ 0-9a-zA-Z]{0,13}$/),
    fc.option(fc.stringMatching(/^\.[-_A-Za-z0-9=+/]{0,34}$/), { nil: '' }),
  )
  .map((parts) => parts.join(''));

describe('newEpoch', () => {
  afterEach(() => vi.restoreAllMocks());

  it('returns 10 chars of [A-Za-z0-9], a different one each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const epoch = newEpoch();
      expect(epoch).toMatch(/^[A-Za-z0-9]{10}$/);
      expect(isEpoch(epoch)).toBe(true);
      seen.add(epoch);
    }
    expect(seen.size).toBe(2000);
  });

  it('uses all 62 characters', () => {
    const chars = new Set(Array.from({ length: 2000 }, newEpoch).join(''));
    expect(chars.size).toBe(62);
  });

  it('draws from crypto.getRandomValues and drops bytes that would bias the alphabet', () => {
    const spy = vi
      .spyOn(globalThis.crypto, 'getRandomValues')
      .mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
        // 248-255 would map onto the first 8 letters a second time; 62 wraps round to 'A'.
        const bytes = [248, 249, 250, 251, 252, 253, 254, 255, 62, 1, 2, 3, 4, 5, 6, 7];
        (array as unknown as Uint8Array).set(bytes);
        return array;
      });
    expect(newEpoch()).toBe('ABCDEFGHAB');
    expect(spy).toHaveBeenCalledTimes(2);
  });
});

describe('cursor encode', () => {
  it('writes <epoch>.<offset in base 36>', () => {
    expect(unsigned.encode({ epoch: 'aZ3', offset: 0 })).toBe('aZ3.0');
    expect(unsigned.encode({ epoch: 'aZ3', offset: 35 })).toBe('aZ3.z');
    expect(unsigned.encode({ epoch: 'aZ3', offset: 36 })).toBe('aZ3.10');
    expect(unsigned.encode({ epoch: 'aZ3', offset: Number.MAX_SAFE_INTEGER })).toBe('aZ3.2gosa7pa2gv');
  });

  it('appends the signer MAC as a third part', () => {
    const codec = createCursorCodec({ signer: { sign: (message) => `m${message.length}` } });
    expect(codec.encode({ epoch: 'abc', offset: 10 })).toBe('abc.a.m5');
  });

  it('stays within 64 chars of [A-Za-z0-9._~-] at the longest epoch, offset, tag and MAC', () => {
    const longest = createCursorCodec({ signer: { sign: () => '_'.repeat(24) } });
    const text = longest.encode({ epoch: 'Z'.repeat(16), offset: Number.MAX_SAFE_INTEGER, tag: 'zzzzzz' });
    expect(text.length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
    expect(text).toMatch(CURSOR_CHARS);
    expect(longest.decode(text)).toEqual({
      ok: true,
      cursor: { epoch: 'Z'.repeat(16), offset: Number.MAX_SAFE_INTEGER, tag: 'zzzzzz' },
    });
  });

  it.each([
    ['an empty epoch', { epoch: '', offset: 1 }],
    ['an epoch with a dot', { epoch: 'a.b', offset: 1 }],
    ['an epoch with a space', { epoch: 'a b', offset: 1 }],
    ['an epoch with a dash', { epoch: 'a-b', offset: 1 }],
    ['a 17-char epoch', { epoch: 'a'.repeat(17), offset: 1 }],
    ['a non-string epoch', { epoch: 12, offset: 1 }],
    ['a negative offset', { epoch: 'abc', offset: -1 }],
    ['a fractional offset', { epoch: 'abc', offset: 1.5 }],
    ['a NaN offset', { epoch: 'abc', offset: Number.NaN }],
    ['an infinite offset', { epoch: 'abc', offset: Number.POSITIVE_INFINITY }],
    ['an offset past MAX_SAFE_INTEGER', { epoch: 'abc', offset: Number.MAX_SAFE_INTEGER + 1 }],
    ['a string offset', { epoch: 'abc', offset: '1' }],
  ])('throws INVALID_FIELD for %s', (_label, cursor) => {
    expect(
      isResumableSseError(
        thrownBy(() => unsigned.encode(cursor as unknown as Cursor)),
        'INVALID_FIELD',
      ),
    ).toBe(true);
  });

  it('says how to get a valid epoch', () => {
    expect(() => unsigned.encode({ epoch: '', offset: 0 })).toThrow(/newEpoch\(\)/);
  });

  it('throws INVALID_OPTION when the signer returns something a cursor cannot carry', () => {
    for (const mac of ['', 'a.b', 'a'.repeat(33), 'a=', 'é', 42]) {
      const codec = createCursorCodec({ signer: { sign: () => mac as string } });
      expect(
        isResumableSseError(
          thrownBy(() => codec.encode({ epoch: 'abc', offset: 1 })),
          'INVALID_OPTION',
        ),
      ).toBe(true);
    }
  });

  it('throws INVALID_OPTION for a signer without sign()', () => {
    const error = thrownBy(() => createCursorCodec({ signer: {} as CursorSigner }));
    expect(isResumableSseError(error, 'INVALID_OPTION')).toBe(true);
  });
});

describe('cursor decode', () => {
  it('reads back an unsigned cursor, the 0 baseline included', () => {
    expect(unsigned.decode('aZ3.0')).toEqual({ ok: true, cursor: { epoch: 'aZ3', offset: 0 } });
    expect(unsigned.decode('aZ3.10')).toEqual({ ok: true, cursor: { epoch: 'aZ3', offset: 36 } });
    expect(unsigned.decode('aZ3.2gosa7pa2gv')).toEqual({
      ok: true,
      cursor: { epoch: 'aZ3', offset: Number.MAX_SAFE_INTEGER },
    });
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 12],
    ['an object', { epoch: 'a', offset: 1 }],
    ['empty', ''],
    ['no offset', 'abc'],
    ['an empty offset', 'abc.'],
    ['an empty epoch', '.1'],
    ['a leading zero', 'abc.01'],
    ['a zero with a leading zero', 'abc.00'],
    ['upper-case base 36', 'abc.A'],
    ['a plus sign', 'abc.+1'],
    ['a negative offset', 'abc.-1'],
    ['a comma', 'abc.1,5'],
    ['a hex prefix', 'abc.0x1'],
    ['a leading space', ' abc.1'],
    ['a trailing space', 'abc.1 '],
    ['a trailing LF', 'abc.1\n'],
    ['a NUL', 'abc.1\0'],
    ['a NUL in the epoch', 'a\0c.1'],
    ['two dots', 'abc..1'],
    ['a trailing dot', 'abc.1.'],
    ['a MAC part without a signer', 'abc.1.mac'],
    ['four parts', 'abc.1.mac.x'],
    ['MAX_SAFE_INTEGER + 1', 'abc.2gosa7pa2gw'],
    ['11 base-36 digits past the safe range', 'abc.zzzzzzzzzzz'],
    ['12 base-36 digits', 'abc.100000000000'],
    ['a huge decimal', `abc.${'9'.repeat(300)}`],
    ['a 17-char epoch', `${'a'.repeat(17)}.1`],
    ['a non-ASCII epoch', 'ábc.1'],
    ['full-width digits', 'abc.１'],
    ['a lone surrogate', '\uD800.1'],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
    ['a URL-encoded cursor', 'abc%2E1'],
    ['10 KB of junk', 'x'.repeat(10_240)],
    ['just over the input limit', `abc.${'1'.repeat(MAX_CURSOR_INPUT_LENGTH)}`],
  ])('reads %s as malformed, without throwing', (_label, input) => {
    expect(unsigned.decode(input as string)).toEqual({ ok: false });
    expect(signed.decode(input as string)).toEqual({ ok: false });
  });

  it('rejects hostile input before doing work proportional to it', () => {
    // Splitting or scanning a million dots would take far longer than this budget allows.
    const junk = '.'.repeat(1_000_000);
    const started = performance.now();
    for (let i = 0; i < 200; i++) expect(unsigned.decode(junk).ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('reads as malformed when the signer itself throws', () => {
    const codec = createCursorCodec({
      signer: {
        sign: () => {
          throw new Error('key store down');
        },
      },
    });
    expect(codec.decode('abc.1.mac')).toEqual({ ok: false });
  });
});

describe('cursor properties', () => {
  it('decode(encode(c)) is c for every epoch and offset, unsigned and signed', () => {
    fc.assert(
      fc.property(cursors, (cursor) => {
        for (const codec of [unsigned, signed]) {
          const text = codec.encode(cursor);
          expect(text.length).toBeLessThanOrEqual(MAX_CURSOR_LENGTH);
          expect(text).toMatch(CURSOR_CHARS);
          expect(codec.decode(text)).toEqual({ ok: true, cursor });
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts only the canonical spelling: decode(x) ok implies encode(decode(x)) === x', () => {
    const inputs = fc.oneof(
      nearCursors,
      codeUnitStrings,
      cursors.map((cursor) => unsigned.encode(cursor)),
    );
    let accepted = 0;
    fc.assert(
      fc.property(inputs, (input) => {
        const result = unsigned.decode(input);
        if (result.ok) {
          accepted++;
          expect(unsigned.encode(result.cursor)).toBe(input);
        }
      }),
      { numRuns: 3000 },
    );
    // The property is only worth something if many inputs were accepted.
    expect(accepted).toBeGreaterThan(500);
  });

  it('never throws, whatever the input', () => {
    const inputs = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string({ unit: 'binary-ascii', maxLength: 300 }),
      fc.string({ unit: 'grapheme', maxLength: 100 }),
      codeUnitStrings,
      nearCursors,
      fc.bigInt().map((n) => `abc.${n.toString(36)}`),
      fc.double().map((n) => `abc.${n}`),
    );
    fc.assert(
      fc.property(inputs, (input) => {
        for (const codec of [unsigned, signed]) {
          const result = codec.decode(input);
          expect(typeof result.ok).toBe('boolean');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps signed and unsigned cursors apart', () => {
    fc.assert(
      fc.property(cursors, (cursor) => {
        expect(signed.decode(unsigned.encode(cursor))).toEqual({ ok: false });
        expect(unsigned.decode(signed.encode(cursor))).toEqual({ ok: false });
      }),
    );
  });
});
