import type { StreamEvent } from '@resumable-sse/client';
import { replayStream as replayFrom } from '@resumable-sse/demo-support/testing';

export interface ReplayedStream {
  /** The `cloudevent` events, in order. */
  readonly events: StreamEvent[];
  /** The CloudEvent each carries, parsed. */
  readonly cloudEvents: Record<string, unknown>[];
}

/**
 * Connects with the real client, collects what the server replays until `caught-up`, and
 * disconnects. The player's initial policy is `earliest`: that is every retained event.
 */
export async function replayStream(
  baseUrl: string,
  options: { lastEventId?: string } = {},
): Promise<ReplayedStream> {
  const { events, payloads } = await replayFrom(`${baseUrl}/stream`, { ...options, event: 'cloudevent' });
  return { events, cloudEvents: payloads as Record<string, unknown>[] };
}
