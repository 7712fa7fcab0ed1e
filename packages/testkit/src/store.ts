/**
 * The `EventStore` conformance suite: one set of Vitest cases every store runs.
 *
 * @module
 */
export { type Collector, collector } from './store/collector.ts';
export { describeEventStore } from './store/describe-event-store.ts';
export { HubConnection } from './store/hub-connection.ts';
export { ManualClock } from './store/manual-clock.ts';
export type {
  StoreCapabilities,
  StoreInspector,
  StoreSuiteCreateOptions,
  StoreSuiteSetup,
} from './store/types.ts';
