import type { EventStore } from '@resumable-sse/core';
import { DurableStreamsError } from './errors.ts';
import { epochTag, parseOffset } from './offsets.ts';
import { type RangeRead, readRange } from './read-range.ts';
import type { StreamRegistry, StreamState } from './stream-state.ts';

/**
 * A stream's positions. A plain stream's position is its log offset. A fork's positions continue
 * its source's: up to the fork point they are the source's own (read from the source's log in
 * place, nothing copied), and the fork's own record at log offset L is `point + (L - base)`. So an
 * offset a client took from the source stays valid on the fork, and offsets only grow.
 */
export function ownStart(state: StreamState): number {
  return state.meta?.fork?.point ?? state.base;
}

export function originOf(state: StreamState): number {
  return state.meta?.fork?.origin ?? state.base;
}

export function tailPosition(state: StreamState): number {
  return ownStart(state) + (state.tail - state.base);
}

export function logOffsetOf(state: StreamState, position: number): number {
  return state.base + (position - ownStart(state));
}

export function acceptedTags(state: StreamState): string[] {
  return [epochTag(state.epoch), ...(state.meta?.fork?.tags ?? [])];
}

/** Where a read starts, as a position of this stream. */
export function startPosition(state: StreamState, raw: string | null): number {
  const parsed = parseOffset(raw, acceptedTags(state));
  const origin = originOf(state);
  if (parsed.kind === 'now') return tailPosition(state);
  if (parsed.kind === 'start' || parsed.after < origin) return origin;
  if (parsed.after > tailPosition(state)) {
    throw new DurableStreamsError(
      'BAD_OFFSET',
      'That offset is past the end of the stream; use a Stream-Next-Offset this server returned.',
    );
  }
  return parsed.after;
}

export interface Reader {
  readonly store: EventStore;
  readonly registry: StreamRegistry;
}

/** Data in positions (`after`, `until`] of a stream, through its fork chain. */
export async function readPositions(
  reader: Reader,
  state: StreamState,
  after: number,
  until: number,
  maxBytes: number,
): Promise<RangeRead> {
  const start = ownStart(state);
  const fork = state.meta?.fork;
  let inherited: RangeRead = { records: [], end: after, complete: true };
  if (fork !== undefined && after < start) {
    const source = await reader.registry.current(fork.key);
    if (source.epoch !== fork.epoch || source.base !== fork.base) {
      throw new DurableStreamsError(
        'OFFSET_GONE',
        'The data this fork inherited is no longer held by the store.',
      );
    }
    inherited = await readPositions(reader, source, after, Math.min(until, start), maxBytes);
    if (!inherited.complete || until <= start) return inherited;
    after = start;
  }
  const used = inherited.records.reduce((sum, record) => sum + record.payload.length, 0);
  const own = await readRange(
    reader.store,
    state.key,
    logOffsetOf(state, after),
    logOffsetOf(state, until),
    Math.max(1, maxBytes - used),
  );
  return {
    records: inherited.records.length === 0 ? own.records : [...inherited.records, ...own.records],
    end: start + (own.end - state.base),
    complete: own.complete,
  };
}
