/**
 * The load generator: a separate process holding many raw `node:net` connections to one server,
 * counting frames (and sampling payload timestamps) as they arrive. Raw sockets and a byte scan
 * keep it much cheaper than the server it measures; its own CPU is reported so that can be checked.
 */
import { connect, type Socket } from 'node:net';
import { nowMs } from '../harness/clock.ts';
import { answerCommands } from '../harness/ipc-server.ts';
import type { AwaitResult, ConnectResult, LoadCommand, LoadConfig, LoadReport } from '../harness/messages.ts';
import { FrameScanner } from './frame-scanner.ts';

interface Connection {
  readonly socket: Socket;
  readonly scanner: FrameScanner;
  /** Clock reading when the connection reached the awaited frame count, or 0. */
  doneAt: number;
  closed: boolean;
}

const config = JSON.parse(process.env.BENCH_LOAD_CONFIG ?? '{}') as LoadConfig;
const connections: Connection[] = [];
const latencies: number[] = [];
let cpuMark = process.cpuUsage();
let connectStartedAt = 0;
let target = Number.POSITIVE_INFINITY;
let complete = 0;
let lost = 0;
let onProgress: (() => void) | undefined;
/** Clock reading of the last byte or connection event on any connection. */
let lastActivity = 0;

const request = [
  `GET ${config.path} HTTP/1.1`,
  `Host: 127.0.0.1:${config.port}`,
  'Accept: text/event-stream',
  'Cache-Control: no-cache',
  ...(config.lastEventId ? [`Last-Event-ID: ${config.lastEventId}`] : []),
  '',
  '',
].join('\r\n');

function check(connection: Connection, at: number): void {
  if (connection.doneAt === 0 && !connection.closed && connection.scanner.frames >= target) {
    connection.doneAt = at;
    complete += 1;
    onProgress?.();
  }
}

function open(index: number, onHeaders: () => void): void {
  // Spread over the connections: servers write to subscribers in connect order, so the first N
  // would always be served first and look faster than the rest.
  const samples = config.latencySamples ?? 0;
  const sampleLatency = samples > 0 && index % Math.max(1, Math.floor(config.connections / samples)) === 0;
  const socket = connect({
    host: '127.0.0.1',
    port: config.port,
    noDelay: true,
    ...(config.localAddress ? { localAddress: config.localAddress } : {}),
  });
  const connection: Connection = {
    socket,
    scanner: new FrameScanner({ sampleLatency }),
    doneAt: 0,
    closed: false,
  };
  connections.push(connection);
  let announced = false;
  const announce = (): void => {
    if (announced) return;
    announced = true;
    onHeaders();
  };
  socket.on('connect', () => socket.write(request));
  socket.on('data', (chunk: Buffer) => {
    const at = nowMs();
    lastActivity = at;
    connection.scanner.push(chunk, at, sampleLatency ? latencies : undefined);
    if (!connection.scanner.headersDone) return;
    announce();
    if (connection.scanner.status !== 200) {
      // Refused (e.g. 503): no stream will come on this connection.
      socket.destroy();
      return;
    }
    check(connection, at);
  });
  const gone = (): void => {
    if (connection.closed) return;
    connection.closed = true;
    if (connection.doneAt === 0) lost += 1;
    announce();
    onProgress?.();
  };
  socket.on('error', gone);
  socket.on('close', gone);
}

/** Calls `giveUp` once nothing has arrived for `stallMs`; returns the function that stops watching. */
function watchStall(giveUp: () => void): () => void {
  const stallMs = config.stallMs;
  if (stallMs === undefined) return () => {};
  lastActivity = nowMs();
  const timer = setInterval(
    () => {
      if (nowMs() - lastActivity > stallMs) giveUp();
    },
    Math.min(500, stallMs),
  );
  return () => clearInterval(timer);
}

function connectAll(): Promise<ConnectResult> {
  connectStartedAt = nowMs();
  const total = config.connections;
  let started = 0;
  let answered = 0;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      stopWatching();
      const opened = connections.filter(
        (each) => each.scanner.headersDone && each.scanner.status === 200,
      ).length;
      resolve({ startedAt: connectStartedAt, connectedAt: nowMs(), failed: total - opened });
    };
    const stopWatching = watchStall(finish);
    const next = (): void => {
      answered += 1;
      lastActivity = nowMs();
      if (started < total) open(started++, next);
      if (answered === total) finish();
    };
    const first = Math.min(total, Math.max(1, config.concurrency));
    for (; started < first; ) open(started++, next);
  });
}

function awaitFrames(frames: number, timeoutMs: number): Promise<AwaitResult> {
  target = frames;
  const at = nowMs();
  for (const connection of connections) check(connection, at);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopWatching();
      onProgress = undefined;
      let totalFrames = 0;
      for (const connection of connections) totalFrames += connection.scanner.frames;
      const perConnectionMs = connections
        .filter((each) => each.doneAt > 0)
        .map((each) => each.doneAt - connectStartedAt)
        .sort((a, b) => a - b);
      const doneAt = connections.reduce((latest, each) => Math.max(latest, each.doneAt), 0);
      resolve({ doneAt: doneAt || nowMs(), complete, lost, totalFrames, perConnectionMs });
    };
    const timer = setTimeout(finish, timeoutMs);
    const stopWatching = watchStall(finish);
    onProgress = () => {
      if (complete + lost >= connections.length) finish();
    };
    onProgress();
  });
}

function report(): LoadReport {
  let totalFrames = 0;
  for (const connection of connections) totalFrames += connection.scanner.frames;
  const cpu = process.cpuUsage(cpuMark);
  return { totalFrames, latenciesMs: latencies, cpuUs: cpu.user + cpu.system };
}

function reset(): null {
  for (const connection of connections) {
    connection.scanner.reset();
    connection.doneAt = 0;
  }
  complete = 0;
  target = Number.POSITIVE_INFINITY;
  latencies.length = 0;
  cpuMark = process.cpuUsage();
  return null;
}

async function closeAll(): Promise<void> {
  // A reset instead of a FIN: no TIME_WAIT left holding loopback ports between runs.
  for (const connection of connections) connection.socket.resetAndDestroy();
}

answerCommands((message) => {
  const command = message as unknown as LoadCommand;
  switch (command.cmd) {
    case 'connect':
      if (command.frames !== undefined) target = command.frames;
      return connectAll();
    case 'reset':
      return reset();
    case 'await':
      return awaitFrames(command.frames, command.timeoutMs);
    case 'report':
      return report();
    case 'close':
      return null;
  }
}, closeAll);
