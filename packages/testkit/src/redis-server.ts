/**
 * Starts a real, throwaway `redis-server` for tests, benchmarks and failure drills: loopback
 * only, a free port, no automatic persistence (`--save '' --appendonly no`), its own temp dir.
 * An explicit snapshot (`saveSnapshot`) can later be restored into a restarted server
 * (`restartFrom`). Nothing is mocked; a missing binary is a failure, never a skip.
 *
 * @example
 * ```ts
 * const redis = await startRedisServer();
 * const client = new Redis(redis.url);
 * // ...
 * await redis.stop();
 * ```
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface RedisServerOptions {
  /** Port to listen on. @default a free port found by the harness */
  readonly port?: number;
  /** Extra `redis-server` arguments, e.g. `['--maxmemory', '10mb']`. */
  readonly args?: readonly string[];
  /** How long to wait for "ready to accept connections". @default 10_000 */
  readonly startTimeoutMs?: number;
}

export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Process id of the current server process (changes after `restart()`). */
  readonly pid: number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Sends a signal (`SIGKILL` = crash, `SIGSTOP`/`SIGCONT` = freeze/thaw) and returns at once. */
  kill(signal?: NodeJS.Signals): void;
  /** Stops (or reaps a killed) server and starts a fresh one on the same port: every key is lost. */
  restart(): Promise<void>;
  /**
   * `SAVE`, then copies the RDB file aside, as an operator's backup: returns the copy's path
   * (removed by `stop()`). Works although automatic saving is off.
   */
  saveSnapshot(): Promise<string>;
  /**
   * Crashes the server (SIGKILL: nothing written since the snapshot survives) and starts it again
   * on the same port from the RDB file at `rdbPath` — a restore from an older backup.
   */
  restartFrom(rdbPath: string): Promise<void>;
  /** FLUSHALL over a raw connection, as an operator would. */
  flushAll(): Promise<void>;
  /** Runs one command over a raw connection and returns the reply's text (for drills and checks). */
  command(...args: readonly string[]): Promise<string>;
  /** The server's log so far (for error messages). */
  log(): string;
}

const HOST = '127.0.0.1';
const READY_PATTERN = /ready to accept connections/i;
const ADDRESS_IN_USE_PATTERN = /address already in use/i;
const LOG_TAIL_CHARS = 2_000;
/** The server's RDB file name in its `--dir` (redis-server's default `dbfilename`). */
const RDB_FILE = 'dump.rdb';
const STOP_GRACE_MS = 3_000;

/** Server pids still running in this process, killed on exit so a crashed test run leaves none behind. */
const running = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pid of running) signal(pid, 'SIGKILL');
  });
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/**
 * Runs redis-server under a tiny shell watchdog that holds a pipe from this process: if this
 * process dies without stopping the server (a crashed or killed test worker, where no exit hook
 * runs), the pipe closes and the watchdog kills the server. The shell also forwards SIGTERM and
 * exits only once the server has.
 */
const WATCHDOG = `
exec 3<&0
"$@" </dev/null &
server=$!
trap 'kill -TERM $server 2>/dev/null' TERM INT
( while read -r _; do :; done; kill -KILL $server 2>/dev/null ) <&3 &
watcher=$!
exec 3<&-
wait $server
status=$?
while kill -0 $server 2>/dev/null; do wait $server; status=$?; done
kill $watcher 2>/dev/null
exit $status
`;

export function redisServerBinary(): string {
  return process.env.REDIS_SERVER_BIN ?? 'redis-server';
}

/** The binary's path, or undefined when it is not installed. */
function findBinary(binary: string): string | undefined {
  const candidates = binary.includes('/')
    ? [binary]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, binary));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

class StartError extends Error {
  readonly addressInUse: boolean;
  constructor(message: string, addressInUse: boolean) {
    super(message);
    this.addressInUse = addressInUse;
  }
}

interface Started {
  /** The watchdog shell; it exits when the server has exited. */
  readonly child: ChildProcess;
  /** The redis-server process itself (signals go here). */
  readonly serverPid: number;
  readonly exited: Promise<void>;
  readonly log: () => string;
}

function tail(text: string): string {
  return text.length > LOG_TAIL_CHARS ? `…${text.slice(-LOG_TAIL_CHARS)}` : text;
}

function launch(
  port: number,
  dir: string,
  extraArgs: readonly string[],
  timeoutMs: number,
): Promise<Started> {
  const requested = redisServerBinary();
  const binary = findBinary(requested);
  if (binary === undefined) {
    return Promise.reject(
      new StartError(
        `redis-server not found (tried "${requested}"; set REDIS_SERVER_BIN to override). ` +
          'Run the tests with the repo test command (`./scripts/pnpm test` from the repo root), ' +
          'which provisions redis-server from Debian packages (scripts/provision-test-services.mjs).',
        false,
      ),
    );
  }
  const args = [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--dbfilename',
    RDB_FILE,
    '--daemonize',
    'no',
    '--logfile',
    '',
    ...extraArgs,
  ];
  let output = '';
  let serverPid: number | undefined;
  const child = spawn('sh', ['-c', WATCHDOG, 'redis-watchdog', binary, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  installExitHook();
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      if (serverPid !== undefined) running.delete(serverPid);
      resolve();
    });
    child.once('error', () => resolve());
  });

  return new Promise<Started>((resolve, reject) => {
    let settled = false;
    const finish = (error?: StartError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error || serverPid === undefined) {
        if (serverPid !== undefined) signal(serverPid, 'SIGKILL');
        child.kill('SIGKILL');
        reject(
          error ??
            new StartError(`redis-server did not log its pid on port ${port}. Log:\n${tail(output)}`, false),
        );
      } else {
        resolve({ child, serverPid, exited, log: () => output });
      }
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (serverPid === undefined) {
        const match = /\bpid=(\d+)/.exec(output);
        if (match) {
          serverPid = Number(match[1]);
          running.add(serverPid);
        }
      }
      if (READY_PATTERN.test(output)) finish();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => {
      finish(new StartError(`could not start redis-server ("${binary}"): ${error.message}`, false));
    });
    child.once('exit', (code, signal) => {
      finish(
        new StartError(
          `redis-server exited before it was ready (code ${code}, signal ${signal}) on port ${port}. Log:\n${tail(output)}`,
          ADDRESS_IN_USE_PATTERN.test(output),
        ),
      );
    });
    const timer = setTimeout(() => {
      finish(
        new StartError(
          `redis-server did not log "ready to accept connections" within ${timeoutMs} ms on port ${port}. Log:\n${tail(output)}`,
          false,
        ),
      );
    }, timeoutMs);
  });
}

/**
 * Sends one command in RESP and returns the reply as text. Enough for FLUSHALL, CLIENT LIST,
 * DEBUG and friends without depending on a Redis client library.
 */
export function rawRedisCommand(port: number, args: readonly string[], timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: HOST, port });
    let reply = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis command ${args[0]} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', (chunk: Buffer) => {
      reply = Buffer.concat([reply, chunk]);
      const parsed = parseReply(reply, 0);
      if (parsed === undefined) return;
      clearTimeout(timer);
      socket.end();
      if (parsed.error) reject(new Error(parsed.text));
      else resolve(parsed.text);
    });
    const encoded = [`*${args.length}\r\n`];
    for (const arg of args) encoded.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
    socket.write(encoded.join(''));
  });
}

interface ParsedReply {
  readonly text: string;
  readonly error: boolean;
  readonly end: number;
}

/** Minimal RESP2 reader: returns undefined until the whole reply has arrived. */
function parseReply(buffer: Buffer, start: number): ParsedReply | undefined {
  const lineEnd = buffer.indexOf('\r\n', start);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[start] ?? 0);
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
    case ':':
      return { text: line, error: false, end: next };
    case '-':
      return { text: line, error: true, end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { text: '', error: false, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { text: buffer.toString('utf8', next, next + length), error: false, end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      const items: string[] = [];
      let cursor = next;
      for (let index = 0; index < count; index += 1) {
        const item = parseReply(buffer, cursor);
        if (item === undefined) return undefined;
        items.push(item.text);
        cursor = item.end;
      }
      return { text: items.join('\n'), error: false, end: cursor };
    }
    default:
      return { text: buffer.toString('utf8', start), error: true, end: buffer.length };
  }
}

/**
 * Spawns `redis-server` on 127.0.0.1 and resolves once it logs that it is ready.
 * @throws when the binary is missing (with the command that provisions it) or it does not start.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const extraArgs = options.args ?? [];
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  let dir = mkdtempSync(join(tmpdir(), 'rsse-redis-'));
  let snapshotDir: string | undefined;
  let snapshotCount = 0;
  let port = options.port ?? (await findFreePort());
  let current: Started | undefined;

  const start = async (mayMove: boolean): Promise<void> => {
    // A port found free may be taken before redis binds it; pick another unless the port is fixed.
    for (let attempt = 1; ; attempt += 1) {
      try {
        current = await launch(port, dir, extraArgs, timeoutMs);
        return;
      } catch (error) {
        const retry = error instanceof StartError && error.addressInUse && mayMove && attempt < 5;
        if (!retry) throw error;
        port = await findFreePort();
      }
    }
  };

  const stopCurrent = async (): Promise<void> => {
    const started = current;
    if (!started) return;
    current = undefined;
    if (started.child.exitCode === null && started.child.signalCode === null) {
      signal(started.serverPid, 'SIGCONT'); // a frozen server cannot handle SIGTERM
      signal(started.serverPid, 'SIGTERM');
      const timer = setTimeout(() => {
        signal(started.serverPid, 'SIGKILL');
        started.child.kill('SIGKILL');
      }, STOP_GRACE_MS);
      await started.exited;
      clearTimeout(timer);
    }
    running.delete(started.serverPid);
  };

  const crashCurrent = async (): Promise<void> => {
    const started = current;
    if (!started) return;
    current = undefined;
    signal(started.serverPid, 'SIGKILL');
    await started.exited;
    running.delete(started.serverPid);
  };

  try {
    await start(options.port === undefined);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  let stopped = false;
  const handle: RedisServerHandle = {
    host: HOST,
    get port() {
      return port;
    },
    get url() {
      return `redis://${HOST}:${port}`;
    },
    get pid() {
      return current?.serverPid;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopCurrent();
      rmSync(dir, { recursive: true, force: true });
      if (snapshotDir !== undefined) rmSync(snapshotDir, { recursive: true, force: true });
    },
    kill(name: NodeJS.Signals = 'SIGKILL') {
      if (current) signal(current.serverPid, name);
    },
    async restart() {
      if (stopped) throw new Error('this redis-server handle was stopped; start a new one');
      await stopCurrent();
      rmSync(dir, { recursive: true, force: true });
      dir = mkdtempSync(join(tmpdir(), 'rsse-redis-'));
      // Same port: clients reconnect to where they were, as after a real restart.
      await start(false);
    },
    async saveSnapshot() {
      await rawRedisCommand(port, ['SAVE']);
      snapshotDir ??= mkdtempSync(join(tmpdir(), 'rsse-redis-snapshots-'));
      snapshotCount += 1;
      const copy = join(snapshotDir, `snapshot-${snapshotCount}.rdb`);
      copyFileSync(join(dir, RDB_FILE), copy);
      return copy;
    },
    async restartFrom(rdbPath: string) {
      if (stopped) throw new Error('this redis-server handle was stopped; start a new one');
      await crashCurrent();
      rmSync(dir, { recursive: true, force: true });
      dir = mkdtempSync(join(tmpdir(), 'rsse-redis-'));
      copyFileSync(rdbPath, join(dir, RDB_FILE));
      await start(false);
    },
    async flushAll() {
      await rawRedisCommand(port, ['FLUSHALL']);
    },
    command(...args: readonly string[]) {
      return rawRedisCommand(port, args);
    },
    log() {
      return current?.log() ?? '';
    },
  };
  return handle;
}
