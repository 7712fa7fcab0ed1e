/**
 * What the orchestrator and its child processes say to each other over the IPC channel. Each
 * request carries an `id`; the child answers with the same `id` once the work is done.
 */

/** Configuration a server script reads from `BENCH_SERVER_CONFIG` (JSON). */
export interface ServerConfig {
  /** Event store behind our contenders. @default 'memory' */
  readonly store?: 'memory' | 'sqlite' | 'redis';
  /** Events retained by the store. @default 10_000 */
  readonly maxEvents?: number;
  /** SQLite file for `store: 'sqlite'`. */
  readonly sqlitePath?: string;
  /** Redis URL for `store: 'redis'` and for `resumable-stream`. */
  readonly redisUrl?: string;
  /** `redisStore`'s `commandTimeoutMs`. @default the store's default */
  readonly redisCommandTimeoutMs?: number;
  /**
   * Heartbeat interval for every contender that has one (ours: `heartbeatMs`; better-sse:
   * `keepAlive`; bare: a comment line to every response). @default 0 (none, as in scenarios 1–5)
   */
  readonly heartbeatMs?: number;
}

export type ServerCommand =
  /** Publishes `count` events of `payloadBytes`, `burst` per macrotask, as fast as possible or paced at `ratePerSec`. */
  | {
      readonly cmd: 'publish';
      readonly count: number;
      readonly payloadBytes: number;
      readonly burst?: number;
      readonly ratePerSec?: number;
    }
  /** Starts a CPU measurement window. */
  | { readonly cmd: 'mark' }
  /** CPU since the last mark, memory now, and the peak RSS seen by the watcher. */
  | { readonly cmd: 'stats' }
  /** Full garbage collection (the server runs with --expose-gc), then `stats`. */
  | { readonly cmd: 'gc' }
  /** Samples RSS every few milliseconds until turned off; `stats` reports the peak. */
  | { readonly cmd: 'watch-rss'; readonly on: boolean }
  /** Publishes `count` events and returns the cursor of the event `behind` events before the head. */
  | { readonly cmd: 'seed'; readonly count: number; readonly behind: number; readonly payloadBytes: number }
  /** Full garbage collection, then a V8 heap snapshot written to `path`. */
  | { readonly cmd: 'heap-snapshot'; readonly path: string }
  | { readonly cmd: 'close' };

export interface ServerStats {
  /** CPU time (user + system) since the last `mark`, in microseconds. */
  readonly cpuUs: number;
  /** Wall time since the last `mark`, in milliseconds. */
  readonly wallMs: number;
  readonly rss: number;
  readonly heapUsed: number;
  /** Highest RSS sampled while watching (or `rss` when not watched). */
  readonly peakRss: number;
  /** Our hub's disconnects since start, by reason (other contenders report none). */
  readonly disconnects: Readonly<Record<string, number>>;
  /** Memory V8 holds from the system per heap space (`new_space`, `old_space`, …), bytes. */
  readonly heapSpaces: Readonly<Record<string, number>>;
}

export interface PublishResult {
  /** Clock reading (see `nowMs`) just before the first event was published. */
  readonly startedAt: number;
  readonly endedAt: number;
}

export interface SeedResult {
  /** What a client sends as `Last-Event-ID` to be `behind` events behind the head. */
  readonly cursor: string;
  /** Frames (blank-line terminated) a resuming client receives before it is caught up. */
  readonly framesToCatchUp: number;
}

/** Configuration the load generator reads from `BENCH_LOAD_CONFIG` (JSON). */
export interface LoadConfig {
  readonly port: number;
  readonly path: string;
  readonly connections: number;
  /** Connects in flight at once; `connections` means all at once (a reconnect storm). */
  readonly concurrency: number;
  readonly lastEventId?: string;
  /** Connections whose payload timestamps are parsed for latency, spread evenly. @default 0 */
  readonly latencySamples?: number;
  /**
   * `connect` and `await` give up when no byte arrived on any connection for this long, so a
   * contender that stalls costs seconds, not the whole timeout. @default undefined (never)
   */
  readonly stallMs?: number;
  /**
   * Source address of every connection (any of 127.0.0.0/8 on loopback): each address has its own
   * ~28,000 ephemeral ports, so tens of thousands of connections spread over several. @default the kernel's choice
   */
  readonly localAddress?: string;
}

export type LoadCommand =
  /**
   * Opens every connection; answers once each has its response headers (or failed). `frames`
   * sets the count to await from the start, so per-connection times are exact in a storm.
   */
  | { readonly cmd: 'connect'; readonly frames?: number }
  /** Forgets frames counted so far (the preamble each contender sends at connect). */
  | { readonly cmd: 'reset' }
  /** Answers once every connection has counted `frames` frames since the last reset (or `timeoutMs`). */
  | { readonly cmd: 'await'; readonly frames: number; readonly timeoutMs: number }
  /** Counts and the latencies sampled since the last reset. */
  | { readonly cmd: 'report' }
  | { readonly cmd: 'close' };

export interface ConnectResult {
  readonly startedAt: number;
  /** When the last connection had its headers. */
  readonly connectedAt: number;
  readonly failed: number;
}

export interface AwaitResult {
  /** When the last connection reached the frame count (or the timeout hit). */
  readonly doneAt: number;
  /** Connections that reached the count. */
  readonly complete: number;
  /** Connections that closed or failed before reaching it. */
  readonly lost: number;
  readonly totalFrames: number;
  /** Per-connection time to reach the count, from the connect start, in ms (sorted). */
  readonly perConnectionMs: readonly number[];
}

export interface LoadReport {
  readonly totalFrames: number;
  /** Publish → receive latencies in ms, unsorted. */
  readonly latenciesMs: readonly number[];
  /** CPU of the load generator since the last reset, µs: shows whether the client was the bottleneck. */
  readonly cpuUs: number;
}
