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
 */
export function webStreamSink(onCancel: () => void): WebStreamSink {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let waiters: Array<() => void> = [];
  const release = (): void => {
    const pending = waiters;
    waiters = [];
    for (const resolve of pending) resolve();
  };
  const hasRoom = (): boolean => (controller.desiredSize ?? 0) > 0;

  const body = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c;
      },
      pull: release,
      cancel: () => {
        closed = true;
        release();
        onCancel();
      },
    },
    { highWaterMark: QUEUE_HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  );

  return {
    body,
    write(chunk) {
      if (closed) return false;
      controller.enqueue(chunk);
      return hasRoom();
    },
    drain: () => (closed || hasRoom() ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
    get bufferedBytes() {
      return closed ? 0 : QUEUE_HIGH_WATER_MARK - (controller.desiredSize ?? QUEUE_HIGH_WATER_MARK);
    },
    get closed() {
      return closed;
    },
    end() {
      if (closed) return;
      closed = true;
      controller.close();
      release();
    },
    abort() {
      if (closed) return;
      closed = true;
      controller.error(new Error('slow consumer: disconnected at the high-water mark'));
      release();
    },
    fail(error) {
      if (closed) return;
      closed = true;
      controller.error(error);
      release();
    },
  };
}
