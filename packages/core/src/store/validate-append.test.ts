import { describe, expect, it } from 'vitest';
import { isResumableSseError } from '../errors.ts';
import { assertValidAppendInputs } from './validate-append.ts';

function refusal(run: () => void): { code: string | undefined; message: string } {
  try {
    run();
  } catch (error) {
    if (!isResumableSseError(error)) throw error;
    return { code: error.code, message: error.message };
  }
  throw new Error('expected a refusal');
}

describe('assertValidAppendInputs: idempotency keys', () => {
  it.each([
    ['a lone high surrogate', 'k\uD800'],
    ['a lone low surrogate', '\uDC00k'],
    ['a low surrogate before its high one', 'k\uDE42\uD83D'],
  ])('refuses a key with %s, naming the item and what to do', (_, key) => {
    const { code, message } = refusal(() =>
      assertValidAppendInputs([
        { data: 'a', idempotencyKey: 'ok' },
        { data: 'b', idempotencyKey: key },
      ]),
    );
    expect(code).toBe('INVALID_FIELD');
    expect(message).toContain('Event #1: "idempotencyKey"');
    expect(message).toContain('lone surrogate');
    expect(message).toContain('build keys from well-formed text');
    // The message itself is well-formed: the key is shown escaped.
    expect(message).not.toMatch(/[\uD800-\uDFFF]/);
  });

  it('accepts well-formed keys, astral characters included', () => {
    expect(() =>
      assertValidAppendInputs([
        { data: 'a', idempotencyKey: 'k-\u{1F642}' },
        { data: 'b', idempotencyKey: 'k-\uFFFD' },
        { data: 'c', idempotencyKey: 'plain' },
      ]),
    ).not.toThrow();
  });

  it('accepts lone surrogates in data and event names (clients get U+FFFD on the UTF-8 wire)', () => {
    expect(() => assertValidAppendInputs([{ event: 'name\uD800', data: 'data\uDC00' }])).not.toThrow();
  });
});
