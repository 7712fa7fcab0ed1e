/**
 * What the engine needs to know about finite streams (docs/protocol.md §7.4), stated here so the
 * engine depends on nothing above it: a lifecycle registry is one completion source, but any
 * object with `completion()` will do.
 */

/** The event that ended a finite stream, as its completion source keeps it. */
export interface EndedStreamEvent {
  /** SSE event name, e.g. `completed` or `failed`. */
  readonly event: string;
  /** SSE data, as published. */
  readonly data: string;
  /** The event's cursor (its SSE `id:`). A client resuming from it is told `204 No Content`. */
  readonly id: string;
}

/** Where an endpoint looks up whether a stream has ended, and with which event. */
export interface CompletionSource {
  /** The stream's terminal event while its record lives; null when it has not ended or the record expired. */
  completion(stream: string): Promise<EndedStreamEvent | null>;
}

/** The SSE event names of the two terminal events. */
export interface TerminalEventNames {
  /** @default 'completed' */
  readonly completed: string;
  /** @default 'failed' */
  readonly failed: string;
}

export const DEFAULT_TERMINAL_EVENTS: TerminalEventNames = Object.freeze({
  completed: 'completed',
  failed: 'failed',
});
