import { expect, it } from 'vitest';
import type { SuiteContext } from '../fixture.ts';
import { fetchPlain } from '../raw-sse-client.ts';

const ORIGIN = 'https://app.example';

/** CORS, `authorize` and `filter`: the hooks that see the framework's own request. */
export function accessCases<Req>(ctx: SuiteContext<Req>): void {
  it('answers a CORS preflight that allows Last-Event-ID', async () => {
    const served = await ctx.serve({ endpoint: { cors: { origin: [ORIGIN] } } });
    const preflight = await fetchPlain(served.url, {
      method: 'OPTIONS',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'last-event-id',
      },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(200);
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN);
    const allowedHeaders = String(preflight.headers['access-control-allow-headers'])
      .toLowerCase()
      .split(/\s*,\s*/);
    expect(allowedHeaders).toContain('last-event-id');
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('GET');

    const stream = await ctx.open(served.url, { headers: { origin: ORIGIN } });
    expect(stream.headers['access-control-allow-origin']).toBe(ORIGIN);
    const stranger = await ctx.open(served.url, { headers: { origin: 'https://elsewhere.example' } });
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses with 401/403 JSON from authorize, before any stream byte', async () => {
    const seen: string[] = [];
    const served = await ctx.serve({
      endpoint: {
        async authorize(request) {
          const token = ctx.harness.header(request, 'authorization');
          seen.push(token ?? '(none)');
          if (token === undefined) return { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } };
          return token === 'Bearer good' ? true : { status: 403, message: 'not your stream' };
        },
      },
    });
    await served.publish(2);

    const anonymous = await fetchPlain(served.url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/^application\/json/);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');
    expect(JSON.parse(anonymous.body)).toEqual({ error: expect.any(String) });

    const stranger = await fetchPlain(served.url, { headers: { authorization: 'Bearer bad' } });
    expect(stranger.status).toBe(403);
    expect(stranger.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(stranger.body)).toEqual({ error: 'not your stream' });
    expect(served.hub.stats().connections).toBe(0);

    const allowed = await ctx.open(served.url, { headers: { authorization: 'Bearer good' } });
    expect(allowed.status).toBe(200);
    await allowed.waitForCaughtUp();
    expect(seen).toEqual(['(none)', 'Bearer bad', 'Bearer good']);
  });

  it('applies the filter, with the request, to replay and live events alike', async () => {
    const served = await ctx.serve({
      endpoint: {
        initial: 'earliest',
        filter: (event, request) => event.event === ctx.harness.header(request, 'x-topic'),
      },
    });
    await served.publish(1, { event: 'red' });
    await served.publish(1, { event: 'blue' });
    await served.publish(1, { event: 'red' });
    const connection = await ctx.open(served.url, { headers: { 'x-topic': 'red' } });
    await connection.waitForCaughtUp();
    expect(JSON.parse(connection.caughtUps[0]!.data).replayed).toBe(2);
    await served.publish(1, { event: 'blue' });
    await served.publish(1, { event: 'red' });
    await connection.waitForEvents(3);
    expect(connection.appEvents.map((event) => `${event.event}:${event.data}`)).toEqual([
      'red:e1',
      'red:e3',
      'red:e5',
    ]);
  });
}
