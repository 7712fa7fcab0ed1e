import { join } from 'node:path';
import { StartupError } from './startup-error.ts';

export type StoreKind = 'memory' | 'sqlite' | 'redis';

export const STORE_KINDS: readonly StoreKind[] = ['memory', 'sqlite', 'redis'];

/** Everything a demo app reads from its environment (the demo-app contract in this package's README). */
export interface DemoConfig {
  /** `HOST`, default `127.0.0.1`. */
  readonly host: string;
  /** `PORT`, default the app's own port. `0` picks a free port. */
  readonly port: number;
  /** `STORE`, default `sqlite`. */
  readonly store: StoreKind;
  /** `SQLITE_PATH`, default `<dataDir>/<appName>.db`. Used when `store` is `sqlite`. */
  readonly sqlitePath: string;
  /** `REDIS_URL`, default `redis://127.0.0.1:6379`. Used when `store` is `redis`. */
  readonly redisUrl: string;
  /** `BUFFER_SIZE`: events retained per stream, default 500. */
  readonly bufferSize: number;
  /** `HEARTBEAT_MS`: heartbeat comment interval, default 15000; 0 turns heartbeats off. */
  readonly heartbeatMs: number;
}

export interface ReadDemoConfigOptions {
  /** Names the default SQLite file (`<dataDir>/<appName>.db`). */
  readonly appName: string;
  /** Port used when `PORT` is unset (8969, 8080, 3000 for the three demos). */
  readonly defaultPort: number;
  /** The app's `data/` directory: where the default SQLite file lives. */
  readonly dataDir: string;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export const DEFAULT_BUFFER_SIZE = 500;
export const DEFAULT_HEARTBEAT_MS = 15_000;
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Reads and validates the demo environment. Throws `StartupError` naming the variable and the
 * accepted values, so a typo is one clear line instead of a crash later on.
 */
export function readDemoConfig(options: ReadDemoConfigOptions): DemoConfig {
  const env = options.env ?? process.env;
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };

  const store = (value('STORE') ?? 'sqlite').toLowerCase();
  if (!isStoreKind(store)) {
    throw new StartupError(
      `STORE="${env.STORE}" is not a store this app knows: set STORE to one of ${STORE_KINDS.join(', ')}.`,
    );
  }

  return {
    host: value('HOST') ?? '127.0.0.1',
    port: integerVariable('PORT', value('PORT'), options.defaultPort, 0, 65_535),
    store,
    sqlitePath: value('SQLITE_PATH') ?? join(options.dataDir, `${options.appName}.db`),
    redisUrl: value('REDIS_URL') ?? DEFAULT_REDIS_URL,
    bufferSize: integerVariable('BUFFER_SIZE', value('BUFFER_SIZE'), DEFAULT_BUFFER_SIZE, 1, 10_000_000),
    heartbeatMs: integerVariable('HEARTBEAT_MS', value('HEARTBEAT_MS'), DEFAULT_HEARTBEAT_MS, 0, 3_600_000),
  };
}

function isStoreKind(value: string): value is StoreKind {
  return (STORE_KINDS as readonly string[]).includes(value);
}

/** Reads a whole-number variable within [min, max]; exported so apps validate their own variables alike. */
export function integerVariable(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  // An empty variable (`MAX_BODY_BYTES=`) means "not set", as shells and .env files write it.
  if (raw === undefined || raw.trim() === '') return fallback;
  raw = raw.trim();
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new StartupError(
      `${name}="${raw}" is not valid: set ${name} to a whole number from ${min} to ${max}.`,
    );
  }
  return Number(raw);
}
