/**
 * `pnpm soak`: holds 1,000 subscribers for `SOAK_MINUTES` (default 30) or `SOAK_SECONDS`, prints
 * RSS, live heap and open file descriptors of the server over time and a final report, and exits
 * 1 if any of them grew past its limit or a subscriber lost or repeated an event.
 *
 * Also: `SOAK_SUBSCRIBERS` (1000), `SOAK_RATE` events/s (20), `SOAK_CHURN` resumes/s (5),
 * `SOAK_STORE` memory|sqlite|redis (memory), `SOAK_SAMPLE_MS` (5000).
 */
import { describeSoak, runSoak } from './run-soak.ts';

function number(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0, got ${raw}`);
  return value;
}

const seconds = process.env.SOAK_SECONDS ? number('SOAK_SECONDS', 0) : number('SOAK_MINUTES', 30) * 60;
const store = process.env.SOAK_STORE ?? 'memory';
if (store !== 'memory' && store !== 'sqlite' && store !== 'redis')
  throw new Error(`SOAK_STORE must be memory, sqlite or redis, got ${store}`);

const report = await runSoak({
  subscribers: number('SOAK_SUBSCRIBERS', 1_000),
  durationMs: seconds * 1_000,
  warmUpMs: Math.min(60_000, Math.max(5_000, seconds * 100)),
  eventsPerSecond: number('SOAK_RATE', 20),
  churnPerSecond: number('SOAK_CHURN', 5),
  sampleEveryMs: number('SOAK_SAMPLE_MS', 5_000),
  store,
  log: (line) => console.log(line),
});
console.log(describeSoak(report));
const lossless = report.gaps === 0 && report.repeats === 0 && report.resets === 0;
process.exit(report.failures.length === 0 && lossless ? 0 : 1);
