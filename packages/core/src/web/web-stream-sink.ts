import type { SseSink } from '../engine/types.ts';

/** An `SseSink` that is also the body of a Web `Response`. */
export interface WebStreamSink extends SseSink {
  readonly body: ReadableStream<Uint8Array>;
  /** Errors the body, so the runtime drops the connection instead of ending it cleanly. */
  fail(error: unknown): void;
}

/**
 * Bytes queued in a `ReadableStream` past this make `write` return false. Small, like a Node
 * socket's, so the replay pauses early; the disconnect threshold is core's `highWaterMarkBytes`.
 */
const QUEUE_HIGH_WATER_MARK = 16_384;

/**
 * Backpressure comes from the stream's own accounting: the runtime pulls only as fast as the
 * client reads, so `desiredSize` drops and `pull` is the "drained" signal. `cancel` is the client
 * going away (the runtime cancels the body on a closed socket, `app.request()` callers on abort).
 * `end()` with chunks still queued closes the body only once the runtime has taken them, so until
 * then the queue says what is unsent and `abort()` can still drop it.
 */
export function webStreamSink(onCancel: () => void): WebStreamSink {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  /** `ending`: `end()` was called and the body closes once its queue is read. */
  let state: 'open' | 'ending' | 'done' = 'open';
  let waiters: Array<() => void> = [];
  const release = (): void => {
    const pending = waiters;
    waiters = [];
    for (const resolve of pending) resolve();
  };
  const queued = (): number => QUEUE_HIGH_WATER_MARK - (controller.desiredSize ?? QUEUE_HIGH_WATER_MARK);
  const hasRoom = (): boolean => (controller.desiredSize ?? 0) > 0;
  const finish = (): void => {
    state = 'done';
    controller.close();
  };
  const error = (reason: unknown): void => {
    if (state === 'done') return;
    state = 'done';
    controller.error(reason);
    release();
  };

  const body = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c;
      },
      // Called after each chunk the runtime takes while there is room: an ending body closes
      // when the last one is taken.
      pull: () => {
        if (state === 'ending' && queued() <= 0) finish();
        release();
      },
      cancel: () => {
        state = 'done';
        release();
        onCancel();
      },
    },
    { highWaterMark: QUEUE_HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  );

  return {
    body,
    write(chunk) {
      if (state !== 'open') return false;
      controller.enqueue(chunk);
      return hasRoom();
    },
    drain: () =>
      state !== 'open' || hasRoom() ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve)),
    get bufferedBytes() {
      return state === 'done' ? 0 : queued();
    },
    get closed() {
      return state !== 'open';
    },
    end() {
      if (state !== 'open') return;
      if (queued() <= 0) finish();
      else state = 'ending';
      release();
    },
    abort() {
      error(new Error('disconnected: the client stopped reading'));
    },
    fail: error,
  };
}
