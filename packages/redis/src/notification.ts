import type { LiveEvent } from '@resumable-sse/core';

/** What the append script publishes: the epoch, the new offsets, and the events when they are small. */
export interface Notification {
  readonly epoch: string;
  readonly first: number;
  readonly last: number;
  /** Offsets `first..last`, in order; absent when the append was too large to inline. */
  readonly events: readonly LiveEvent[] | undefined;
}

interface WireNote {
  epoch?: unknown;
  first?: unknown;
  last?: unknown;
  time?: unknown;
  events?: unknown;
}

/** Parses a channel message; anything that is not ours (another publisher, junk) is `undefined`. */
export function parseNotification(message: string): Notification | undefined {
  let note: WireNote;
  try {
    note = JSON.parse(message) as WireNote;
  } catch {
    return undefined;
  }
  if (typeof note !== 'object' || note === null || typeof note.epoch !== 'string') return undefined;
  const first = Number(note.first);
  const last = Number(note.last);
  const time = Number(note.time);
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 1 || last < first)
    return undefined;
  const epoch = note.epoch;
  let events: LiveEvent[] | undefined;
  if (Array.isArray(note.events) && note.events.length === last - first + 1) {
    events = [];
    for (let index = 0; index < note.events.length; index += 1) {
      const item = note.events[index] as { d?: unknown; e?: unknown } | null;
      if (typeof item !== 'object' || item === null || typeof item.d !== 'string') return undefined;
      const event = typeof item.e === 'string' ? item.e : undefined;
      events.push({ epoch, offset: first + index, event, data: item.d, time });
    }
  }
  return { epoch, first, last, events };
}
