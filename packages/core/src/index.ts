/**
 * `@resumable-sse/core`: lossless Server-Sent Events for applications — the hub that publishes
 * once and fans out, the framework-neutral endpoint every adapter maps onto, `memoryStore`, the
 * errors and the types these take. Other audiences have entries of their own:
 * `/protocol` (the wire format, browser-safe), `/node` and `/web` (core on Node's `http` and on
 * Web Fetch), `/lifecycle` (finite streams: jobs, guardian, recovery) and `/store-kit` (what a
 * store author needs).
 * @module
 */

export { type HmacCursorSignerOptions, hmacCursorSigner, MIN_CURSOR_SECRET_BYTES } from './cursor-signer.ts';
export type { CompletionSource, EndedStreamEvent } from './engine/completion.ts';
export { createSseEndpoint, requestedCursor, type SseEndpoint } from './engine/endpoint.ts';
export type { EngineHost } from './engine/host.ts';
export type * from './engine/types.ts';
export { isResumableSseError, ResumableSseError, type ResumableSseErrorCode } from './errors.ts';
export { createHub, Hub, type HubOptions, type HubStats, type PublishResult } from './hub.ts';
export type { DisconnectReason, HubHooks } from './hub-hooks.ts';
export {
  MemoryStore,
  type MemoryStoreOptions,
  type MemoryStoreStats,
  memoryStore,
} from './store/memory-store.ts';
export type * from './store/types.ts';
export { isValidStreamName } from './stream-name.ts';
