import type { StreamEvent } from '@resumable-sse/client';
import { replayStream as replayFrom } from '@resumable-sse/demo-support/testing';

export interface ReplayedStream {
  readonly events: StreamEvent[];
  /** The envelope each event carries, parsed. */
  readonly envelopes: unknown[];
  readonly replayed: number;
}

/**
 * Connects with the real client, collects what the server replays until `caught-up`, and
 * disconnects. On the sidecar (initial policy `earliest`) that is every retained envelope.
 */
export async function replayStream(
  baseUrl: string,
  options: { lastEventId?: string } = {},
): Promise<ReplayedStream> {
  const { events, payloads, replayed } = await replayFrom(`${baseUrl}/stream`, options);
  return { events, envelopes: payloads, replayed };
}
