import { describe, expect, it } from 'vitest';
import { FAIL_MARKER, failurePointFor, outputFor, tokensFor } from './generator.ts';

describe('the deterministic generator', () => {
  it('gives the same tokens for the same prompt, and different ones for another prompt', () => {
    const first = tokensFor('a story about rivers', 40);
    expect(tokensFor('a story about rivers', 40)).toEqual(first);
    expect(tokensFor('a story about rivers.', 40)).not.toEqual(first);
    expect(first).toHaveLength(40);
  });

  it('makes readable text: first token without a leading space, every other one with one, a final period', () => {
    const tokens = tokensFor('hello', 25);
    expect(tokens[0]).toMatch(/^[A-Z][a-z]+[.,]?$/);
    for (const token of tokens.slice(1)) expect(token).toMatch(/^ [A-Za-z]+[.,]?$/);
    expect(outputFor('hello', 25)).toBe(tokens.join(''));
    expect(outputFor('hello', 25).endsWith('.')).toBe(true);
  });

  it('is a prefix of itself: a longer job starts with the shorter job’s words', () => {
    const short = tokensFor('prefix', 10);
    const long = tokensFor('prefix', 30);
    expect(long.slice(0, 9)).toEqual(short.slice(0, 9));
  });

  it(`fails halfway through only when the prompt contains ${FAIL_MARKER}`, () => {
    expect(failurePointFor('an ordinary prompt', 50)).toBeUndefined();
    expect(failurePointFor(`please ${FAIL_MARKER} now`, 50)).toBe(25);
    expect(failurePointFor(FAIL_MARKER, 1)).toBe(0);
  });
});
