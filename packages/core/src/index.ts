/**
 * `@resumable-sse/core`: lossless Server-Sent Events. The wire protocol (also browser-safe at
 * `@resumable-sse/core/protocol`), the store contract and `memoryStore`, the hub that publishes
 * once and fans out, and the framework-neutral endpoint every adapter maps onto.
 * @module
 */
export * from './protocol/index.ts';
export { ResumableSseError, isResumableSseError, type ResumableSseErrorCode } from './errors.ts';
export { hmacCursorSigner, MIN_CURSOR_SECRET_BYTES, type HmacCursorSignerOptions } from './cursor-signer.ts';
export { isValidStreamName, assertValidStreamName } from './stream-name.ts';

export type * from './store/types.ts';
export { RingBuffer, type RingBufferOptions } from './store/ring-buffer.ts';
export { MemoryStore, memoryStore, type MemoryStoreOptions, type MemoryStoreStats } from './store/memory-store.ts';
export { assertValidAppendInputs } from './store/validate-append.ts';

export { Hub, createHub, type HubOptions, type HubStats, type PublishResult } from './hub.ts';
export type { HubHooks, DisconnectReason } from './hub-hooks.ts';

export type * from './engine/types.ts';
export type { ChannelListener } from './engine/channel.ts';
export { createSseEndpoint, requestedCursor, type SseEndpoint } from './engine/endpoint.ts';
export { planReplay, type ReplayPlan, type PlanReplayInput } from './engine/replay.ts';

export * from './lifecycle/index.ts';
