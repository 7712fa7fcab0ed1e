import { afterEach, describe } from 'vitest';
import { claimStaleCases } from './cases/claim-stale.ts';
import { completionCases } from './cases/completion.ts';
import { guardianCases } from './cases/guardian.ts';
import { ownerPageCases } from './cases/owner-page.ts';
import { producerCases } from './cases/producer.ts';
import { registryCases } from './cases/registry.ts';
import { LifecycleContext } from './context.ts';
import type { LifecycleSuiteSetup } from './types.ts';

/**
 * Registers the `LifecycleStore` conformance suite (the contract in core's `lifecycle/types.ts`) for one store: the registry,
 * a user's streams page by page, heartbeats and orphan claims (exactly once across processes), completion records and their TTL,
 * cancellation across processes, retention, and the producer helper and guardian running on it.
 *
 * @example
 * describeLifecycleStore('memory', {
 *   create: async (options) => memoryLifecycle(options),
 *   capabilities: { injectableClock: true, ttlFollowsClock: true },
 * });
 */
export function describeLifecycleStore(name: string, setup: LifecycleSuiteSetup): void {
  describe(`LifecycleStore conformance: ${name}`, () => {
    const ctx = new LifecycleContext(setup);
    afterEach(() => ctx.closeAll());

    registryCases(ctx);
    ownerPageCases(ctx);
    claimStaleCases(ctx);
    completionCases(ctx);
    producerCases(ctx);
    guardianCases(ctx);
  });
}
