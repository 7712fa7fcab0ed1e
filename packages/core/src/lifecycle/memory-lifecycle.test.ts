import { describeLifecycleStore } from '@resumable-sse/testkit/lifecycle';
import { memoryLifecycle } from './memory-lifecycle.ts';

describeLifecycleStore('memory', {
  create: async (options) => memoryLifecycle(options),
  capabilities: { injectableClock: true, ttlFollowsClock: true },
});
