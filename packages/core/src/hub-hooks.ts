/**
 * Observability callbacks. Each is optional and must not throw; they run on the hot path, so
 * keep them cheap (increment a counter, observe a histogram).
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
}

export type DisconnectReason =
  | 'client-closed'
  | 'slow-consumer'
  | 'store-unavailable'
  | 'store-closed'
  | 'epoch-changed'
  | 'max-connection-time'
  | 'hub-closed'
  | 'stream-ended'
  | 'error';
