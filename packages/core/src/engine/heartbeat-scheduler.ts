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

  /** Registers `member` on the timer for `intervalMs`; `remove` with the same pair takes it off. */
  add(intervalMs: number, member: Beating): void {
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
  }

  /** Takes `member` off the timer for `intervalMs`; the last one off stops the timer. */
  remove(intervalMs: number, member: Beating): void {
    const bucket = this.#buckets.get(intervalMs);
    if (!bucket?.members.delete(member)) return;
    if (bucket.members.size === 0) {
      clearInterval(bucket.timer);
      this.#buckets.delete(intervalMs);
    }
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
