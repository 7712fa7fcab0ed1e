/** Schedules one callback per frame; `requestAnimationFrame` in the page, a timer in tests. */
export type FrameScheduler = (callback: () => void) => void;

export interface FrameQueueOptions<T> {
  /** Handles one item (builds its row, updates the model); nothing is shown yet. */
  readonly handle: (item: T) => void;
  /** Shows what this frame's items built: the one DOM update of the frame. */
  readonly commit: () => void;
  /**
   * Milliseconds of `handle` work per frame; what is left waits for the next frame, so a burst
   * (or a busy machine) spreads over frames instead of freezing one. At least one item per frame.
   */
  readonly budgetMs: number;
  /** @default requestAnimationFrame */
  readonly schedule?: FrameScheduler;
  /** @default performance.now */
  readonly now?: () => number;
}

export interface FrameQueue<T> {
  push(item: T): void;
  /** Items waiting for a frame. */
  readonly pending: number;
}

/**
 * The processing queue between the stream and the DOM: the stream only pushes (cheap, never
 * blocks), and the page works on it once per frame at most, within a time budget.
 */
export function createFrameQueue<T>(options: FrameQueueOptions<T>): FrameQueue<T> {
  const schedule = options.schedule ?? ((callback) => void requestAnimationFrame(callback));
  const now = options.now ?? (() => performance.now());
  let items: T[] = [];
  let next = 0;
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const started = now();
    try {
      do options.handle(items[next++]!);
      while (next < items.length && now() - started < options.budgetMs);
    } finally {
      if (next >= items.length) {
        items = [];
        next = 0;
      } else {
        request();
      }
      options.commit();
    }
  }

  function request(): void {
    if (scheduled) return;
    scheduled = true;
    schedule(flush);
  }

  return {
    push(item) {
      items.push(item);
      request();
    },
    get pending() {
      return items.length - next;
    },
  };
}
