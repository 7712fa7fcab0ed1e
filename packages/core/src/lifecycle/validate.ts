/**
 * Input checks every lifecycle store shares, so memory, SQLite and Redis refuse the same inputs
 * with the same errors.
 */
import { ResumableSseError } from '../errors.ts';
import { assertValidStreamName } from '../stream-name.ts';
import {
  DEFAULT_RECORD_TTL_MS,
  type LifecycleStoreOptions,
  type RegisterInput,
  type StreamState,
  type TerminalEvent,
} from './types.ts';

const STATES: readonly StreamState[] = ['active', 'completed', 'failed', 'orphaned', 'expired'];
const MAX_LABEL_LENGTH = 200;
/** A UTF-16 surrogate without its other half: text that has no UTF-8 form. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isStreamState(value: unknown): value is StreamState {
  return typeof value === 'string' && (STATES as readonly string[]).includes(value);
}

export function assertStreamState(value: unknown, what = 'state'): asserts value is StreamState {
  if (!isStreamState(value)) {
    throw new ResumableSseError(
      'INVALID_OPTION',
      `${what} must be one of ${STATES.join(', ')}, got ${String(value)}`,
    );
  }
}

/** A register input, checked, with its metadata already serialised to JSON text. */
export interface CheckedRegisterInput {
  readonly streamId: string;
  readonly type: string;
  readonly owner: string;
  readonly metadataJson: string;
}

export function checkRegisterInput(input: RegisterInput): CheckedRegisterInput {
  if (typeof input !== 'object' || input === null) {
    throw new ResumableSseError('INVALID_OPTION', 'register needs { streamId, type, owner, metadata? }');
  }
  assertValidStreamName(input.streamId);
  assertLabel('type', input.type);
  assertLabel('owner', input.owner);
  return {
    streamId: input.streamId,
    type: input.type,
    owner: input.owner,
    metadataJson: metadataToJson(input.metadata),
  };
}

export function assertLabel(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LABEL_LENGTH) {
    throw new ResumableSseError(
      'INVALID_OPTION',
      `Stream ${name} must be a string of 1–${MAX_LABEL_LENGTH} characters, got ${JSON.stringify(String(value).slice(0, 50))}`,
    );
  }
  // SQLite and Redis keep text as UTF-8, where every lone surrogate becomes U+FFFD: two owners
  // differing only there would share one index and each other's streams.
  if (LONE_SURROGATE.test(value)) {
    throw new ResumableSseError(
      'INVALID_OPTION',
      `Stream ${name} ${JSON.stringify(value.slice(0, 50))} contains a lone surrogate (ill-formed UTF-16), which a store keeping UTF-8 cannot tell from U+FFFD; use well-formed text such as a user id`,
    );
  }
}

function metadataToJson(metadata: RegisterInput['metadata']): string {
  if (metadata === undefined) return '{}';
  let json: string | undefined;
  try {
    json =
      typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)
        ? JSON.stringify(metadata)
        : undefined;
  } catch (error) {
    throw new ResumableSseError(
      'INVALID_OPTION',
      'Stream metadata must be JSON-serialisable (no cycles, no BigInt)',
      {
        cause: error,
      },
    );
  }
  if (json === undefined)
    throw new ResumableSseError('INVALID_OPTION', 'Stream metadata must be a plain object');
  return json;
}

/** Reads metadata JSON back; a damaged value reads as `{}` rather than failing a listing. */
export function metadataFromJson(json: unknown): Record<string, unknown> {
  if (typeof json !== 'string') return {};
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

export function assertTerminalEvent(terminal: TerminalEvent): void {
  if (typeof terminal !== 'object' || terminal === null) {
    throw new ResumableSseError(
      'INVALID_OPTION',
      'complete needs a terminal event { event, data, id, state }',
    );
  }
  for (const field of ['event', 'data', 'id'] as const) {
    if (typeof terminal[field] !== 'string') {
      throw new ResumableSseError('INVALID_OPTION', `Terminal event ${field} must be a string`);
    }
  }
  if (terminal.event === '' || terminal.id === '') {
    throw new ResumableSseError('INVALID_OPTION', 'Terminal event name and id must not be empty');
  }
  if (terminal.state !== 'completed' && terminal.state !== 'failed') {
    throw new ResumableSseError(
      'INVALID_OPTION',
      `Terminal state must be completed or failed, got ${String(terminal.state)}`,
    );
  }
}

/** A duration option: a whole number of milliseconds ≥ `min`. */
export function checkDurationOption(
  name: string,
  value: number | undefined,
  fallback: number,
  min = 1,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ResumableSseError(
      'INVALID_OPTION',
      `Option ${name} must be a whole number of milliseconds ≥ ${min}, got ${String(value)}`,
    );
  }
  return value;
}

export interface ResolvedLifecycleOptions {
  readonly recordTtlMs: number;
  readonly now: () => number;
}

export function resolveLifecycleOptions(options: LifecycleStoreOptions = {}): ResolvedLifecycleOptions {
  const now = options.now ?? Date.now;
  if (typeof now !== 'function')
    throw new ResumableSseError('INVALID_OPTION', 'Option now must be a function returning milliseconds');
  return { recordTtlMs: checkDurationOption('recordTtlMs', options.recordTtlMs, DEFAULT_RECORD_TTL_MS), now };
}
