/** Timing helpers for the in-process micro-benchmarks (seek, append). */
import { nowMs } from '../harness/clock.ts';

/**
 * Runs `operation` repeatedly for at least `minMs` (and at least `minOps` times), after a short
 * warm-up so the JIT has compiled it; returns nanoseconds per operation.
 */
export async function timePerOp(
  operation: (index: number) => unknown,
  options: { minMs: number; minOps: number; warmupOps: number },
): Promise<number> {
  for (let index = 0; index < options.warmupOps; index += 1) await operation(index);
  let ops = 0;
  const start = nowMs();
  let elapsed = 0;
  while (ops < options.minOps || elapsed < options.minMs) {
    for (let batch = 0; batch < 64; batch += 1) await operation(ops++);
    elapsed = nowMs() - start;
  }
  return (elapsed * 1e6) / ops;
}

/** A deterministic pseudo-random sequence (so every contender seeks the same positions). */
export function positions(count: number, low: number, high: number, seed = 42): number[] {
  let state = seed >>> 0;
  const out = new Array<number>(count);
  for (let index = 0; index < count; index += 1) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[index] = low + (state % Math.max(1, high - low + 1));
  }
  return out;
}
