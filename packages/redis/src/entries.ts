import type { StoredEvent } from '@resumable-sse/core';

/** One XRANGE entry as ioredis returns it: `[id, [field, value, ...]]`. */
export type RawEntry = [id: string, fields: string[]];

/** Entry IDs are `<offset>-0`; a stream entry stores `t` (time), `d` (data) and `e` (event, if any). */
export function toStoredEvent(entry: RawEntry): StoredEvent {
  const [id, fields] = entry;
  let event: string | undefined;
  let data = '';
  let time = 0;
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const value = fields[index + 1] as string;
    switch (fields[index]) {
      case 'd':
        data = value;
        break;
      case 'e':
        event = value;
        break;
      case 't':
        time = Number(value);
        break;
    }
  }
  return { offset: Number.parseInt(id, 10), event, data, time };
}

export function toStoredEvents(entries: readonly RawEntry[]): StoredEvent[] {
  return entries.map(toStoredEvent);
}

/** The XRANGE start ID for "offsets greater than `after`". */
export function startAfter(after: number): string {
  return `${Math.max(0, Math.floor(after)) + 1}-0`;
}
