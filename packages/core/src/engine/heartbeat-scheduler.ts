/**
 * One shared timer per heartbeat interval drives every connection's heartbeat and its
 * connection deadline. A timer per connection would cost most of the CPU at 100k connections.
 */
export interface Beating {
  /** Called on every tick of the connection's interval. */
  beat(now: number): void;
}

interface Bucket {
  readonly timer: ReturnType<typeof setInterval>;
  readonly members: Set<Beating>;
}

export class HeartbeatScheduler {
  readonly #buckets = new Map<number, Bucket>();

  /** Registers `member` on the timer for `intervalMs`; returns the function that removes it. */
  add(intervalMs: number, member: Beating): () => void {
    let bucket = this.#buckets.get(intervalMs);
    if (!bucket) {
      const members = new Set<Beating>();
      const timer = setInterval(() => {
        const now = Date.now();
        for (const each of members) each.beat(now);
      }, intervalMs);
      // Heartbeats alone must never keep a process alive.
      timer.unref?.();
      bucket = { timer, members };
      this.#buckets.set(intervalMs, bucket);
    }
    bucket.members.add(member);
    const owner = bucket;
    return () => {
      owner.members.delete(member);
      if (owner.members.size === 0 && this.#buckets.get(intervalMs) === owner) {
        clearInterval(owner.timer);
        this.#buckets.delete(intervalMs);
      }
    };
  }

  /** Number of live timers (one per distinct interval in use). */
  get timerCount(): number {
    return this.#buckets.size;
  }

  stop(): void {
    for (const bucket of this.#buckets.values()) clearInterval(bucket.timer);
    this.#buckets.clear();
  }
}
