import type { RedisStoreClient } from './options.ts';

/** Measurements older than this are replaced even by a noisier one (the server may have changed). */
const FRESH_MS = 30_000;

/**
 * Tracks how far the Redis server's clock is from ours, so an append can carry a deadline the
 * server itself checks. Why: when the connection drops with an append in flight, ioredis resends
 * it after reconnecting, possibly long after the caller was told `STORE_UNAVAILABLE`. The script
 * refuses to run past its deadline, so a reported failure stays a failure.
 *
 * Every append reply carries the server time; the estimate keeps the sample with the shortest
 * round trip (its error is at most half of that round trip).
 */
export class ServerClock {
  #offsetMs: number | undefined;
  #bestRoundTripMs = Number.POSITIVE_INFINITY;
  #measuredAt = 0;
  /** The TIME reading in flight, if any. */
  #measuring: Promise<void> | undefined;

  get known(): boolean {
    return this.#offsetMs !== undefined;
  }

  /** Server time (ms) corresponding to local time `localMs`. */
  toServer(localMs: number): number {
    return localMs + (this.#offsetMs ?? 0);
  }

  /** Records a server time read in a reply to a command sent at `sentAt` and answered at `receivedAt` (local ms). */
  observe(serverMs: number, sentAt: number, receivedAt: number): void {
    const roundTrip = receivedAt - sentAt;
    if (!Number.isFinite(serverMs) || roundTrip < 0) return;
    if (roundTrip > this.#bestRoundTripMs && receivedAt - this.#measuredAt < FRESH_MS) return;
    this.#offsetMs = serverMs - (sentAt + roundTrip / 2);
    this.#bestRoundTripMs = roundTrip;
    this.#measuredAt = receivedAt;
  }

  /**
   * Reads the server clock once with TIME (before the first append of a store). Callers that ask
   * while a reading is in flight share it, so they resume in the order they asked: two appends
   * waiting on TIME replies from different cluster nodes could otherwise overtake each other.
   */
  measure(client: RedisStoreClient): Promise<void> {
    this.#measuring ??= this.#read(client).finally(() => {
      this.#measuring = undefined;
    });
    return this.#measuring;
  }

  async #read(client: RedisStoreClient): Promise<void> {
    const sentAt = Date.now();
    const [seconds, micros] = (await client.time()) as [string | number, string | number];
    this.observe(Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000), sentAt, Date.now());
  }
}
