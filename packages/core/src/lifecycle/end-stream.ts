/**
 * Publishing a terminal event, shared by producers and guardians. The caller has already won the
 * stream's end (an atomic `active → completed | failed | orphaned`), so exactly one terminal event
 * is published per stream however many processes race.
 */
import type { Hub } from '../hub.ts';
import { TERMINAL_IDEMPOTENCY_KEY } from './terminal.ts';
import type { LifecycleStore, StreamState, TerminalEvent, TerminalState } from './types.ts';

const RETRY_DELAYS_MS = [100, 500] as const;

export interface EndStreamInput {
  readonly streamId: string;
  readonly event: string;
  readonly data: string;
  readonly state: TerminalState;
  /** The state the caller moved the record to when it won the end. */
  readonly claimedState: StreamState;
  readonly completionTtlMs: number;
}

/**
 * Appends the terminal event (idempotently, so a retry after a lost reply stores it once) and keeps
 * its completion record. When the event cannot be stored, the record goes back to `active` so a
 * guardian ends the stream later, and the error is rethrown.
 */
export async function endStream(
  hub: Hub,
  lifecycle: LifecycleStore,
  input: EndStreamInput,
): Promise<TerminalEvent> {
  let published: Awaited<ReturnType<Hub['publish']>>;
  try {
    published = await withRetries(() =>
      hub.publish(input.streamId, {
        event: input.event,
        data: input.data,
        idempotencyKey: TERMINAL_IDEMPOTENCY_KEY,
      }),
    );
  } catch (error) {
    await lifecycle.setState(input.streamId, 'active', { from: input.claimedState }).catch(() => false);
    throw error;
  }
  const terminal: TerminalEvent = {
    event: input.event,
    data: input.data,
    id: published.id,
    state: input.state,
  };
  await withRetries(() => lifecycle.complete(input.streamId, terminal, input.completionTtlMs));
  return terminal;
}

async function withRetries<T>(operation: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
