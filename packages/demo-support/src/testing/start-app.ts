import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export interface StartAppOptions {
  /** Absolute path of the app's entry file (`…/src/main.ts`); run from source with type stripping. */
  readonly entry: string;
  /** Added to the parent's environment. `undefined` removes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Port to bind. @default 0 — a free port, read back from the app's "listening on" line */
  readonly port?: number;
  /** Working directory of the child. @default the parent's */
  readonly cwd?: string;
  /** How long to wait for the URL line and `GET /health` 200. @default 20000 */
  readonly readyTimeoutMs?: number;
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A demo app running as a real child process. */
export interface RunningApp {
  /** `http://127.0.0.1:<port>` as the app logged it. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Everything the app wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitStatus>;
  /**
   * Sends `signal` (default SIGTERM) and waits for the exit; SIGKILL after `timeoutMs`
   * (default 10000). Idempotent.
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitStatus>;
}

const LISTENING_LINE = /listening on (https?:\/\/\S+)/;
const running = new Set<ChildProcess>();

// A test that crashes must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts an app (`node --conditions=@resumable-sse/source <entry>`) and resolves once it logged
 * its URL and answers `GET /health` with 200. Rejects with the app's output if it exits first.
 *
 * @example
 * const app = await startApp({ entry: fileURLToPath(new URL('./main.ts', import.meta.url)), env: { STORE: 'memory' } });
 * await fetch(`${app.url}/health`);
 * await app.stop();
 */
export async function startApp(options: StartAppOptions): Promise<RunningApp> {
  const child = spawnApp(options);

  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    output += text;
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    output += text;
  });
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<ExitStatus> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  };

  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = LISTENING_LINE.exec(output);
        if (match) resolve(match[1]!.replace(/[).,]+$/, ''));
      };
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      void exited.then((status) =>
        reject(new Error(`app exited (${describeExit(status)}) before listening`)),
      );
      setTimeout(() => reject(new Error(`no "listening on" line within ${timeoutMs} ms`)), timeoutMs).unref();
    });
    await waitForHealth(url, Math.max(1, deadline - Date.now()), exited);
    return {
      url,
      port: Number(new URL(url).port),
      pid: child.pid!,
      output: () => output,
      exited,
      stop,
    };
  } catch (error) {
    await stop('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- app output ---\n${output}`);
  }
}

/** Polls `GET <url>/health` until it answers 200. */
export async function waitForHealth(
  url: string,
  timeoutMs: number,
  exited?: Promise<ExitStatus>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void exited?.then(() => {
    gone = true;
  });
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (gone) throw new Error('app exited before /health answered');
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.status === 200) return;
      last = `status ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`GET ${url}/health did not answer 200 within ${timeoutMs} ms (${last})`);
}

export interface ExitedApp extends ExitStatus {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs an app that is expected to stop by itself (a startup error) and returns what it printed. */
export async function runUntilExit(
  options: Omit<StartAppOptions, 'readyTimeoutMs'> & { readonly timeoutMs?: number },
): Promise<ExitedApp> {
  const child = spawnApp(options);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  running.delete(child);
  return { code, signal, stdout, stderr };
}

/** A TCP port that was free a moment ago (for a server that must come back on the same port). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** `node --conditions=@resumable-sse/source <entry>` with `PORT`, killed if the test process exits first. */
function spawnApp(options: Pick<StartAppOptions, 'entry' | 'env' | 'port' | 'cwd'>) {
  const child = spawn(process.execPath, ['--conditions=@resumable-sse/source', options.entry], {
    cwd: options.cwd,
    env: mergeEnv({ ...options.env, PORT: String(options.port ?? 0) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  return child;
}

function mergeEnv(extra: Readonly<Record<string, string | undefined>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

function describeExit(status: ExitStatus): string {
  return status.signal ? `signal ${status.signal}` : `code ${status.code}`;
}
