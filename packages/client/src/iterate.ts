import { createEventStreamClient } from './client.ts';
import type { EventStreamClientOptions, StreamEvent } from './types.ts';

/**
 * The client as an async iterable. The stream is read only as fast as you consume it: the next
 * event is not processed until the loop asks for it. Leaving the loop (`break`, `return`, a
 * throw) closes the connection. The loop ends when the server answers 204 or the `signal` is
 * aborted, and throws the `EventStreamError` of any other fatal error.
 *
 * @example
 * for await (const event of streamEvents('/jobs/42/stream', { onReset: () => tokens.clear() })) {
 *   tokens.push(event.data);
 * }
 */
export async function* streamEvents(
  url: string | URL,
  options: Omit<EventStreamClientOptions, 'onEvent'> = {},
): AsyncGenerator<StreamEvent, void, undefined> {
  let pending: { event: StreamEvent; taken: () => void } | undefined;
  let wake: (() => void) | undefined;
  const client = createEventStreamClient(url, {
    ...options,
    onEvent: (event) =>
      new Promise<void>((taken) => {
        pending = { event, taken };
        wake?.();
      }),
    onStatus: (status) => {
      options.onStatus?.(status);
      if (status === 'closed') wake?.();
    },
  });
  try {
    for (;;) {
      if (pending) {
        const { event, taken } = pending;
        pending = undefined;
        yield event;
        taken();
      } else if (client.status === 'closed') {
        break;
      } else {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    }
    const { error } = client;
    if (error && error.code !== 'NO_CONTENT') throw error;
  } finally {
    client.close();
    pending?.taken();
  }
}
