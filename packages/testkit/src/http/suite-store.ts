import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventStore, memoryStore } from '@resumable-sse/core';
import { type RedisServerHandle, startRedisServer } from '../redis-server.ts';

/** What one case asks of its store. */
export interface SuiteStoreOptions {
  /** Retention: events kept per stream. */
  readonly maxEvents: number;
}

/** A store a case runs on, and what else must close with it. */
export interface OpenedStore {
  readonly store: EventStore;
  /** Runs after `store.close()`, e.g. `client.disconnect()` for a client made for this store. */
  release?(): void | Promise<void>;
}

/**
 * A kind of store the suite's per-store groups run on. The suite calls `setup` once before the
 * group, `create` for every case (each case gets an empty store of its own), and `teardown`
 * once after the group.
 */
export interface SuiteStore {
  /** Shown in the group's name, e.g. `sqlite`. */
  readonly name: string;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  create(options: SuiteStoreOptions): OpenedStore | Promise<OpenedStore>;
}

/** Core's memory store; the store every group of the suite runs on. */
export const memorySuiteStore: SuiteStore = {
  name: 'memory',
  create: ({ maxEvents }) => ({ store: memoryStore({ maxEvents }) }),
};

/**
 * A store over real database files: each case gets a new file in a temp directory that is
 * removed after the group. The adapter's test passes how to open one, e.g.
 * `sqliteSuiteStore(({ path, maxEvents }) => sqliteStore({ path, maxEvents }))`.
 */
export function sqliteSuiteStore(
  open: (options: SuiteStoreOptions & { readonly path: string }) => EventStore,
): SuiteStore {
  let directory: string | undefined;
  let files = 0;
  return {
    name: 'sqlite',
    async setup() {
      directory = mkdtempSync(join(tmpdir(), 'resumable-sse-http-suite-'));
    },
    async teardown() {
      if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
      directory = undefined;
    },
    create(options) {
      if (directory === undefined) throw new Error('sqliteSuiteStore: create() ran before setup()');
      files += 1;
      return { store: open({ ...options, path: join(directory, `events-${files}.db`) }) };
    },
  };
}

/**
 * A store on a real `redis-server` that the group starts on loopback and stops afterwards; each
 * case gets its own key prefix, so no case sees another's keys. The adapter's test passes how to
 * open one, e.g.
 * `redisSuiteStore(({ url, keyPrefix, maxEvents }) => { const client = new Redis(url); … })`.
 */
export function redisSuiteStore(
  open: (
    options: SuiteStoreOptions & { readonly url: string; readonly keyPrefix: string },
  ) => OpenedStore | Promise<OpenedStore>,
): SuiteStore {
  let server: RedisServerHandle | undefined;
  let prefixes = 0;
  return {
    name: 'redis',
    async setup() {
      server = await startRedisServer();
    },
    async teardown() {
      await server?.stop();
      server = undefined;
    },
    async create(options) {
      if (server === undefined) throw new Error('redisSuiteStore: create() ran before setup()');
      prefixes += 1;
      return open({ ...options, url: server.url, keyPrefix: `http-suite-${prefixes}` });
    },
  };
}

/** The store packages' constructors, as the adapter's test imports them. */
export interface StorePackages<Client extends { disconnect(): void }> {
  /** `sqliteStore` from `@resumable-sse/sqlite`. */
  sqliteStore(options: { path: string; maxEvents: number }): EventStore;
  /** `redisStore` from `@resumable-sse/redis`. */
  redisStore(options: { client: Client; keyPrefix: string; maxEvents: number }): EventStore;
  /** `Redis` from `ioredis`. */
  readonly Redis: new (
    url: string,
  ) => Client;
}

/**
 * SQLite and Redis for `harness.stores`, from the packages the adapter's test imports:
 * `stores: sqliteAndRedisSuiteStores({ sqliteStore, redisStore, Redis })`. Each Redis case gets
 * a client of its own, disconnected after the store closes.
 */
export function sqliteAndRedisSuiteStores<Client extends { disconnect(): void }>(
  packages: StorePackages<Client>,
): SuiteStore[] {
  return [
    sqliteSuiteStore(({ path, maxEvents }) => packages.sqliteStore({ path, maxEvents })),
    redisSuiteStore(({ url, keyPrefix, maxEvents }) => {
      const client = new packages.Redis(url);
      return {
        store: packages.redisStore({ client, keyPrefix, maxEvents }),
        release: () => client.disconnect(),
      };
    }),
  ];
}
