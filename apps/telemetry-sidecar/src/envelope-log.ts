import { randomUUID } from 'node:crypto';
import type { Hub } from '@resumable-sse/core';

/** The stream envelopes went to before the log was ever cleared. */
export const FIRST_ENVELOPE_STREAM = 'envelopes';
/** Where each clear records the stream that holds the log from then on. */
export const GENERATIONS_STREAM = 'envelopes.generations';
/**
 * Published on a stream as it is cleared: every connection on it ends there, reconnects, and is
 * answered on the new (empty) stream with a `reset`.
 */
export const CLEARED_EVENT = 'cleared';

/**
 * The envelope log, which `DELETE /clear` empties. The store has no "delete", so a clear starts
 * the log afresh on a new stream and records that stream's name in the store itself: durable on
 * every store, seen by every instance sharing one Redis, and a client holding a cursor of the
 * old stream gets `reset` (another stream has another epoch) and nothing from before the clear.
 */
export interface EnvelopeLog {
  /** The stream that holds the log now. */
  current(): Promise<string>;
  /** Empties the log; resolves with the new stream once connected clients were told. */
  clear(): Promise<string>;
}

export function envelopeLog(hub: Hub): EnvelopeLog {
  const current = async (): Promise<string> => {
    const { head } = await hub.store.position(GENERATIONS_STREAM);
    if (head === 0) return FIRST_ENVELOPE_STREAM;
    const [latest] = await hub.store.readAfter(GENERATIONS_STREAM, head - 1, 1);
    return latest ? streamOf(latest.data) : FIRST_ENVELOPE_STREAM;
  };
  return {
    current,
    async clear() {
      const previous = await current();
      const next = `envelopes.${randomUUID()}`;
      // Recorded first: from here on every request uses the new stream, even after a crash.
      await hub.publish(GENERATIONS_STREAM, {
        event: 'generation',
        data: JSON.stringify({ stream: next, clearedAt: new Date().toISOString() }),
      });
      await hub.publish(previous, { event: CLEARED_EVENT, data: JSON.stringify({ stream: next }) });
      return next;
    },
  };
}

function streamOf(data: string): string {
  try {
    const { stream } = JSON.parse(data) as { stream?: unknown };
    if (typeof stream === 'string' && stream.startsWith('envelopes.')) return stream;
  } catch {
    // Written only by `clear` above; anything else is ignored rather than trusted.
  }
  return FIRST_ENVELOPE_STREAM;
}
