import { type ChildProcess, spawn } from 'node:child_process';
import { collect } from './run.ts';

const PRELOAD = new URL('./free-port.mjs', import.meta.url).href;

export interface ExampleProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves once `pattern` appears on stdout. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code. */
  exited(): Promise<number | null>;
  stop(): Promise<void>;
}

/** Starts a README example with this Node (which runs TypeScript as it is), in `cwd`. */
export function startExample(file: string, cwd: string, env: Record<string, string> = {}): ExampleProcess {
  const child = spawn(process.execPath, ['--import', PRELOAD, file], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const output = collect(child);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: output.text,
    async waitForOutput(pattern, timeoutMs = 10_000) {
      const started = Date.now();
      while (!pattern.test(output.stdout())) {
        if (child.exitCode !== null)
          throw new Error(`${file} exited before printing ${pattern}:\n${output.text()}`);
        if (Date.now() - started > timeoutMs)
          throw new Error(`${file} never printed ${pattern}:\n${output.text()}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    exited: () => exit,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
        await exit;
        clearTimeout(timer);
      }
    },
  };
}

/** Starts a server example and resolves with its base URL once it listens. */
export async function startServerExample(
  file: string,
  cwd: string,
): Promise<{ readonly process: ExampleProcess; readonly base: string }> {
  const started = startExample(file, cwd);
  const address = await new Promise<{ port: number; family: string }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${file} did not listen within 15 s:\n${started.output()}`)),
      15_000,
    );
    started.child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as { port: number; family: string });
    });
    started.child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (${code}) before listening:\n${started.output()}`));
    });
  });
  const host = address.family === 'IPv6' ? '[::1]' : '127.0.0.1';
  return { process: started, base: `http://${host}:${address.port}` };
}
