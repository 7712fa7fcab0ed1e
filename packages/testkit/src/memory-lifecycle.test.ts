import { memoryLifecycle } from '@resumable-sse/core';
import { describeLifecycleStore } from './lifecycle.ts';

describeLifecycleStore('memory', {
  create: async (options) => memoryLifecycle(options),
  capabilities: { injectableClock: true, ttlFollowsClock: true },
});
