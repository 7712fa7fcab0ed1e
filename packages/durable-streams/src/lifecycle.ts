import { DurableStreamsError } from './errors.ts';
import type { StreamRegistry, StreamState } from './stream-state.ts';

/**
 * `live`: readable and writable. `retained`: deleted or expired, but forks still read its data,
 * so it answers 410 and its URL cannot be reused yet. `gone`: nothing there (404; PUT creates).
 */
export type StreamStatus = 'live' | 'retained' | 'gone';

export function isExpired(state: StreamState, now: number): boolean {
  const meta = state.meta;
  if (meta === undefined) return false;
  if (meta.expiresAt !== undefined && now >= Date.parse(meta.expiresAt)) return true;
  return meta.ttlSeconds !== undefined && now >= state.lastAccess + meta.ttlSeconds * 1000;
}

const MAX_CHAIN = 64;

export async function streamStatus(
  registry: StreamRegistry,
  state: StreamState,
  now: number,
  streamKey: (path: string) => string,
  depth = 0,
): Promise<StreamStatus> {
  if (state.meta === undefined) return 'gone';
  if (!state.deleted && !isExpired(state, now)) return 'live';
  if (depth >= MAX_CHAIN) return 'retained';
  for (const path of state.forks) {
    const fork = await registry.current(streamKey(path));
    const origin = fork.meta?.fork;
    // Only a fork of this incarnation holds it: a later stream at that path is someone else.
    if (origin?.key !== state.key || origin.base !== state.base || origin.epoch !== state.epoch) continue;
    if ((await streamStatus(registry, fork, now, streamKey, depth + 1)) !== 'gone') return 'retained';
  }
  return 'gone';
}

export function notFound(): DurableStreamsError {
  return new DurableStreamsError('NOT_FOUND', 'No stream at this URL; create it with PUT first.');
}

export function retained(): DurableStreamsError {
  return new DurableStreamsError(
    'STREAM_GONE',
    'This stream was deleted or expired; its data is kept only for its forks.',
  );
}
