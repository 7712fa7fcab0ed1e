/**
 * `@resumable-sse/client`: a fetch-based Server-Sent Events client that resumes losslessly —
 * `Last-Event-ID` on every reconnect, backoff with full jitter, duplicates dropped, `reset` and
 * `caught-up` surfaced. Runs in browsers and Node; needs no `window` or `document`.
 * @module
 */

export type { CaughtUpPayload, ResetPayload, ResetReason } from '@resumable-sse/core/protocol';
export type { BackoffOptions } from './backoff.ts';
export { createEventStreamClient } from './client.ts';
export type { CursorStorage } from './cursor-storage.ts';
export { EventStreamError, type EventStreamErrorCode, isEventStreamError } from './errors.ts';
export { streamEvents } from './iterate.ts';
export type {
  CaughtUpInfo,
  ClientMetrics,
  ClientStatus,
  EventStreamClient,
  EventStreamClientOptions,
  FetchLike,
  StreamEvent,
  UnauthorizedInfo,
} from './types.ts';
