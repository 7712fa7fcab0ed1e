import type { SseResponsePlan } from '../engine/types.ts';
import { webStreamSink } from './web-stream-sink.ts';

/** One client connection on a Web Fetch runtime. */
export interface WebConnection {
  /** Aborts when the client leaves or the runtime cancels the body: the `SseRequest`'s signal. */
  readonly signal: AbortSignal;
  /**
   * The body to answer `plan` with. For a stream it is a `ReadableStream` fed until the
   * connection ends; for a plain answer its text, or null where a body is not allowed.
   */
  body(plan: SseResponsePlan): ReadableStream<Uint8Array> | string | null;
}

/**
 * Ties a connection's life to the client (`clientSignal`, usually `request.signal`) and to the
 * response body, so whichever goes first ends the stream and frees its subscription.
 */
export function webConnection(clientSignal: AbortSignal): WebConnection {
  const gone = new AbortController();
  const leave = (): void => gone.abort();
  clientSignal.addEventListener('abort', leave, { once: true });
  const release = (): void => {
    clientSignal.removeEventListener('abort', leave);
    leave();
  };
  return {
    signal: gone.signal,
    body(plan) {
      if (plan.kind === 'response') {
        clientSignal.removeEventListener('abort', leave);
        // A 204 must have a null body: a Web `Response` throws on an empty string there.
        return plan.body === '' ? null : plan.body;
      }
      const sink = webStreamSink(leave);
      plan
        .pipe(sink)
        .then(
          () => sink.end(),
          (error: unknown) => sink.fail(error),
        )
        .finally(release);
      return sink.body;
    },
  };
}
