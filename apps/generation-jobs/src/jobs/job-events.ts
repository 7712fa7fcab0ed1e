/**
 * What a job's stream carries, shared by the server and the page (no imports: browser-safe).
 * A job stream is `token` events, then exactly one terminal event: `completed` or `failed`.
 */

export const TOKEN_EVENT = 'token';
export const COMPLETED_EVENT = 'completed';
export const FAILED_EVENT = 'failed';

/** The `data` of a `token` event (JSON). */
export interface TokenData {
  /** 0 for the first token: a viewer can check it got every token once, in order. */
  readonly index: number;
  readonly text: string;
}

/** The `result` in a `completed` event's data `{ "result": … }`. */
export interface JobResult {
  readonly tokens: number;
  /** The full output: every token's text, joined. */
  readonly text: string;
}

/** The data of a `failed` event. */
export interface JobFailure {
  /** `error` (the generator threw), `cancelled` (a cancel request), `orphaned` (its producer died). */
  readonly reason: 'error' | 'cancelled' | 'orphaned';
  readonly message?: string;
}
