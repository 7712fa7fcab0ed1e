import { createEventStreamClient, type StreamEvent } from '@resumable-sse/client';

export interface ReplayStreamOptions {
  readonly lastEventId?: string;
  /** Keep only events by this name. @default every event */
  readonly event?: string;
}

export interface ReplayedStream {
  /** The events replayed before `caught-up`, in order. */
  readonly events: StreamEvent[];
  /** Each event's data, parsed as JSON. */
  readonly payloads: unknown[];
  /** The count the `caught-up` event reported. */
  readonly replayed: number;
}

/**
 * Connects with the real client, collects what the server replays until `caught-up`, and
 * disconnects. Rejects after 10 s without `caught-up`, or on a fatal client error.
 */
export function replayStream(streamUrl: string, options: ReplayStreamOptions = {}): Promise<ReplayedStream> {
  const { event: only, ...clientOptions } = options;
  return new Promise((resolve, reject) => {
    const events: StreamEvent[] = [];
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`no caught-up from ${streamUrl} within 10 s`));
    }, 10_000);
    const client = createEventStreamClient(streamUrl, {
      ...clientOptions,
      onEvent: (event) => {
        if (only === undefined || event.event === only) events.push(event);
      },
      onCaughtUp: (info) => {
        clearTimeout(timer);
        client.close();
        resolve({
          events,
          payloads: events.map((event) => JSON.parse(event.data) as unknown),
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
