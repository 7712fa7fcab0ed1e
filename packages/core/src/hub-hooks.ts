/**
 * Observability callbacks. Each is optional and runs on the hot path, so keep them cheap
 * (increment a counter, observe a histogram). A hook that throws (or returns a promise that
 * rejects) is contained: the connection it was called for carries on, and the failure is reported
 * once through `onError` with `source: 'hook'`.
 */
export interface HubHooks {
  /** A stream connection opened (after authorization). */
  onConnect?(info: { stream: string }): void;
  /** A stream connection closed, for any reason. */
  onDisconnect?(info: { stream: string; reason: DisconnectReason }): void;
  /** Replay finished and the connection is live. */
  onCaughtUp?(info: { stream: string; replayed: number; timeToSyncMs: number }): void;
  /** A `reset` was sent. */
  onReset?(info: { stream: string; reason: 'evicted' | 'epoch' | 'future' | 'malformed' }): void;
  /**
   * Application code passed to an endpoint or the hub failed. A throwing `filter` ends only its own
   * connection (reason `user-code-error`); a throwing `authorize`, `stream` or `initial` answers
   * only its own request with `500`; a throwing hook changes nothing but this report. Never
   * called for a client's mistake. If `onError` itself throws, that is ignored.
   */
  onError?(info: UserCodeError): void;
}

/** Where application code failed. */
export type UserCodeSource = 'filter' | 'authorize' | 'stream' | 'initial' | 'hook';

export interface UserCodeError {
  readonly stream: string | undefined;
  readonly source: UserCodeSource;
  /** The hook's name when `source` is `'hook'`. */
  readonly hook?: Exclude<keyof HubHooks, 'onError'> | undefined;
  readonly error: unknown;
}

export type DisconnectReason =
  | 'client-closed'
  | 'slow-consumer'
  | 'store-unavailable'
  | 'store-closed'
  | 'epoch-changed'
  | 'max-connection-time'
  | 'hub-closed'
  /** The adapter's server is shutting down (`SseStreamResponse.end()`, e.g. Fastify's `close()`). */
  | 'server-closed'
  | 'stream-ended'
  /** The endpoint's `filter` threw for this connection; see `onError`. */
  | 'user-code-error'
  | 'error';
