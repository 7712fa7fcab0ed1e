/**
 * `Stream-Cursor` values: 20-second intervals counted from 2024-10-09T00:00:00Z. A client echoing a
 * cursor at or past the current interval gets a strictly larger one (1–3600 s of jitter), so a CDN
 * never serves the same cached long-poll answer forever.
 */
const CURSOR_EPOCH_MS = Date.UTC(2024, 9, 9);
const INTERVAL_MS = 20_000;
const DECIMAL = /^\d{1,15}$/;

export function nextCursor(now: number, echoed: string | null): string {
  const current = Math.floor((now - CURSOR_EPOCH_MS) / INTERVAL_MS);
  if (echoed === null || !DECIMAL.test(echoed)) return String(current);
  const client = Number(echoed);
  if (client < current) return String(current);
  const jitterSeconds = 1 + Math.floor(Math.random() * 3600);
  return String(client + Math.max(1, Math.ceil(jitterSeconds / (INTERVAL_MS / 1000))));
}
