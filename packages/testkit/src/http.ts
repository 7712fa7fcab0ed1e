/**
 * `@resumable-sse/testkit/http`: the HTTP conformance suite every framework adapter runs, and the
 * real clients it drives the adapter with.
 * @module
 */

export {
  type ExpectedSession,
  expectConsecutiveIds,
  expectSession,
  type ServedHub,
} from './http/assertions.ts';
export { type CountingStore, countingStore } from './http/counting-store.ts';
export { describeSseAdapter } from './http/describe-sse-adapter.ts';
export { type ReceivedMessage, RecordingEventSource } from './http/event-source-client.ts';
export {
  COMPRESSIBLE_BODY,
  closeServer,
  connectionsOf,
  listen,
  type SseAdapterHarness,
  type StartedServer,
  type StartOptions,
} from './http/harness.ts';
export { type Http2SseResponse, openHttp2Sse } from './http/http2-client.ts';
export { fetchPlain, openSse, RawSseConnection, type RawSseOptions } from './http/raw-sse-client.ts';
export { serveHub } from './http/serve-hub.ts';
export {
  memorySuiteStore,
  type OpenedStore,
  redisSuiteStore,
  type StorePackages,
  type SuiteStore,
  type SuiteStoreOptions,
  sqliteAndRedisSuiteStores,
  sqliteSuiteStore,
} from './http/suite-store.ts';
export { sleep, waitUntil } from './http/wait.ts';
export { WebSseReader, type WebSseReaderOptions } from './http/web-sse-reader.ts';
