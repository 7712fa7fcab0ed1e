/**
 * The orchestrator's side of a child process: fork a script (servers, load generators and
 * micro-benchmarks each run in their own process), read the port it prints, send it commands
 * over IPC and await the answers.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SOURCE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Node flags every child gets: workspace packages from source, and `gc()` for memory figures. */
const EXEC_ARGV = [
  '--conditions=@resumable-sse/source',
  '--expose-gc',
  '--disable-warning=ExperimentalWarning',
];

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

export interface Child {
  /** The port the script printed (`PORT <n>`), or 0 for scripts that serve nothing. */
  readonly port: number;
  readonly pid: number;
  request<T>(command: object, timeoutMs?: number): Promise<T>;
  /** Asks the child to close, then kills it if it has not exited within a second. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  /** Script path relative to `src/`, e.g. `servers/bare.ts`. */
  readonly script: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Wait for a `PORT <n>` line before resolving. @default true */
  readonly expectPort?: boolean;
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly execArgv?: readonly string[];
  readonly startTimeoutMs?: number;
}

const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

export async function spawnChild(options: SpawnOptions): Promise<Child> {
  const child = fork(`${SOURCE_ROOT}${options.script}`, [], {
    execArgv: [...EXEC_ARGV, ...(options.execArgv ?? [])],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...process.env, ...options.env },
  });
  alive.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => alive.delete(child));

  let nextId = 1;
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on('message', (message: Reply) => {
    const entry = waiting.get(message.id);
    if (!entry) return;
    waiting.delete(message.id);
    if (message.ok) entry.resolve(message.result);
    else entry.reject(new Error(`${options.script}: ${message.error}`));
  });
  void exited.then(() => {
    for (const entry of waiting.values())
      entry.reject(new Error(`${options.script} exited (code ${child.exitCode})`));
    waiting.clear();
  });

  const port =
    options.expectPort === false
      ? 0
      : await readPort(child, options.script, options.startTimeoutMs ?? 20_000);

  return {
    port,
    pid: child.pid ?? 0,
    request<T>(command: object, timeoutMs = 120_000): Promise<T> {
      if (child.exitCode !== null || !child.connected) {
        return Promise.reject(new Error(`${options.script} is not running`));
      }
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`${options.script}: ${JSON.stringify(command)} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, {
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as T);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        child.send({ ...command, id });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        if (child.connected) child.send({ cmd: 'close', id: 0 });
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

function readPort(child: ChildProcess, script: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} printed no port within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (code ${code}) before printing its port`));
    });
    lines.on('line', (line) => {
      const match = /^PORT (\d+)$/.exec(line.trim());
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      } else if (line.trim() !== '') {
        process.stderr.write(`[${script}] ${line}\n`);
      }
    });
  });
}
