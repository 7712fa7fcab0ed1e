/** Reconnection delays: exponential growth with full jitter. */
export interface BackoffOptions {
  /** Ceiling of the first delay, in ms. A server's `retry:` replaces it. @default 3000 */
  readonly initialMs?: number;
  /** Largest ceiling, in ms (raised to the server's `retry:` when that is larger). @default 30000 */
  readonly maxMs?: number;
  /** Growth of the ceiling per failed attempt. @default 2 */
  readonly factor?: number;
}

export const DEFAULT_BACKOFF = { initialMs: 3000, maxMs: 30_000, factor: 2 } as const;

/**
 * Delay before reconnection attempt `attempt` (0 for the first after a healthy connection):
 * uniform in `[0, min(maxMs, initialMs × factor^attempt))`. Full jitter spreads a crowd of
 * clients that lost the same server, instead of bringing them back in one wave.
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function fullJitterDelay(
  attempt: number,
  { initialMs, maxMs, factor }: Required<BackoffOptions>,
  random: () => number,
): number {
  return Math.floor(random() * Math.min(maxMs, initialMs * factor ** attempt));
}
