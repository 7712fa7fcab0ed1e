/**
 * Paging an owner's streams, shared by every lifecycle store so they order, bound and refuse the
 * same way. A page is newest first by `(startedAt, streamId)`, both fixed once a record exists, so
 * a keyset cursor made of them stays valid while records heartbeat, end or expire.
 */
import { ResumableSseError } from '../errors.ts';
import { isValidStreamName } from '../stream-name.ts';
import type { OwnerPage, OwnerPageOptions, StreamRecord } from './types.ts';
import { assertLabel } from './validate.ts';

export const DEFAULT_OWNER_PAGE_LIMIT = 50;
export const MAX_OWNER_PAGE_LIMIT = 1_000;
/** Enough digits for any millisecond timestamp a safe integer holds, so keys sort as text too. */
const TIME_DIGITS = 16;
const CURSOR = /^(\d{16})\.(.+)$/;

/** A position in an owner's listing: the last record of a page. */
export interface OwnerPagePosition {
  readonly startedAt: number;
  readonly streamId: string;
}

export interface CheckedOwnerPage {
  readonly owner: string;
  readonly after: OwnerPagePosition | undefined;
  readonly limit: number;
}

export function checkOwnerPageOptions(owner: string, options: OwnerPageOptions = {}): CheckedOwnerPage {
  assertLabel('owner', owner);
  if (typeof options !== 'object' || options === null) {
    throw new ResumableSseError('INVALID_OPTION', 'pageByOwner options must be { after?, limit? }');
  }
  const limit = options.limit ?? DEFAULT_OWNER_PAGE_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_OWNER_PAGE_LIMIT) {
    throw new ResumableSseError(
      'INVALID_OPTION',
      `Option limit must be a whole number from 1 to ${MAX_OWNER_PAGE_LIMIT}, got ${String(limit)}`,
    );
  }
  const after = options.after === undefined ? undefined : decodeOwnerPageCursor(options.after);
  return { owner, after, limit };
}

/**
 * The text form of a position: the start time zero-padded, a dot, the stream id. Text order equals
 * `(startedAt, streamId)` order, so a store can keep it as a sorted key (a Redis sorted set by lex).
 */
export function ownerPageKey(position: OwnerPagePosition): string {
  return `${String(position.startedAt).padStart(TIME_DIGITS, '0')}.${position.streamId}`;
}

export function decodeOwnerPageCursor(cursor: unknown): OwnerPagePosition {
  const match = typeof cursor === 'string' ? CURSOR.exec(cursor) : null;
  const startedAt = Number(match?.[1]);
  const streamId = match?.[2];
  if (!match || !Number.isSafeInteger(startedAt) || !isValidStreamName(streamId)) {
    throw new ResumableSseError(
      'INVALID_OPTION',
      `Option after must be the "next" of an earlier page, got ${JSON.stringify(String(cursor).slice(0, 50))}; start again without it`,
    );
  }
  return { startedAt, streamId };
}

/** Newest first: later start first, then the larger stream id. */
export function newestFirst(a: OwnerPagePosition, b: OwnerPagePosition): number {
  return b.startedAt - a.startedAt || (a.streamId < b.streamId ? 1 : a.streamId > b.streamId ? -1 : 0);
}

/** True when `record` comes after `position` in newest-first order (belongs on a later page). */
export function isAfterPosition(record: OwnerPagePosition, position: OwnerPagePosition | undefined): boolean {
  return position === undefined || newestFirst(position, record) < 0;
}

/**
 * The page from up to `limit + 1` candidates already in newest-first order: the extra one only
 * tells whether there is a next page.
 */
export function toOwnerPage(candidates: readonly StreamRecord[], limit: number): OwnerPage {
  const records = candidates.slice(0, limit);
  const last = records.at(-1);
  return {
    records,
    next: candidates.length > limit && last ? ownerPageKey(last) : null,
  };
}
