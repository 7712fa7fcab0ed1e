/** What the results note about the machine, so a reader can judge the figures. */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

export interface MachineNotes {
  readonly node: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  /** 1-minute load average when the run started. */
  readonly loadBefore: number;
  readonly loadAfter?: number;
  /** Share of all cores busy (any process) during one second before the run, 0–1; NaN off Linux. */
  readonly busyBefore: number;
}

export async function machineNotes(): Promise<MachineNotes> {
  const cores = cpus();
  return {
    node: process.version,
    cpuModel: cores[0]?.model ?? 'unknown',
    cores: cores.length,
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    loadBefore: loadavg()[0] ?? Number.NaN,
    busyBefore: await busyShare(1_000),
  };
}

function cpuTicks(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((sum, value) => sum + value, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

async function busyShare(ms: number): Promise<number> {
  const before = cpuTicks();
  await sleep(ms);
  const after = cpuTicks();
  if (!before || !after || after.total === before.total) return Number.NaN;
  return (after.busy - before.busy) / (after.total - before.total);
}
