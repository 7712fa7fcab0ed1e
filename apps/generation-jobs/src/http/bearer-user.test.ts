import { describe, expect, it } from 'vitest';
import { bearerUser } from './bearer-user.ts';

describe('bearerUser', () => {
  it('names the user by the token of a Bearer header (scheme in any case)', () => {
    expect(bearerUser('Bearer ada')).toBe('ada');
    expect(bearerUser('bearer   ada.lovelace ')).toBe('ada.lovelace');
  });

  it('names nobody without a usable Bearer token', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer    ',
      'Basic YWRhOng=',
      'Bearerada',
      `Bearer ${'x'.repeat(1025)}`,
    ]) {
      expect(bearerUser(header)).toBeUndefined();
    }
  });
});
