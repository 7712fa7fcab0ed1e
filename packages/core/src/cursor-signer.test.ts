import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacCursorSigner, MIN_CURSOR_SECRET_BYTES } from './cursor-signer.ts';
import { isResumableSseError } from './errors.ts';
import { createCursorCodec, newEpoch } from './protocol/cursor-codec.ts';
import { thrownBy } from './test-support/thrown-by.ts';

const SECRET = 'cursor-secret-for-tests-0123456789';

/** Replaces the char at `index` with a different base64url char. */
function flipChar(text: string, index: number): string {
  const replacement = text[index] === 'A' ? 'B' : 'A';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe('hmacCursorSigner', () => {
  it('computes HMAC-SHA256 as base64url (RFC 4231 test case 1)', () => {
    const key = new Uint8Array(20).fill(0x0b);
    const expected = Buffer.from(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
      'hex',
    ).toString('base64url');
    expect(hmacCursorSigner(key, { macLength: 24 }).sign('Hi There')).toBe(expected.slice(0, 24));
    expect(hmacCursorSigner(key).sign('Hi There')).toBe(expected.slice(0, 16));
  });

  it('keeps 16 base64url chars by default', () => {
    expect(hmacCursorSigner(SECRET).sign('abc.1')).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('treats a string secret as its UTF-8 bytes', () => {
    const secret = 'é'.repeat(8);
    expect(hmacCursorSigner(secret).sign('m')).toBe(
      hmacCursorSigner(new TextEncoder().encode(secret)).sign('m'),
    );
  });

  it('is not affected by later changes to the secret array', () => {
    const secret = new TextEncoder().encode(SECRET);
    const signer = hmacCursorSigner(secret);
    const before = signer.sign('abc.1');
    secret.fill(0);
    expect(signer.sign('abc.1')).toBe(before);
  });

  it('throws INVALID_OPTION for a secret under 16 bytes', () => {
    expect(MIN_CURSOR_SECRET_BYTES).toBe(16);
    for (const secret of ['', 'x'.repeat(15), new Uint8Array(15), 'é'.repeat(7)]) {
      const error = thrownBy(() => hmacCursorSigner(secret));
      expect(isResumableSseError(error, 'INVALID_OPTION')).toBe(true);
      expect((error as Error).message).toMatch(/at least 16 bytes/);
    }
    expect(() => hmacCursorSigner('x'.repeat(16))).not.toThrow();
    expect(() => hmacCursorSigner(new Uint8Array(16))).not.toThrow();
  });

  it('throws INVALID_OPTION for a secret that is neither a string nor bytes', () => {
    const error = thrownBy(() => hmacCursorSigner(12 as unknown as string));
    expect(isResumableSseError(error, 'INVALID_OPTION')).toBe(true);
  });

  it('throws INVALID_OPTION for a macLength outside 8-24', () => {
    for (const macLength of [7, 25, 12.5, Number.NaN, 0]) {
      expect(
        isResumableSseError(
          thrownBy(() => hmacCursorSigner(SECRET, { macLength })),
          'INVALID_OPTION',
        ),
      ).toBe(true);
    }
    expect(hmacCursorSigner(SECRET, { macLength: 8 }).sign('m')).toHaveLength(8);
    expect(hmacCursorSigner(SECRET, { macLength: 24 }).sign('m')).toHaveLength(24);
  });
});

describe('signed cursors', () => {
  const codec = createCursorCodec({ signer: hmacCursorSigner(SECRET) });
  const epoch = newEpoch();

  it('round-trip and carry a MAC', () => {
    const text = codec.encode({ epoch, offset: 42 });
    expect(text).toMatch(new RegExp(`^${epoch}\\.16\\.[A-Za-z0-9_-]{16}$`));
    expect(codec.decode(text)).toEqual({ ok: true, cursor: { epoch, offset: 42 } });
  });

  it('read as malformed when any MAC char is flipped', () => {
    const text = codec.encode({ epoch, offset: 42 });
    const macStart = text.lastIndexOf('.') + 1;
    for (let index = macStart; index < text.length; index++) {
      expect(codec.decode(flipChar(text, index))).toEqual({ ok: false });
    }
  });

  it('read as malformed when the MAC is missing, truncated or extended', () => {
    const text = codec.encode({ epoch, offset: 42 });
    expect(codec.decode(text.slice(0, text.lastIndexOf('.')))).toEqual({ ok: false });
    expect(codec.decode(text.slice(0, -1))).toEqual({ ok: false });
    expect(codec.decode(`${text}A`)).toEqual({ ok: false });
  });

  it('read as malformed when made with another secret or another MAC length', () => {
    const other = createCursorCodec({ signer: hmacCursorSigner(`${SECRET}!`) });
    const longer = createCursorCodec({ signer: hmacCursorSigner(SECRET, { macLength: 20 }) });
    expect(codec.decode(other.encode({ epoch, offset: 42 }))).toEqual({ ok: false });
    expect(codec.decode(longer.encode({ epoch, offset: 42 }))).toEqual({ ok: false });
  });

  it('read as malformed when the offset or epoch is changed under an old MAC', () => {
    const text = codec.encode({ epoch, offset: 42 });
    const mac = text.slice(text.lastIndexOf('.') + 1);
    expect(codec.decode(`${epoch}.${(41).toString(36)}.${mac}`)).toEqual({ ok: false });
    expect(codec.decode(`${epoch}.0.${mac}`)).toEqual({ ok: false });
    expect(codec.decode(`${newEpoch()}.${(42).toString(36)}.${mac}`)).toEqual({ ok: false });
  });

  it('never accept a rolled-back or forged position (property)', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.maxSafeNat(), (offset, forged) => {
        fc.pre(offset !== forged);
        const mac = codec.encode({ epoch, offset }).split('.')[2];
        expect(codec.decode(`${epoch}.${forged.toString(36)}.${mac}`)).toEqual({ ok: false });
      }),
      { numRuns: 500 },
    );
  });
});
