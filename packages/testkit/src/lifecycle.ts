/**
 * The `LifecycleStore` conformance suite: one set of Vitest cases every lifecycle store runs
 * (memory, SQLite, Redis, or your own).
 *
 * @module
 */
export { describeLifecycleStore } from './lifecycle/describe-lifecycle-store.ts';
export type {
  LifecycleCapabilities,
  LifecycleInspector,
  LifecycleSuiteCreateOptions,
  LifecycleSuiteSetup,
} from './lifecycle/types.ts';
