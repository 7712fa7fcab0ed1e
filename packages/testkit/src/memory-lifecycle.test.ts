import { memoryLifecycle } from '@resumable-sse/core/lifecycle';
import { describeLifecycleStore } from './lifecycle.ts';

describeLifecycleStore('memory', {
  create: async (options) => memoryLifecycle(options),
  capabilities: { injectableClock: true, ttlFollowsClock: true },
});
