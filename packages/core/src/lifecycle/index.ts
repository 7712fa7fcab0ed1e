/**
 * `@resumable-sse/core/lifecycle` — stream lifecycle for finite streams (on the wire: docs/protocol.md §7.4): the `LifecycleStore` contract and its memory
 * implementation, the producer helper `startJob`, the `StreamGuardian`, the recovery view and
 * metrics. SQLite and Redis implementations live in their store packages; the checks a lifecycle
 * store makes are in `@resumable-sse/core/store-kit`.
 * @module
 */

export type { CompletionSource, EndedStreamEvent } from '../engine/completion.ts';
export {
  createStreamGuardian,
  type GuardianRun,
  StreamGuardian,
  type StreamGuardianOptions,
} from './guardian.ts';
export type { LifecycleHooks } from './hooks.ts';
export {
  type Emit,
  type JobOutcome,
  type JobProducer,
  type StartJobOptions,
  type StreamJob,
  startJob,
} from './job.ts';
export { MemoryLifecycleStore, memoryLifecycle } from './memory-lifecycle.ts';
export { type LifecycleMetrics, type LifecycleMetricsSnapshot, lifecycleMetrics } from './metrics.ts';
export { DEFAULT_OWNER_PAGE_LIMIT, MAX_OWNER_PAGE_LIMIT } from './owner-page.ts';
export { type RecoveredEvent, type RecoverOptions, recoverStream, type StreamRecovery } from './recover.ts';
export {
  type CompletedPayload,
  DEFAULT_TERMINAL_EVENTS,
  type FailedPayload,
  type FailureReason,
  resolveTerminalNames,
  TERMINAL_IDEMPOTENCY_KEY,
  type TerminalEventNames,
} from './terminal.ts';
export type * from './types.ts';
export { DEFAULT_COMPLETION_TTL_MS, DEFAULT_RECORD_TTL_MS } from './types.ts';
