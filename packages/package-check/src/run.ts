import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end, failing after `timeoutMs` (the child is killed, never left behind). */
export function run(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { readonly timeoutMs: number },
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = collect(child);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} ran over ${options.timeoutMs} ms\n${output.text()}`));
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: output.stdout(), stderr: output.stderr() });
    });
  });
}

/** Like `run`, but a non-zero exit is an error that carries the output. */
export async function runOk(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { readonly timeoutMs: number },
): Promise<Finished> {
  const finished = await run(command, args, options);
  if (finished.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${finished.code}\n${finished.stdout}\n${finished.stderr}`,
    );
  }
  return finished;
}

export function collect(child: ChildProcess): { stdout(): string; stderr(): string; text(): string } {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return { stdout: () => stdout, stderr: () => stderr, text: () => `${stdout}\n${stderr}` };
}
