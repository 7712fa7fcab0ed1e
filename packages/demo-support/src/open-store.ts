import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type EventStore, memoryStore } from '@resumable-sse/core';
import type { DemoConfig } from './config.ts';
import { StartupError } from './startup-error.ts';

/** A store built from the environment, with what it took to build it. */
export interface OpenedStore {
  readonly store: EventStore;
  /** For the startup log line: `memory`, `sqlite data/app.db`, `redis redis://host:6379`. */
  readonly description: string;
  /**
   * The ioredis client `STORE=redis` connected, for other Redis-backed parts of the app (a
   * lifecycle store, say); `close()` quits it. Undefined for the other stores.
   */
  readonly redisClient?: import('ioredis').Redis;
  /** The SQLite file `STORE=sqlite` opened; undefined for the other stores. */
  readonly sqlitePath?: string;
  /** Closes the store, then the connections opened for it (the Redis client). */
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** How long to wait for Redis at startup before giving up. @default 3000 */
  readonly redisConnectTimeoutMs?: number;
  /** Where a Redis outage after startup is reported. @default console.error */
  readonly log?: (line: string) => void;
}

/**
 * Builds the store `STORE` names, with `BUFFER_SIZE` as its retention. Throws `StartupError`
 * when it cannot: an unreachable Redis, a SQLite path that cannot be created.
 */
export async function openStore(config: DemoConfig, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  const maxEvents = config.bufferSize;
  switch (config.store) {
    case 'memory': {
      const store = memoryStore({ maxEvents });
      return { store, description: 'memory', close: () => store.close() };
    }
    case 'sqlite':
      return openSqliteStore(config.sqlitePath, maxEvents);
    case 'redis':
      return openRedisStore(config.redisUrl, maxEvents, options);
  }
}

async function openSqliteStore(path: string, maxEvents: number): Promise<OpenedStore> {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new StartupError(`Cannot create the directory for SQLITE_PATH="${path}" (${describe(error)}).`);
  }
  const { sqliteStore } = await import('@resumable-sse/sqlite');
  let store: EventStore;
  try {
    store = sqliteStore({ path, maxEvents });
  } catch (error) {
    throw new StartupError(`Cannot open the SQLite database at SQLITE_PATH="${path}" (${describe(error)}).`);
  }
  return { store, description: `sqlite ${path}`, sqlitePath: path, close: () => store.close() };
}

async function openRedisStore(
  url: string,
  maxEvents: number,
  options: OpenStoreOptions,
): Promise<OpenedStore> {
  const shownUrl = redactUrl(url);
  const { Redis } = await import('ioredis');
  const timeoutMs = options.redisConnectTimeoutMs ?? 3_000;
  let client: InstanceType<typeof Redis>;
  try {
    client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 3 });
  } catch (error) {
    throw new StartupError(`REDIS_URL="${shownUrl}" is not a Redis URL (${describe(error)}).`);
  }
  // ioredis reports a refused connection as an 'error' event and rejects connect() with a vaguer
  // "Connection is closed": keep the first for the startup message.
  let firstError: unknown;
  const recordFirstError = (error: unknown) => {
    firstError ??= error;
  };
  client.on('error', recordFirstError);
  try {
    await withTimeout(client.connect(), timeoutMs);
    await withTimeout(client.ping(), timeoutMs);
  } catch (error) {
    client.disconnect();
    throw new StartupError(
      `Cannot reach Redis at REDIS_URL="${shownUrl}" (${describe(firstError ?? error)}): start Redis there or point REDIS_URL at a running server.`,
    );
  }
  client.off('error', recordFirstError);
  reportOutages(client, shownUrl, options.log ?? ((line: string) => console.error(line)));

  const { redisStore } = await import('@resumable-sse/redis');
  const store = redisStore({ client, maxEvents });
  return {
    store,
    description: `redis ${shownUrl}`,
    redisClient: client,
    async close() {
      try {
        await store.close();
      } finally {
        await client.quit().catch(() => client.disconnect());
      }
    },
  };
}

/** Without an 'error' listener ioredis prints every retry: report an outage once, and its end. */
function reportOutages(client: import('ioredis').Redis, shownUrl: string, log: (line: string) => void): void {
  let down = false;
  client.on('error', (error: unknown) => {
    if (down) return;
    down = true;
    log(`redis: connection to ${shownUrl} lost (${describe(error)}); retrying`);
  });
  client.on('ready', () => {
    if (down) log(`redis: connected to ${shownUrl} again`);
    down = false;
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Hides a password in a URL before it reaches a log. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
