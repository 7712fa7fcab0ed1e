/**
 * What the adapter relies on in `@hono/node-server` beyond its documented bindings. If an
 * upgrade changes one of these, this file fails before any stream does.
 */
import { getRequestListener } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { describe, expect, it } from 'vitest';
import { ALREADY_SENT_HEADER, nativeResponse } from './node-server.ts';

describe('@hono/node-server contract', () => {
  it('marks a response already sent with the header its public RESPONSE_ALREADY_SENT carries', () => {
    expect(RESPONSE_ALREADY_SENT.headers.get(ALREADY_SENT_HEADER)).toBe('true');
    expect([...RESPONSE_ALREADY_SENT.headers.keys()]).toEqual([ALREADY_SENT_HEADER]);
  });

  it('swaps the global Response for a class whose parent is the real one, which the sentinel is built from', () => {
    const original = globalThis.Response;
    getRequestListener(() => new Response('ok'));
    try {
      expect(globalThis.Response).not.toBe(original);
      expect(Object.getPrototypeOf(globalThis.Response)).toBe(original);
      expect(nativeResponse()).toBe(original);
      expect(new (nativeResponse())(null)).toBeInstanceOf(original);
      expect(Object.getPrototypeOf(new (nativeResponse())(null))).toBe(original.prototype);
    } finally {
      Object.defineProperty(globalThis, 'Response', { value: original, configurable: true, writable: true });
    }
  });
});
