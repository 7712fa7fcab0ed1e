/**
 * `@resumable-sse/core`: lossless Server-Sent Events. The wire protocol (also browser-safe at
 * `@resumable-sse/core/protocol`), the store contract and `memoryStore`, the hub that publishes
 * once and fans out, and the framework-neutral endpoint every adapter maps onto.
 * @module
 */

export { type HmacCursorSignerOptions, hmacCursorSigner, MIN_CURSOR_SECRET_BYTES } from './cursor-signer.ts';
export type { ChannelListener } from './engine/channel.ts';
export { createSseEndpoint, requestedCursor, type SseEndpoint } from './engine/endpoint.ts';
export { type PlanReplayInput, planReplay, type ReplayPlan } from './engine/replay.ts';
export type * from './engine/types.ts';
export { isResumableSseError, ResumableSseError, type ResumableSseErrorCode } from './errors.ts';
export { createHub, Hub, type HubOptions, type HubStats, type PublishResult } from './hub.ts';
export type { DisconnectReason, HubHooks } from './hub-hooks.ts';
export * from './lifecycle/index.ts';
export * from './protocol/index.ts';
export {
  MemoryStore,
  type MemoryStoreOptions,
  type MemoryStoreStats,
  memoryStore,
} from './store/memory-store.ts';
export { RingBuffer, type RingBufferOptions } from './store/ring-buffer.ts';
export type * from './store/types.ts';
export { assertValidAppendInputs } from './store/validate-append.ts';
export { assertValidStreamName, isValidStreamName } from './stream-name.ts';
