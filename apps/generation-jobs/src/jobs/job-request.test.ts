import { isHttpError } from '@resumable-sse/demo-support';
import { describe, expect, it } from 'vitest';
import { JOB_LIMITS, parseJobRequest } from './job-request.ts';

function refusal(body: unknown): string {
  try {
    parseJobRequest(body);
  } catch (error) {
    if (isHttpError(error) && error.status === 400) return error.message;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
}

describe('POST /jobs body validation', () => {
  it('fills in the defaults: 50 tokens, 100 ms apart', () => {
    expect(parseJobRequest({ prompt: 'hi' })).toEqual({
      type: 'generation',
      prompt: 'hi',
      tokens: 50,
      delayMs: 100,
    });
  });

  it('takes the stream type generation, chat or export, and nothing else', () => {
    for (const type of ['generation', 'chat', 'export']) {
      expect(parseJobRequest({ prompt: 'x', type })).toMatchObject({ type });
    }
    for (const type of ['Chat', '', 'ai_chat', 3, null, ['chat']]) {
      expect(refusal({ prompt: 'x', type })).toContain(
        '"type" must be one of "generation", "chat", "export"',
      );
    }
  });

  it('accepts the bounds of tokens (1..1000) and delayMs (0..10000)', () => {
    expect(parseJobRequest({ prompt: 'x', tokens: 1, delayMs: 0 })).toMatchObject({ tokens: 1, delayMs: 0 });
    expect(parseJobRequest({ prompt: 'x', tokens: 1000, delayMs: 10_000 })).toMatchObject({
      tokens: 1000,
      delayMs: 10_000,
    });
  });

  it.each([
    [0, 'tokens'],
    [1001, 'tokens'],
    [2.5, 'tokens'],
    ['5', 'tokens'],
    [null, 'tokens'],
  ])('refuses tokens = %j', (tokens, field) => {
    expect(refusal({ prompt: 'x', tokens })).toContain(`"${field}" must be a whole number from 1 to 1000`);
  });

  it.each([-1, 10_001, 0.5, '100'])('refuses delayMs = %j', (delayMs) => {
    expect(refusal({ prompt: 'x', delayMs })).toContain('"delayMs" must be a whole number from 0 to 10000');
  });

  it('refuses a missing, empty, blank, non-string or over-long prompt', () => {
    for (const prompt of [undefined, '', '   ', 42, ['a']]) {
      expect(refusal({ prompt })).toBe('"prompt" is required: a non-empty string.');
    }
    expect(refusal({ prompt: 'x'.repeat(JOB_LIMITS.maxPromptLength + 1) })).toContain('longer than 2000');
  });

  it('refuses what is not an object, and fields it does not know (a typo is not silently ignored)', () => {
    for (const body of [null, [], 'prompt', 3]) expect(refusal(body)).toContain('Send a JSON object');
    expect(refusal({ prompt: 'x', delay: 10 })).toBe(
      'Unknown field "delay": a job takes only "type", "prompt", "tokens" and "delayMs".',
    );
  });
});
