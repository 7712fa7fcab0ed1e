import type { EventStore } from '@resumable-sse/core';

export type WaitOutcome = 'appended' | 'timeout' | 'ended';

/**
 * Resolves `appended` once the log has a record after `after`, `timeout` when time is up, `ended`
 * when the client went away or the store stopped promising delivery. The
 * subscription is taken before the head is checked, so an append between the two is not missed.
 */
export async function waitForAppend(
  store: EventStore,
  key: string,
  after: number,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<WaitOutcome> {
  if (signal?.aborted) return 'ended';
  let settle: (value: WaitOutcome) => void = () => undefined;
  const outcome = new Promise<WaitOutcome>((resolve) => {
    settle = resolve;
  });
  const subscription = store.subscribe(key, {
    onEvent: () => settle('appended'),
    // The store cannot promise delivery any more: answer now, the client polls again.
    onClose: () => settle('ended'),
  });
  const timer = setTimeout(() => settle('timeout'), timeoutMs);
  const onAbort = () => settle('ended');
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([subscription.ready, outcome]);
    const position = await store.position(key);
    if (position.head > after) settle('appended');
    return await outcome;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    subscription.unsubscribe();
  }
}
