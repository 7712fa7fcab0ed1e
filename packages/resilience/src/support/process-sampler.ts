/**
 * Samples another process's resident memory and open file descriptors from `/proc/<pid>` at a
 * fixed interval, so a test sees how the server's footprint moves while it is under attack.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessSample {
  /** Milliseconds since sampling started. */
  readonly at: number;
  readonly rssBytes: number;
  readonly fds: number;
  /** CPU time used so far (user + system), in ms. */
  readonly cpuMs: number;
}

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

export function readProcess(pid: number): { rssBytes: number; fds: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? Number.NaN);
  // Fields after the command name (which may contain spaces) start at index 2 (state).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return {
    rssBytes: rssKb * 1_024,
    fds: readdirSync(`/proc/${pid}/fd`).length,
    cpuMs: (ticks * 1_000) / TICKS_PER_SECOND,
  };
}

export interface Sampler {
  readonly samples: ProcessSample[];
  stop(): ProcessSample[];
}

export function sampleProcess(pid: number, everyMs: number): Sampler {
  const started = Date.now();
  const samples: ProcessSample[] = [];
  const take = () => {
    try {
      samples.push({ at: Date.now() - started, ...readProcess(pid) });
    } catch {
      // The process is gone; the test notices that on its own.
    }
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    samples,
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

export const MIB = 1_048_576;

export function mib(bytes: number): string {
  return `${(bytes / MIB).toFixed(1)} MiB`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)]!;
}

/** Median of the first and second half of a series, and the growth between them. */
export function halves(values: readonly number[]): { first: number; second: number; growth: number } {
  const middle = Math.floor(values.length / 2);
  const first = median(values.slice(0, middle));
  const second = median(values.slice(middle));
  return { first, second, growth: second - first };
}
