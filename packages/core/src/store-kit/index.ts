/**
 * `@resumable-sse/core/store-kit`: what a store author needs beside the contract types (which the
 * root entry exports): one resolver for the options every store shares, the input checks every
 * store makes the same way, the subscription a closed store hands out, the ring buffer behind
 * `memoryStore`, and the checks of the lifecycle contract. A store that passes testkit's suites
 * with these is a drop-in swap for any other.
 * @module
 */

export {
  type CheckedOwnerPage,
  checkOwnerPageOptions,
  decodeOwnerPageCursor,
  isAfterPosition,
  newestFirst,
  type OwnerPagePosition,
  ownerPageKey,
  toOwnerPage,
} from '../lifecycle/owner-page.ts';
export { ENDED_STATES, settledState } from '../lifecycle/settled-state.ts';
export {
  assertStreamState,
  assertTerminalEvent,
  type CheckedRegisterInput,
  checkDurationOption,
  checkRegisterInput,
  isStreamState,
  metadataFromJson,
  type ResolvedLifecycleOptions,
  resolveLifecycleOptions,
} from '../lifecycle/validate.ts';
export { closedSubscription } from '../store/closed-subscription.ts';
export {
  clockOption,
  DEFAULT_IDEMPOTENCY_WINDOW_MS,
  DEFAULT_MAX_EVENTS,
  optionalWholeNumberOption,
  type ResolvedRetention,
  resolveRetentionOptions,
  type WholeNumberRule,
  wholeNumberOption,
} from '../store/options.ts';
export { RingBuffer, type RingBufferOptions } from '../store/ring-buffer.ts';
export { assertValidAppendInputs } from '../store/validate-append.ts';
export { assertValidStreamName, isValidStreamName } from '../stream-name.ts';
