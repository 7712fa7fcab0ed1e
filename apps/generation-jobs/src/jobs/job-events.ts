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

/** What kind of job a stream is: the registry keeps it, `GET /jobs` and the metrics show it. */
export const JOB_TYPES = ['generation', 'chat', 'export'] as const;
export type JobType = (typeof JOB_TYPES)[number];

/** A job's state as the registry reports it. */
export type JobStatus = 'active' | 'completed' | 'failed' | 'orphaned' | 'expired';

/** The terminal event of a finished job, while its completion record is kept. */
export interface JobTerminal {
  readonly id: string;
  readonly event: string;
  readonly state: string;
  /** `{ "result": … }` for `completed`, a `JobFailure` for `failed`. */
  readonly data: unknown;
  readonly completedAt: string;
}

/** One job of `GET /jobs`. */
export interface JobSummary {
  readonly id: string;
  readonly type: string;
  readonly state: JobStatus;
  readonly prompt: unknown;
  readonly tokens: unknown;
  readonly delayMs: unknown;
  readonly startedAt: string;
  readonly lastHeartbeat: string;
  readonly terminal: JobTerminal | null;
  readonly streamUrl: string;
  readonly recoverUrl: string;
  readonly cancelUrl: string;
}

/** The body of `GET /jobs`: newest first; `next` is the `after` of the following page. */
export interface JobList {
  readonly jobs: readonly JobSummary[];
  readonly next: string | null;
}
