/**
 * A graceful end (the hub closing, `maxConnectionMs`, a terminal event, …) queues the response's
 * end behind whatever the client has not read yet. A client that stopped reading would hold that
 * socket and its unsent bytes for as long as it stays silent — for ever, and past a closing
 * server's `close()`. Here, one piece of code for every sink: what is unsent at the end gets a
 * grace to drain, started over whenever it shrinks, so a client that reads always gets the final
 * frames; a client whose unsent bytes did not shrink for a whole grace is dropped (`abort`).
 */
import type { SseSink } from './types.ts';

/** Ends `sink` gracefully; drops it if what is still unsent makes no progress for `graceMs`. */
export function endWithinGrace(sink: SseSink, graceMs: number): void {
  sink.end();
  // Nearly every end leaves nothing unsent: only a stalled client pays for a timer.
  if (sink.abort === undefined || !(sink.bufferedBytes > 0)) return;
  new DrainWatch(sink, graceMs, () => sink.abort?.());
}

/**
 * Calls `onStalled` once what `sink` has unsent made no progress for a whole `graceMs`; gives up
 * watching once nothing is unsent, or on `stop()`. Looks once per grace: a timer per stalled
 * connection, not one per tick.
 */
export class DrainWatch {
  readonly #sink: SseSink;
  readonly #graceMs: number;
  readonly #onStalled: () => void;
  #unsent: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(sink: SseSink, graceMs: number, onStalled: () => void) {
    this.#sink = sink;
    this.#graceMs = graceMs;
    this.#onStalled = onStalled;
    this.#unsent = sink.bufferedBytes;
    this.#schedule();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      try {
        this.#check();
      } catch {
        // A sink that throws from a timer would take the process down; this connection is lost either way.
      }
    }, this.#graceMs);
    // The socket keeps the process alive while it matters; this timer must not on its own.
    this.#timer.unref?.();
  }

  #check(): void {
    this.#timer = undefined;
    const unsent = this.#sink.bufferedBytes;
    // Sent, or the connection is gone: nothing left to guard.
    if (!(unsent > 0) || (this.#sink.closed && this.#sink.abort === undefined)) return;
    if (unsent < this.#unsent) {
      this.#unsent = unsent;
      this.#schedule();
      return;
    }
    this.#onStalled();
  }
}
