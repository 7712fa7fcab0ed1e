/**
 * One rule for every store's options, so swapping a store never changes what its options mean:
 * durations and counts are whole numbers (a store that keeps whole milliseconds, like Redis,
 * would otherwise round where another refuses), and each error names the store, the option, the
 * rule and the value it got.
 */
import { ResumableSseError } from '../errors.ts';
import type { RetentionOptions } from './types.ts';

export const DEFAULT_MAX_EVENTS = 500;
export const DEFAULT_IDEMPOTENCY_WINDOW_MS = 300_000;

/** `RetentionOptions` with the defaults applied and every value checked. */
export interface ResolvedRetention {
  /** Events kept per stream: a whole number ≥ 1. */
  readonly maxEvents: number;
  /** Age limit in whole milliseconds ≥ 1, or undefined for none. */
  readonly maxAgeMs: number | undefined;
  /** Whole milliseconds ≥ 0; 0 remembers no key. */
  readonly idempotencyWindowMs: number;
}

/**
 * Applies the defaults to `options` and checks them. `store` is the factory's name as users call
 * it (`'sqliteStore'`), so the message points at their code.
 */
export function resolveRetentionOptions(store: string, options: RetentionOptions): ResolvedRetention {
  if (options.maxEvents === Number.POSITIVE_INFINITY) {
    throw new ResumableSseError(
      'INVALID_OPTION',
      `${store} option "maxEvents" must be a whole number ≥ 1, got Infinity. To keep every event, pass a maxEvents above anything a stream will hold (SQLite and Redis take Number.MAX_SAFE_INTEGER; memoryStore allocates each stream's ring up front); to keep events by age, add maxAgeMs.`,
    );
  }
  return {
    maxEvents: wholeNumberOption(store, 'maxEvents', options.maxEvents, {
      fallback: DEFAULT_MAX_EVENTS,
      min: 1,
    }),
    maxAgeMs: optionalWholeNumberOption(store, 'maxAgeMs', options.maxAgeMs, { min: 1 }),
    idempotencyWindowMs: wholeNumberOption(store, 'idempotencyWindowMs', options.idempotencyWindowMs, {
      fallback: DEFAULT_IDEMPOTENCY_WINDOW_MS,
      min: 0,
    }),
  };
}

export interface WholeNumberRule {
  readonly min: number;
  /** @default Number.MAX_SAFE_INTEGER */
  readonly max?: number;
}

/** A whole-number option between `min` and `max`, `fallback` when absent. */
export function wholeNumberOption(
  store: string,
  name: string,
  value: unknown,
  rule: WholeNumberRule & { readonly fallback: number },
): number {
  return value === undefined ? rule.fallback : checkWholeNumber(store, name, value, rule);
}

/** A whole-number option between `min` and `max`, undefined when absent. */
export function optionalWholeNumberOption(
  store: string,
  name: string,
  value: unknown,
  rule: WholeNumberRule,
): number | undefined {
  return value === undefined ? undefined : checkWholeNumber(store, name, value, rule);
}

/** A clock option: a function returning milliseconds since the Unix epoch, `Date.now` when absent. */
export function clockOption(store: string, now: unknown): () => number {
  if (now === undefined) return Date.now;
  if (typeof now !== 'function') {
    throw new ResumableSseError(
      'INVALID_OPTION',
      `${store} option "now" must be a function returning milliseconds since the Unix epoch, got ${describe(now)}.`,
    );
  }
  return now as () => number;
}

function checkWholeNumber(store: string, name: string, value: unknown, rule: WholeNumberRule): number {
  const max = rule.max ?? Number.MAX_SAFE_INTEGER;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < rule.min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${rule.min}` : `from ${rule.min} to ${max}`;
    throw new ResumableSseError(
      'INVALID_OPTION',
      `${store} option "${name}" must be a whole number ${range}, got ${describe(value)}.`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
