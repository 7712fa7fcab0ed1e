import { createHash } from 'node:crypto';
import { type EventStore, isValidStreamName } from '@resumable-sse/core';
import { notFound, retained, streamStatus } from './lifecycle.ts';
import { formatOffset } from './offsets.ts';
import type { ResolvedOptions } from './options.ts';
import { tailPosition } from './positions.ts';
import type { SharedReads } from './shared-reads.ts';
import type { StreamRegistry, StreamState } from './stream-state.ts';

/** Everything one request needs: options, store, folded states. */
export interface Context {
  readonly options: ResolvedOptions;
  readonly store: EventStore;
  readonly registry: StreamRegistry;
  /** In-flight store reads shared by the SSE readers of a stream. */
  readonly sseReads: SharedReads;
}

/**
 * The store key of the stream at a URL path. Paths the store accepts as names are kept readable;
 * others (long, or with characters a store key cannot hold) are hashed.
 */
export function streamKey(path: string): string {
  const readable = `ds${path}`;
  if (isValidStreamName(readable)) return readable;
  return `ds/h/${createHash('sha256').update(path).digest('hex')}`;
}

/** The stream's state if it is live; 404 or 410 otherwise. */
export async function liveState(context: Context, key: string): Promise<StreamState> {
  const state = await context.registry.current(key);
  const status = await streamStatus(context.registry, state, context.options.now(), streamKey);
  if (status === 'live') return state;
  throw status === 'retained' ? retained() : notFound();
}

export function tailOffset(state: StreamState): string {
  return formatOffset(state.epoch, tailPosition(state));
}

/** Content type, tail, TTL, expiry and closure: what HEAD, PUT and POST answers carry. */
export function metadataHeaders(state: StreamState, headers: Headers): void {
  const meta = state.meta!;
  headers.set('Content-Type', meta.contentType);
  headers.set('Stream-Next-Offset', tailOffset(state));
  if (meta.ttlSeconds !== undefined) headers.set('Stream-TTL', String(meta.ttlSeconds));
  if (meta.expiresAt !== undefined) headers.set('Stream-Expires-At', meta.expiresAt);
  if (state.closed) headers.set('Stream-Closed', 'true');
}
