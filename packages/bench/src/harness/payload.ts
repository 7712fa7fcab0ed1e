import { nowMs } from './clock.ts';

/** Marks the publish time inside a payload; no quotes or backslashes, so JSON serializers leave it intact. */
export const TIME_MARK = '~T';

/**
 * An event payload of exactly `bytes` ASCII bytes: `~T<publish time in ms>~xxx…`. The time lets
 * the load generator measure publish → receive latency; the padding makes every contender carry
 * the same number of bytes.
 */
export function makePayload(bytes: number, at: number = nowMs()): string {
  const head = `${TIME_MARK}${at.toFixed(3)}~`;
  const pad = bytes - head.length;
  if (pad < 0) throw new Error(`payload of ${bytes} bytes is too small for a timestamp`);
  return head + 'x'.repeat(pad);
}
