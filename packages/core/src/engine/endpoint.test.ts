import { describe, expect, it } from 'vitest';
import { isResumableSseError } from '../errors.ts';
import { createHub } from '../hub.ts';
import { memoryStore } from '../store/memory-store.ts';
import { type RequestShape, sseRequest } from '../test-support/open-session.ts';
import { createSseEndpoint } from './endpoint.ts';
import type { SseEndpointOptions } from './types.ts';

const hub = createHub({ store: memoryStore() });
const endpoint = (options: Partial<SseEndpointOptions<RequestShape>> = {}) =>
  createSseEndpoint<RequestShape>(hub, { stream: 'test', ...options });
const ask = (options: Partial<SseEndpointOptions<RequestShape>>, shape: RequestShape) =>
  endpoint(options).handle(sseRequest(shape), shape);

describe('createSseEndpoint', () => {
  it('answers a stream with the headers of docs/protocol.md §4.1 on HTTP/1.1', async () => {
    const plan = await ask({}, {});
    expect(plan.kind).toBe('stream');
    expect(plan.headers).toEqual({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
  });

  it('never sends Connection on HTTP/2, where it is forbidden', async () => {
    const plan = await ask({}, { httpVersionMajor: 2 });
    expect(plan.headers).not.toHaveProperty('Connection');
    expect(plan.headers).not.toHaveProperty('Transfer-Encoding');
  });

  it('answers a CORS preflight allowing Last-Event-ID', async () => {
    const plan = await ask(
      { cors: { origin: 'https://app.example' } },
      { method: 'OPTIONS', headers: { Origin: 'https://app.example' } },
    );
    expect(plan).toMatchObject({ kind: 'response', status: 204 });
    expect(plan.headers['Access-Control-Allow-Origin']).toBe('https://app.example');
    expect(plan.headers['Access-Control-Allow-Headers']).toContain('Last-Event-ID');
  });

  it('gives no CORS headers to an origin not allowed', async () => {
    const plan = await ask(
      { cors: { origin: ['https://a.example'] } },
      { headers: { Origin: 'https://evil.example' } },
    );
    expect(plan.headers).not.toHaveProperty('Access-Control-Allow-Origin');
  });

  it('echoes the origin with credentials, never "*"', async () => {
    const plan = await ask(
      { cors: { origin: '*', credentials: true } },
      { headers: { Origin: 'https://a.example' } },
    );
    expect(plan.headers['Access-Control-Allow-Origin']).toBe('https://a.example');
    expect(plan.headers['Access-Control-Allow-Credentials']).toBe('true');
  });

  it.each([
    [false, 403],
    [{ status: 401 as const }, 401],
    [{ status: 404 as const, message: 'no such job' }, 404],
  ])('authorize refusal %j answers %i with a JSON error before any stream byte', async (verdict, status) => {
    const plan = await ask({ authorize: () => verdict }, {});
    expect(plan).toMatchObject({ kind: 'response', status });
    if (plan.kind !== 'response') throw new Error('expected a plain response');
    expect(JSON.parse(plan.body)).toEqual({ error: expect.any(String) });
    expect(plan.headers['Content-Type']).toContain('application/json');
  });

  it('passes the framework request to authorize and stream', async () => {
    const plan = await ask(
      {
        authorize: (request) => request.headers?.authorization === 'Bearer ok',
        stream: (request) => `job:${request.query?.id}`,
      },
      { headers: { authorization: 'Bearer ok' }, query: { id: '7' } },
    );
    expect(plan.kind).toBe('stream');
  });

  it('answers 400 for a stream name taken from the request that is not valid', async () => {
    const plan = await ask({ stream: () => 'bad{name}' }, {});
    expect(plan).toMatchObject({ kind: 'response', status: 400 });
  });

  it('answers 405 to other methods', async () => {
    const plan = await ask({}, { method: 'POST' });
    expect(plan).toMatchObject({ kind: 'response', status: 405 });
  });

  it('rejects bad options when created, with a typed error', () => {
    expect(() => endpoint({ heartbeatMs: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => endpoint({ retry: 1.5 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => endpoint({ drainGraceMs: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    // Past 2³¹ − 1 ms a Node timer fires after 1 ms: the grace would drop every stalled socket at once.
    for (const name of ['drainGraceMs', 'heartbeatMs'] as const) {
      expect(() => endpoint({ [name]: 2 ** 31 }), name).toThrow(
        expect.objectContaining({
          code: 'INVALID_OPTION',
          message: expect.stringContaining('to 2147483647'),
        }),
      );
      expect(() => endpoint({ [name]: 2 ** 31 - 1 }), name).not.toThrow();
    }
    expect(() => endpoint({ initial: { last: -2 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    try {
      endpoint({ stream: 'a b' });
      expect.unreachable();
    } catch (error) {
      expect(isResumableSseError(error, 'INVALID_STREAM_NAME')).toBe(true);
    }
  });

  it('names what a plain-JavaScript caller got wrong, not an internal field', () => {
    // `initial: 'latest'` is a guess a user makes; the message lists what is accepted.
    expect(() => endpoint({ initial: 'latest' as never })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringMatching(/initial must be 'now', 'earliest', \{ last: n \}.*got "latest"/),
      }),
    );
    expect(() => createSseEndpoint<RequestShape>(hub, {} as SseEndpointOptions<RequestShape>)).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringMatching(/stream is missing/),
      }),
    );
    expect(() => endpoint({ stream: 42 as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_STREAM_NAME', message: expect.stringMatching(/got 42$/) }),
    );
  });
});
