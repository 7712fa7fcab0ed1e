import type { EventStore } from '@resumable-sse/core';
import { decodeRecord, type LogRecord } from './log-records.ts';

export type DataRecord = Extract<LogRecord, { kind: 'data' }>;

export interface RangeRead {
  readonly records: readonly DataRecord[];
  /** Log offset of the last record read (the position to resume after). */
  readonly end: number;
  /** True when the read reached `until`. */
  readonly complete: boolean;
}

const MAX_PAGE = 500;
const FIRST_PAGE = 16;

/**
 * Data records with offsets in (`after`, `until`], stopping once about `maxBytes` of payload is
 * gathered (always at least one record, so a huge append still makes progress).
 */
export async function readRange(
  store: EventStore,
  key: string,
  after: number,
  until: number,
  maxBytes: number,
): Promise<RangeRead> {
  const records: DataRecord[] = [];
  let end = after;
  let bytes = 0;
  let page = FIRST_PAGE;
  while (end < until) {
    const events = await store.readAfter(key, end, Math.min(page, until - end));
    // Nothing retained up to `until`: the records were dropped by retention, so there is nothing to send.
    if (events.length === 0) return { records, end: until, complete: true };
    for (const event of events) {
      if (event.offset > until) return { records, end: until, complete: true };
      const record = decodeRecord(event);
      if (record.kind === 'data') {
        if (records.length > 0 && bytes + record.payload.length > maxBytes) {
          return { records, end, complete: false };
        }
        records.push(record);
        bytes += record.payload.length;
      }
      end = event.offset;
    }
    // Size the next page by what records weighed so far, so a byte budget is not read many times over.
    const average = records.length === 0 ? 0 : bytes / records.length;
    page =
      average === 0 ? MAX_PAGE : Math.max(1, Math.min(MAX_PAGE, Math.ceil((maxBytes - bytes) / average)));
  }
  return { records, end: Math.max(end, until), complete: true };
}
