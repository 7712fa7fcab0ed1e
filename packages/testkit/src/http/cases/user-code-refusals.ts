import type { SseEndpointOptions } from '@resumable-sse/core';
import { expect, it } from 'vitest';
import type { SuiteContext } from '../fixture.ts';
import { recordHooks, type UserCodeError } from '../hook-recorder.ts';
import { fetchPlain } from '../raw-sse-client.ts';
import { dataOf, good, numbers } from './isolation-support.ts';

type Source = UserCodeError['source'];

/** The user code that decides a request's answer, failing for the request marked bad. */
interface FailingRequestCode {
  readonly name: string;
  readonly source: Source;
  endpoint<Req>(failsFor: (request: Req) => boolean, failure: Error): Partial<SseEndpointOptions<Req>>;
}

const FAILING_CODE: readonly FailingRequestCode[] = [
  {
    name: 'authorize throws',
    source: 'authorize',
    endpoint: (failsFor, failure) => ({
      authorize(request) {
        if (failsFor(request)) throw failure;
        return true;
      },
    }),
  },
  {
    name: 'authorize rejects',
    source: 'authorize',
    endpoint: (failsFor, failure) => ({
      async authorize(request) {
        if (failsFor(request)) throw failure;
        return true;
      },
    }),
  },
  {
    name: 'the stream-name function throws',
    source: 'stream',
    endpoint: (failsFor, failure) => ({
      stream(request) {
        if (failsFor(request)) throw failure;
        return 'feed';
      },
    }),
  },
  {
    name: 'the stream-name function rejects',
    source: 'stream',
    endpoint: (failsFor, failure) => ({
      async stream(request) {
        if (failsFor(request)) throw failure;
        return 'feed';
      },
    }),
  },
  {
    name: 'the initial function throws',
    source: 'initial',
    endpoint: (failsFor, failure) => ({
      initial(request) {
        if (failsFor(request)) throw failure;
        return 'now';
      },
    }),
  },
];

/** A request whose own user code fails gets a 500 JSON answer; nothing else notices. */
export function userCodeRefusalCases<Req>(ctx: SuiteContext<Req>): void {
  for (const code of FAILING_CODE) {
    it(`${code.name}: a 500 JSON answer for that request only, and the server serves on`, async () => {
      const record = recordHooks();
      const failure = new Error(`${code.source} failed on purpose`);
      const failsFor = (request: Req) => ctx.harness.header(request, 'x-client') === 'bad';
      const served = await ctx.serve({
        hooks: record.hooks,
        endpoint: { heartbeatMs: 0, ...code.endpoint(failsFor, failure) },
      });
      const before = await ctx.open(served.url, { headers: good(0) });
      await before.waitForCaughtUp();

      const answer = await fetchPlain(served.url, { headers: { 'x-client': 'bad' } });
      expect(answer.status).toBe(500);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(answer.body)).toEqual({ error: expect.any(String) });
      expect(record.errors).toEqual([expect.objectContaining({ source: code.source, error: failure })]);

      const after = await ctx.open(served.url, { headers: good(1) });
      expect(after.status).toBe(200);
      await after.waitForCaughtUp();
      await served.publish(3);
      await Promise.all([before.waitForEvents(3), after.waitForEvents(3)]);
      for (const client of [before, after]) {
        expect(dataOf(client.appEvents)).toEqual(numbers(1, 3));
        expect(client.ended).toBe(false);
      }
      expect(record.disconnects).toEqual([]);
      expect(served.hub.stats().connections).toBe(2);
    });
  }
}
