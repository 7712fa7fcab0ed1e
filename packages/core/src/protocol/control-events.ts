/**
 * Reserved event names the server sends in-band (docs/protocol.md §6). Their `data` is JSON.
 * Application events must not use these names.
 */
export const CONTROL_EVENTS = {
  /** The requested position cannot be honoured; drop the state built from this stream. */
  reset: 'reset',
  /** Replay is done and the stream is live; sent once per connection. */
  caughtUp: 'caught-up',
} as const;

export type ControlEventName = (typeof CONTROL_EVENTS)[keyof typeof CONTROL_EVENTS];

/** Why a requested position cannot be honoured. */
export type ResetReason = 'evicted' | 'epoch' | 'future' | 'malformed';

/** `data` of a `reset` event. Its `id:` is a baseline cursor: resume from there. */
export interface ResetPayload {
  readonly reason: ResetReason;
  /** The cursor the client asked for, as received (truncated to 256 characters). */
  readonly requested: string;
  /** Cursor of the oldest retained event, or `null` when nothing is retained. */
  readonly oldest: string | null;
}

/** `data` of a `caught-up` event. Its `id:` is the position reached, as `head` (docs/protocol.md §6.2). */
export interface CaughtUpPayload {
  /** Events sent during this connection's replay. */
  readonly replayed: number;
  /** Cursor of the position the connection reached (the head when it caught up), or `null` at position 0. */
  readonly head: string | null;
}

export function isControlEventName(name: string | undefined): name is ControlEventName {
  return name === CONTROL_EVENTS.reset || name === CONTROL_EVENTS.caughtUp;
}
