/**
 * The bytes of recently replayed events, so connections replaying the same event object (the
 * memory store's retained events, or a page shared by `SharedPageReads`) encode it once between
 * them: tagging and encoding an event cost more than writing it. Bounded by bytes, oldest out first.
 */
import type { StoredEvent } from '../store/types.ts';

/** Frames kept per hub at most, in bytes. */
export const REPLAY_FRAME_CACHE_BYTES = 1024 * 1024;
/** A frame larger than this is not kept: one big event would push out many small ones. */
export const REPLAY_FRAME_MAX_CACHED_BYTES = 16 * 1024;

interface CachedFrame {
  /** The epoch whose cursor the frame's `id` carries. */
  readonly epoch: string;
  readonly frame: Uint8Array;
}

export class ReplayFrameCache {
  readonly #frames = new Map<StoredEvent, CachedFrame>();
  /** Kept events, oldest first from `#head` (a Map dropped from its front slows down as it goes). */
  #order: Array<StoredEvent | undefined> = [];
  #head = 0;
  readonly #budget: number;
  #bytes = 0;

  constructor(budgetBytes: number = REPLAY_FRAME_CACHE_BYTES) {
    this.#budget = budgetBytes;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The frame kept for `event` as sent in `epoch`, if any. */
  get(event: StoredEvent, epoch: string): Uint8Array | undefined {
    const cached = this.#frames.get(event);
    return cached !== undefined && cached.epoch === epoch ? cached.frame : undefined;
  }

  /** Keeps `frame` as the bytes of `event` in `epoch`, unless it is too big to keep. */
  keep(event: StoredEvent, epoch: string, frame: Uint8Array): void {
    if (frame.byteLength > REPLAY_FRAME_MAX_CACHED_BYTES || frame.byteLength > this.#budget) return;
    const cached = this.#frames.get(event);
    this.#frames.set(event, { epoch, frame });
    if (cached === undefined) this.#order.push(event);
    this.#bytes += frame.byteLength - (cached?.frame.byteLength ?? 0);
    while (this.#bytes > this.#budget) {
      const oldest = this.#order[this.#head]!;
      this.#order[this.#head++] = undefined;
      this.#bytes -= this.#frames.get(oldest)!.frame.byteLength;
      this.#frames.delete(oldest);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
  }
}
