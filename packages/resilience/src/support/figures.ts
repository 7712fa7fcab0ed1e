/**
 * Figures a run measured (lost, duplicated, resets, 5xx, memory), appended as JSON lines to
 * `RESILIENCE_FIGURES` when that variable names a file, so the README's table can be refreshed
 * from a real run. Always printed too.
 */
import { appendFileSync } from 'node:fs';

export function recordFigure(name: string, value: unknown): void {
  const file = process.env.RESILIENCE_FIGURES;
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ name, value, at: new Date().toISOString() })}\n`);
}
