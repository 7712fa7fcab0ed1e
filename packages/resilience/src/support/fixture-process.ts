/**
 * The fixture server as a real child process (`node --conditions=@resumable-sse/source`), on a
 * port that stays the same across kills so clients find it again, as behind a fixed address.
 */
import { fileURLToPath } from 'node:url';
import { freePort, type RunningApp, startApp } from '@resumable-sse/demo-support/testing';
import type { ServerStats } from '../fixture/server-stats.ts';

export const FIXTURE_ENTRY = fileURLToPath(new URL('../fixture/fixture-server.ts', import.meta.url));

export interface FixtureProcessOptions {
  /** Environment of the child: STORE, SQLITE_PATH, REDIS_URL, BUFFER_SIZE, FRAMEWORK, HWM_BYTES, … */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** @default a free port, kept across restarts */
  readonly port?: number;
}

export interface FixtureProcess {
  readonly url: string;
  readonly port: number;
  /** The current child's pid (changes on restart). */
  readonly pid: number;
  /** How many times the process was started. */
  readonly starts: number;
  /** SIGKILL: no shutdown code runs, like a crash or an OOM kill. Resolves once it is gone. */
  crash(): Promise<void>;
  /** Starts a new process on the same port (after a crash or a stop). */
  restart(): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s. Idempotent. */
  stop(): Promise<void>;
  /** True while the current child has not exited. */
  alive(): boolean;
  /** `collectFirst`: a full GC first (the process needs `NODE_OPTIONS=--expose-gc`). */
  stats(collectFirst?: boolean): Promise<ServerStats>;
  output(): string;
}

const everyProcess = new Set<FixtureProcess>();

export async function startFixtureProcess(options: FixtureProcessOptions): Promise<FixtureProcess> {
  const port = options.port ?? (await freePort());
  let app: RunningApp = await startApp({
    entry: FIXTURE_ENTRY,
    env: { HEARTBEAT_MS: '1000', ...options.env },
    port,
  });
  let exited = false;
  let history = '';
  let starts = 1;
  const watch = (running: RunningApp) => {
    exited = false;
    void running.exited.then(() => {
      if (app === running) exited = true;
    });
  };
  watch(app);
  const url = `http://127.0.0.1:${port}`;
  const handle: FixtureProcess = {
    url,
    port,
    get pid() {
      return app.pid;
    },
    get starts() {
      return starts;
    },
    async crash() {
      await app.stop('SIGKILL');
    },
    async restart() {
      await app.stop('SIGKILL');
      history += app.output();
      app = await startApp({ entry: FIXTURE_ENTRY, env: { HEARTBEAT_MS: '1000', ...options.env }, port });
      starts += 1;
      watch(app);
    },
    async stop() {
      await app.stop('SIGTERM', 5_000);
      everyProcess.delete(handle);
    },
    alive: () => !exited,
    async stats(collectFirst = false) {
      const response = await fetch(`${url}/stats${collectFirst ? '?gc=1' : ''}`, {
        signal: AbortSignal.timeout(5_000),
      });
      return (await response.json()) as ServerStats;
    },
    output: () => history + app.output(),
  };
  everyProcess.add(handle);
  return handle;
}

/** For `afterAll`: stops every fixture process this test file started, even after a failure. */
export async function stopAllFixtureProcesses(): Promise<void> {
  await Promise.all([...everyProcess].map((process) => process.stop().catch(() => {})));
}
