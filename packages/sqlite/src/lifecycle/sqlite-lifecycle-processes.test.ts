import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DRIVERS, tempDirectory } from '../test-support/sqlite-files.ts';
import { sqliteLifecycle } from './sqlite-lifecycle.ts';

const WORKER = fileURLToPath(new URL('./claim.test-worker.ts', import.meta.url));

interface Worker {
  readonly ready: Promise<void>;
  /** Tells the worker to stop and resolves with the ids it claimed. */
  stop(): Promise<string[]>;
}

function startWorker(file: string, driver: string): Worker {
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(
    process.execPath,
    ['--conditions=@resumable-sse/source', WORKER, file, driver, '30000'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const ready = new Promise<void>((resolve, reject) => {
    const check = () => {
      if (output.startsWith('ready\n')) resolve();
      else if (child.exitCode !== null) reject(new Error(`claim worker exited early: ${errors}`));
      else setTimeout(check, 10);
    };
    check();
  });
  return {
    ready,
    async stop() {
      child.stdin.end('stop\n');
      const code = await exited;
      if (code !== 0) throw new Error(`claim worker failed (${code}): ${errors}`);
      return JSON.parse(output.slice('ready\n'.length)) as string[];
    },
  };
}

describe('sqlite lifecycle across processes', () => {
  const directory = tempDirectory('lifecycle-processes');
  afterAll(() => directory.remove());

  for (const driver of DRIVERS) {
    it(`two processes claiming while streams go stale claim each one exactly once (${driver})`, async () => {
      const file = join(directory.path, `claims-${driver.replace(':', '-')}.db`);
      // Streams registered "a minute ago": stale the moment they exist.
      const registrar = sqliteLifecycle({ path: file, driver, now: () => Date.now() - 60_000 });
      const workers = [startWorker(file, driver), startWorker(file, driver)];
      await Promise.all(workers.map((worker) => worker.ready));
      const ids: string[] = [];
      const until = Date.now() + 800;
      for (let index = 0; Date.now() < until; index += 1) {
        const streamId = `stale-${index}`;
        await registrar.register({ streamId, type: 'generation', owner: 'ada' });
        ids.push(streamId);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const byWorker = await Promise.all(workers.map((worker) => worker.stop()));
      const leftovers = (await registrar.claimStale(30_000, Date.now())).map((record) => record.streamId);
      await registrar.close();

      const all = [...byWorker.flat(), ...leftovers];
      expect(ids.length).toBeGreaterThan(50);
      expect(all).toHaveLength(ids.length);
      expect(new Set(all)).toEqual(new Set(ids));
      // Both processes really took part.
      expect(byWorker.every((claimed) => claimed.length > 0)).toBe(true);
    }, 30_000);
  }
});
