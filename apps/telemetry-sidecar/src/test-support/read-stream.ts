import { createEventStreamClient, type StreamEvent } from '@resumable-sse/client';

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
        events.push(event);
      },
      onCaughtUp: (info) => {
        clearTimeout(timer);
        client.close();
        resolve({
          events,
          envelopes: events.map((event) => JSON.parse(event.data)),
          replayed: info.replayed,
        });
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
