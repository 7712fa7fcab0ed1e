/**
 * Terminal events: the one event that ends a finite stream. Producers and guardians publish it;
 * endpoints end the connection after delivering it and answer `204` to a client resuming from it.
 */

import { DEFAULT_TERMINAL_EVENTS, type TerminalEventNames } from '../engine/completion.ts';
import { ResumableSseError } from '../errors.ts';
import { CONTROL_EVENTS } from '../protocol/control-events.ts';

export { DEFAULT_TERMINAL_EVENTS, type TerminalEventNames };

/**
 * Why a stream failed: `error` (the producer threw), `cancelled` (a cancel request from any
 * process), `orphaned` (its heartbeats stopped and a guardian ended it).
 */
export type FailureReason = 'error' | 'cancelled' | 'orphaned';

/** Data of a `failed` terminal event (JSON). */
export interface FailedPayload {
  readonly reason: FailureReason;
  /** For `error`: the error's message, unless `describeError` says otherwise. */
  readonly message?: string | undefined;
}

/** Data of a `completed` terminal event (JSON): what the producer returned. */
export interface CompletedPayload {
  readonly result: unknown;
}

/** Fills in defaults and checks the names can be sent and told apart. */
export function resolveTerminalNames(names: Partial<TerminalEventNames> | undefined): TerminalEventNames {
  const resolved = { ...DEFAULT_TERMINAL_EVENTS, ...names };
  for (const key of ['completed', 'failed'] as const) {
    const name = resolved[key];
    if (typeof name !== 'string' || name === '' || /[\r\n\0]/.test(name)) {
      throw new ResumableSseError(
        'INVALID_OPTION',
        `terminalEvents.${key} must be a non-empty event name without CR, LF or NUL`,
      );
    }
    if (name === CONTROL_EVENTS.reset || name === CONTROL_EVENTS.caughtUp) {
      throw new ResumableSseError(
        'INVALID_OPTION',
        `terminalEvents.${key} must not be the control event name "${name}"`,
      );
    }
  }
  if (resolved.completed === resolved.failed) {
    throw new ResumableSseError(
      'INVALID_OPTION',
      'terminalEvents.completed and terminalEvents.failed must differ',
    );
  }
  return resolved;
}

/** The idempotency key of a stream's terminal event: retries and racing writers store it once. */
export const TERMINAL_IDEMPOTENCY_KEY = 'resumable-sse:terminal';
