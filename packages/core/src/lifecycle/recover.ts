/**
 * The recovery view of a finite stream, for a JSON endpoint (`GET /jobs/:id/recover`): where it
 * stands, the events still retained (with their cursors, so a client can resume the live stream
 * from the last one), and the terminal event when it has ended.
 */

import { ResumableSseError } from '../errors.ts';
import type { Hub } from '../hub.ts';
import { eventTag } from '../protocol/event-tag.ts';
import type { StoredEvent } from '../store/types.ts';
import type { CompletionRecord, LifecycleStore, StreamRecord, StreamState } from './types.ts';

export interface RecoveredEvent {
  /** The event's cursor: pass it as `Last-Event-ID` to resume right after it. */
  readonly id: string;
  readonly event: string | undefined;
  readonly data: string;
  readonly time: number;
}

export interface StreamRecovery {
  readonly streamId: string;
  /**
   * The record's state (`expired` once an ended stream's completion TTL passed); the terminal
   * state when only the completion record is left; `expired` when only events are left;
   * `unknown` when there is nothing (answer 404).
   */
  readonly status: StreamState | 'unknown';
  /** The registry record (owner, type, times, metadata): check `owner` before answering. */
  readonly record: StreamRecord | null;
  /** Retained events, oldest first, at most `maxEvents`. */
  readonly events: readonly RecoveredEvent[];
  /** True when more events were retained than `maxEvents`. */
  readonly truncated: boolean;
  /** The terminal event while its completion record is kept. */
  readonly terminal: CompletionRecord | null;
}

export interface RecoverOptions {
  /** Most events returned. @default 10_000 */
  readonly maxEvents?: number | undefined;
}

const PAGE = 256;
const DEFAULT_MAX_EVENTS = 10_000;

export async function recoverStream(
  hub: Hub,
  lifecycle: LifecycleStore,
  streamId: string,
  options: RecoverOptions = {},
): Promise<StreamRecovery> {
  const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  if (!Number.isSafeInteger(maxEvents) || maxEvents < 1) {
    throw new ResumableSseError(
      'INVALID_OPTION',
      `Option maxEvents must be a whole number ≥ 1, got ${String(maxEvents)}`,
    );
  }
  const [record, terminal] = await Promise.all([lifecycle.get(streamId), lifecycle.completion(streamId)]);
  // Reading a position creates a stream's log; an id nobody knows must not leave one behind.
  if (!record && !terminal && (await hub.store.readAfter(streamId, 0, 1)).length === 0) {
    return { streamId, status: 'unknown', record: null, events: [], truncated: false, terminal: null };
  }
  const { events, truncated } = await readRetained(hub, streamId, maxEvents);
  const status = record?.state ?? terminal?.state ?? (events.length > 0 ? 'expired' : 'unknown');
  return { streamId, status, record, events, truncated, terminal };
}

async function readRetained(
  hub: Hub,
  streamId: string,
  maxEvents: number,
): Promise<{ events: RecoveredEvent[]; truncated: boolean }> {
  // Cursors need the epoch the events were read in: a log lost mid-read is read again, once.
  for (let attempt = 0; ; attempt += 1) {
    const { epoch } = await hub.store.position(streamId);
    const stored: StoredEvent[] = [];
    let after = 0;
    let truncated = false;
    for (;;) {
      const limit = Math.min(PAGE, maxEvents + 1 - stored.length);
      const page = await hub.store.readAfter(streamId, after, limit);
      stored.push(...page);
      if (stored.length > maxEvents) {
        stored.length = maxEvents;
        truncated = true;
        break;
      }
      const last = page.at(-1);
      if (!last || page.length < limit) break;
      after = last.offset;
    }
    if ((await hub.store.position(streamId)).epoch !== epoch && attempt === 0) continue;
    const events = stored.map((event) => ({
      id: hub.codec.encode({ epoch, offset: event.offset, tag: eventTag(event) }),
      event: event.event,
      data: event.data,
      time: event.time,
    }));
    return { events, truncated };
  }
}
