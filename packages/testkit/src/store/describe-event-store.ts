import { afterEach, describe } from 'vitest';
import { appendCases } from './cases/append.ts';
import { concurrencyCases } from './cases/concurrency.ts';
import { epochCases } from './cases/epoch.ts';
import { heldLiveEventCases } from './cases/held-live-events.ts';
import { idempotencyCases } from './cases/idempotency.ts';
import { liveCases } from './cases/live.ts';
import { optionCases } from './cases/options.ts';
import { payloadCases } from './cases/payload.ts';
import { readCases } from './cases/read.ts';
import { retentionCases } from './cases/retention.ts';
import { rollbackCases } from './cases/rollback.ts';
import { sharedReplayCases } from './cases/shared-replay.ts';
import { SuiteContext } from './context.ts';
import type { StoreSuiteSetup } from './types.ts';

/**
 * Registers the `EventStore` conformance suite (the contract in core's `store/types.ts`) for one store. A store that passes it
 * is a drop-in swap for any other.
 *
 * @example
 * describeEventStore('memory', {
 *   create: async (options) => memoryStore(options),
 *   loseLog: async () => memoryStore(),
 *   capabilities: { injectableClock: true },
 * });
 */
export function describeEventStore(name: string, setup: StoreSuiteSetup): void {
  describe(`EventStore conformance: ${name}`, () => {
    const ctx = new SuiteContext(setup);
    afterEach(() => ctx.closeAll());

    appendCases(ctx);
    readCases(ctx);
    concurrencyCases(ctx);
    retentionCases(ctx);
    epochCases(ctx);
    liveCases(ctx);
    idempotencyCases(ctx);
    payloadCases(ctx);
    rollbackCases(ctx);
    sharedReplayCases(ctx);
    heldLiveEventCases(ctx);
    optionCases(ctx);
  });
}
