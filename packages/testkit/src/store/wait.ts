export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How long the suite waits to be confident that something did NOT happen (an event not delivered).
 * Long enough for a Redis round trip on a busy machine.
 */
export const SETTLE_MS = 75;

/** Polls `done` until it holds; rejects with `describe()` after `timeoutMs`. */
export async function waitUntil(
  done: () => boolean,
  describe: () => string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${describe()}`);
    await sleep(5);
  }
}
