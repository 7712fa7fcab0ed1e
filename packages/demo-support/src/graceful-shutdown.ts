import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { integerVariable } from './config.ts';

/** Grace period when neither `graceMs` nor `SHUTDOWN_GRACE_MS` says otherwise. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

export interface GracefulShutdownOptions {
  /** HTTP servers to stop: no new connections, idle keep-alive sockets closed. */
  readonly servers: readonly Server[];
  /** Ends open streams (the SSE endpoints or hub); runs after the servers stop accepting. */
  readonly closeStreams?: () => void | Promise<void>;
  /** Closes the store (and what it opened); runs last, once no request can write to it. */
  readonly closeStore?: () => void | Promise<void>;
  /**
   * How long open responses may take to flush what is queued for them and end, before their
   * sockets are cut. @default `SHUTDOWN_GRACE_MS` from `env`, else 10000
   */
  readonly graceMs?: number;
  /** Where `SHUTDOWN_GRACE_MS` is read. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default ['SIGTERM', 'SIGINT'] */
  readonly signals?: readonly NodeJS.Signals[];
  /** @default console.log */
  readonly log?: (line: string) => void;
  /** Called with the exit code once everything is closed. @default process.exit */
  readonly exit?: (code: number) => void;
}

/**
 * On SIGTERM/SIGINT: stop accepting connections, end open streams (clients resume later with
 * their cursor), wait for responses to flush and finish (cut after the grace period), close the
 * store, exit 0. A second signal exits at once. Returns the shutdown function itself, for tests
 * and callers.
 *
 * @throws {StartupError} when `SHUTDOWN_GRACE_MS` is not a whole number of milliseconds.
 */
export function installGracefulShutdown(options: GracefulShutdownOptions): () => Promise<void> {
  const graceMs = options.graceMs ?? shutdownGraceMs(options.env ?? process.env);
  const log = options.log ?? ((line: string) => console.log(line));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let shuttingDown: Promise<void> | undefined;
  const idleSockets = options.servers.map((server) => trackIdleSockets(server));

  const shutdown = (): Promise<void> => {
    shuttingDown ??= closeEverything(options, idleSockets, graceMs).then(
      () => exit(0),
      (error: unknown) => {
        log(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        exit(1);
      },
    );
    return shuttingDown;
  };

  for (const signal of signals) {
    process.on(signal, () => {
      if (shuttingDown) {
        exit(130);
        return;
      }
      log(`${signal} received, shutting down`);
      void shutdown();
    });
  }
  return shutdown;
}

/** `SHUTDOWN_GRACE_MS`: up to an hour; empty counts as unset. */
export function shutdownGraceMs(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env.SHUTDOWN_GRACE_MS?.trim() || undefined;
  return integerVariable('SHUTDOWN_GRACE_MS', raw, DEFAULT_SHUTDOWN_GRACE_MS, 0, 3_600_000);
}

async function closeEverything(
  options: GracefulShutdownOptions,
  idleSockets: IdleSockets[],
  graceMs: number,
): Promise<void> {
  const closed = options.servers.map((server, index) => stopAccepting(server, idleSockets[index]!));
  await options.closeStreams?.();
  await Promise.all(
    options.servers.map((server, index) => finishOrCut(server, idleSockets[index]!, closed[index]!, graceMs)),
  );
  await options.closeStore?.();
}

/** Closes the server's sockets that have no request in flight, without losing a queued byte. */
type IdleSockets = () => void;

/**
 * `server.closeIdleConnections()` spares a socket that connected but never sent a request
 * (an HTTP client's pool may open one ahead of need): such a socket would hold `close()` open
 * for the whole grace period. Count requests per socket to find every idle one.
 *
 * It also destroys a socket whose response has ended while that response's last bytes still wait
 * in the socket's queue (a stream ended mid-replay has up to its high-water mark there): the
 * client would see the connection reset inside a frame. So it is not used; a socket with bytes
 * still queued is ended instead — its queue is flushed, then the FIN follows — and a socket with
 * nothing queued is destroyed as before.
 */
function trackIdleSockets(server: Server): IdleSockets {
  const inFlight = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    response.once('close', () => {
      if (inFlight.has(socket)) inFlight.set(socket, Math.max(0, inFlight.get(socket)! - 1));
    });
  });
  return () => {
    for (const [socket, count] of inFlight) {
      if (count > 0) continue;
      if (socket.writableLength === 0) socket.destroy();
      else if (!socket.writableEnded) socket.end();
    }
  };
}

function stopAccepting(server: Server, closeIdle: IdleSockets): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    if (!server.listening) resolve();
    else server.close(() => resolve());
  });
  closeIdle();
  return closed;
}

async function finishOrCut(
  server: Server,
  closeIdle: IdleSockets,
  closed: Promise<void>,
  graceMs: number,
): Promise<void> {
  // A response that just ended leaves its keep-alive socket behind: close sockets as they go idle.
  closeIdle();
  const sweeper = setInterval(closeIdle, 25);
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'cut'>((resolve) => {
    timer = setTimeout(() => resolve('cut'), graceMs);
  });
  const outcome = await Promise.race([closed.then(() => 'closed' as const), graceOver]);
  clearTimeout(timer);
  clearInterval(sweeper);
  if (outcome === 'cut') {
    server.closeAllConnections();
    await closed;
  }
}
