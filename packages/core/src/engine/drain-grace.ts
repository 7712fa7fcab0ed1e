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
  new DrainWatch(sink, graceMs);
}

/** Looks once per grace: a timer per stalled connection, not one per tick. */
class DrainWatch {
  readonly #sink: SseSink;
  readonly #graceMs: number;
  #unsent: number;

  constructor(sink: SseSink, graceMs: number) {
    this.#sink = sink;
    this.#graceMs = graceMs;
    this.#unsent = sink.bufferedBytes;
    this.#schedule();
  }

  #schedule(): void {
    const timer = setTimeout(() => {
      try {
        this.#check();
      } catch {
        // A sink that throws from a timer would take the process down; this connection is lost either way.
      }
    }, this.#graceMs);
    // The socket keeps the process alive while it matters; this timer must not on its own.
    timer.unref?.();
  }

  #check(): void {
    const unsent = this.#sink.bufferedBytes;
    // Sent, or the connection is gone: nothing left to guard.
    if (!(unsent > 0)) return;
    if (unsent < this.#unsent) {
      this.#unsent = unsent;
      this.#schedule();
      return;
    }
    this.#sink.abort?.();
  }
}
