/**
 * What a client received, judged against what was published: each event carries its publish
 * sequence number, so loss, duplication and reordering are counted, not guessed.
 */
export interface SequenceReport {
  readonly received: number;
  /** Sequence numbers published but never received. */
  readonly lost: number[];
  /** Sequence numbers received more than once (each listed once per extra copy). */
  readonly duplicated: number[];
  /** Positions where a number is not greater than the one before it. */
  readonly outOfOrder: number;
}

/** Compares `received` with the expected `1..published` (or the given expected list). */
export function checkSequence(received: readonly number[], expected: readonly number[]): SequenceReport {
  const seen = new Map<number, number>();
  let outOfOrder = 0;
  for (let index = 0; index < received.length; index++) {
    const value = received[index]!;
    seen.set(value, (seen.get(value) ?? 0) + 1);
    if (index > 0 && value <= received[index - 1]!) outOfOrder++;
  }
  const duplicated: number[] = [];
  for (const [value, count] of seen) for (let extra = 1; extra < count; extra++) duplicated.push(value);
  const lost = expected.filter((value) => !seen.has(value));
  return { received: received.length, lost, duplicated: duplicated.sort((a, b) => a - b), outOfOrder };
}

export function range(from: number, to: number): number[] {
  const values: number[] = [];
  for (let value = from; value <= to; value++) values.push(value);
  return values;
}

/** A short line for logs: `received 10000, lost 0, duplicated 0, out of order 0`. */
export function describeSequence(report: SequenceReport): string {
  const sample = (values: number[]) =>
    values.length > 0 ? ` [${values.slice(0, 10).join(', ')}${values.length > 10 ? ', …' : ''}]` : '';
  return `received ${report.received}, lost ${report.lost.length}${sample(report.lost)}, duplicated ${report.duplicated.length}${sample(report.duplicated)}, out of order ${report.outOfOrder}`;
}
