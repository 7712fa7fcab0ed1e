import { createEventStreamClient, type StreamEvent } from '@resumable-sse/client';

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
export function replayStream(
  baseUrl: string,
  options: { lastEventId?: string } = {},
): Promise<ReplayedStream> {
  return new Promise((resolve, reject) => {
    const events: StreamEvent[] = [];
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`no caught-up from ${baseUrl}/stream within 10 s`));
    }, 10_000);
    const client = createEventStreamClient(`${baseUrl}/stream`, {
      ...options,
      onEvent: (event) => {
        if (event.event === 'cloudevent') events.push(event);
      },
      onCaughtUp: () => {
        clearTimeout(timer);
        client.close();
        resolve({ events, cloudEvents: events.map((event) => JSON.parse(event.data)) });
      },
      onError: (error) => {
        if (error.fatal) {
          clearTimeout(timer);
          reject(error);
        }
      },
    });
  });
}
