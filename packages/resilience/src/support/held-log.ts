/**
 * Judges a client after its store went backwards (restored from an older snapshot or backup):
 * what it holds must be exactly what the log holds now. A `reset` tells the client to drop what
 * it built, so the view starts again after each one; without a reset, nothing it was told may be
 * missing (a silent gap) or be an event the log no longer has (stale).
 */
import type { TimelineEntry } from './controlled-client.ts';
import { checkSequence } from './sequence-check.ts';

export interface HeldVerdict {
  /** Sequence numbers the client holds after its last reset, in arrival order. */
  readonly held: readonly number[];
  /** In the log, not held: the client was never told (a silent gap). */
  readonly lost: readonly number[];
  /** Held, but no longer in the log, and no reset said so. */
  readonly stale: readonly number[];
  readonly duplicated: readonly number[];
  readonly outOfOrder: number;
  readonly resets: readonly string[];
}

export function judgeHeld(timeline: readonly TimelineEntry[], log: readonly number[]): HeldVerdict {
  const held: number[] = [];
  const resets: string[] = [];
  for (const entry of timeline) {
    if (entry.kind === 'reset') {
      resets.push(entry.reset.reason);
      held.length = 0;
    } else {
      held.push(entry.seq);
    }
  }
  const sequence = checkSequence(held, log);
  const inLog = new Set(log);
  return {
    held,
    lost: sequence.lost,
    stale: [...new Set(held.filter((seq) => !inLog.has(seq)))],
    duplicated: sequence.duplicated,
    outOfOrder: sequence.outOfOrder,
    resets,
  };
}

/** `lost 0, stale 0, duplicated 0, out of order 0, resets epoch,epoch` (with samples of what went wrong). */
export function describeHeld(verdict: HeldVerdict): string {
  const sample = (values: readonly number[]) =>
    values.length > 0 ? ` [${values.slice(0, 8).join(', ')}${values.length > 8 ? ', …' : ''}]` : '';
  return (
    `holds ${verdict.held.length}, lost ${verdict.lost.length}${sample(verdict.lost)}, ` +
    `stale ${verdict.stale.length}${sample(verdict.stale)}, duplicated ${verdict.duplicated.length}, ` +
    `out of order ${verdict.outOfOrder}, resets ${verdict.resets.join(',') || 'none'}`
  );
}
