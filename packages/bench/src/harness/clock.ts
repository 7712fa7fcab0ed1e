/**
 * Wall-clock milliseconds with sub-millisecond precision. Server and load generator are separate
 * processes on one machine, so both read the same system clock: a timestamp written into a
 * payload by one can be subtracted from this reading in the other.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
