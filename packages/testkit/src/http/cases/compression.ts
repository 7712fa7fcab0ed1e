import { expect, it } from 'vitest';
import type { SuiteContext } from '../fixture.ts';
import { COMPRESSIBLE_BODY } from '../harness.ts';
import { fetchPlain } from '../raw-sse-client.ts';
import { sleep } from '../wait.ts';

/** The framework's usual compression middleware in front must not hold the stream back. */
export function compressionCases<Req>(ctx: SuiteContext<Req>): void {
  it('is not buffered by the compression middleware: first byte, events and heartbeats arrive at once', async () => {
    const served = await ctx.serve({ compression: true, endpoint: { heartbeatMs: 50 } });
    const started = performance.now();
    const connection = await ctx.open(served.url, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(connection.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await connection.waitForCaughtUp(1_000);
    expect(connection.firstByteAt! - started).toBeLessThan(1_000);

    const publishedAt = performance.now();
    await served.publish(1);
    await connection.waitForEvents(1, 1_000);
    expect(connection.eventTimes.at(-1)! - publishedAt).toBeLessThan(500);
    const comments = connection.comments.length;
    await sleep(200);
    expect(connection.comments.length).toBeGreaterThan(comments);
  });

  it('runs behind a compression middleware that is really on (it compresses other responses)', async () => {
    const served = await ctx.serve({ compression: true });
    const plain = await fetchPlain(served.url.replace(/\/stream$/, '/compressible'), {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBe('gzip');
    expect(plain.body).toBe(COMPRESSIBLE_BODY);
  });
}
