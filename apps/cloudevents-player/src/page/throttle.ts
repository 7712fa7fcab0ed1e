/**
 * Runs `action` at most once per `intervalMs`, and always once more after the last call, so the
 * final state is always shown (the counter ends exact) while a burst redraws only now and then.
 */
export function throttle(action: () => void, intervalMs: number, now = () => performance.now()): () => void {
  let last = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = (): void => {
    timer = undefined;
    last = now();
    action();
  };
  return () => {
    if (timer !== undefined) return;
    const wait = last + intervalMs - now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  };
}
