import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { accessCases } from './cases/access.ts';
import { cleanupCases } from './cases/cleanup.ts';
import { clientCases } from './cases/client.ts';
import { compressionCases } from './cases/compression.ts';
import { connectionCases } from './cases/connection.ts';
import { eventSourceCases } from './cases/event-source.ts';
import { flowControlCases } from './cases/flow-control.ts';
import { isolationCases } from './cases/isolation.ts';
import { replayTableCases } from './cases/replay-table.ts';
import { resumeCases } from './cases/resume.ts';
import { SuiteContext } from './fixture.ts';
import type { SseAdapterHarness } from './harness.ts';
import { memorySuiteStore } from './suite-store.ts';

/**
 * The HTTP conformance suite: starts a real server per case through `harness.start` and drives
 * it with real clients (a raw `node:http` reader, the `eventsource` package, and
 * `@resumable-sse/client`). Every framework adapter runs all of it: the whole suite on memory,
 * and the isolation group also on each store in `harness.stores`.
 *
 * @example
 * ```ts
 * describeSseAdapter<Request>('express', {
 *   header: (request, name) => request.get(name),
 *   async start({ hub, endpoint, compression }) { … return listen(createServer(app)); },
 * });
 * ```
 */
export function describeSseAdapter<Req>(name: string, harness: SseAdapterHarness<Req>): void {
  describe(`SSE adapter conformance: ${name}`, () => {
    const ctx = new SuiteContext(harness);
    afterEach(() => ctx.cleanup());

    describe('connection', () => connectionCases(ctx));
    describe('resume input', () => resumeCases(ctx));
    describe('replay table', () => replayTableCases(ctx));
    describe('abort and cleanup', () => cleanupCases(ctx));
    describe('flow control', () => flowControlCases(ctx));
    describe('CORS, authorize, filter', () => accessCases(ctx));
    describe('compression middleware', () => compressionCases(ctx));
    describe('eventsource package', () => eventSourceCases(ctx));
    describe('@resumable-sse/client', () => clientCases(ctx));

    for (const storeKind of [memorySuiteStore, ...(harness.stores ?? [])]) {
      describe(`isolation (${storeKind.name} store)`, () => {
        const storeCtx = new SuiteContext(harness, storeKind);
        beforeAll(() => storeKind.setup?.());
        afterEach(() => storeCtx.cleanup());
        afterAll(() => storeKind.teardown?.());
        isolationCases(storeCtx);
      });
    }
  });
}
