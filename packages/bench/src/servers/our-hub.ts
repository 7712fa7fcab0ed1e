/**
 * The hub behind our three adapters, on the store the config names, and the endpoint options
 * every one of them uses in the benchmark.
 */
import { createHub, type EventStore, type Hub, memoryStore } from '@resumable-sse/core';
import type { ServerConfig } from '../harness/messages.ts';

export const STREAM = 'bench';

/**
 * Heartbeats off unless the config asks (the peers send none either), and a high-water mark far
 * above the fan-out burst: the benchmark publishes as fast as it can, so a subscriber may briefly
 * hold many unsent events, and the default 1 MiB would (correctly) disconnect it as a slow consumer.
 */
export function endpointOptions(config: ServerConfig) {
  return {
    stream: STREAM,
    heartbeatMs: config.heartbeatMs ?? 0,
    highWaterMarkBytes: 1 << 30,
  } as const;
}

/** `retry:` at connect, the replayed events, then `caught-up`. */
export function ourFramesToCatchUp(events: number): number {
  return events + 2;
}

export interface OurHub {
  readonly hub: Hub;
  publish(data: string): Promise<string>;
  /** Disconnects so far by reason, from the hub's `onDisconnect` hook. */
  disconnects(): Readonly<Record<string, number>>;
  close(): Promise<void>;
}

export async function ourHub(config: ServerConfig): Promise<OurHub> {
  const { store, release } = await openStore(config);
  const disconnects: Record<string, number> = {};
  const hub = createHub({
    store,
    hooks: {
      onDisconnect: ({ reason }) => {
        disconnects[reason] = (disconnects[reason] ?? 0) + 1;
      },
    },
  });
  return {
    hub,
    disconnects: () => ({ ...disconnects }),
    async publish(data) {
      return (await hub.publish(STREAM, { data })).id;
    },
    async close() {
      await hub.close();
      await store.close();
      await release();
    },
  };
}

async function openStore(config: ServerConfig): Promise<{ store: EventStore; release: () => Promise<void> }> {
  const maxEvents = config.maxEvents ?? 10_000;
  switch (config.store ?? 'memory') {
    case 'memory':
      return { store: memoryStore({ maxEvents }), release: async () => {} };
    case 'sqlite': {
      const { sqliteStore } = await import('@resumable-sse/sqlite');
      if (!config.sqlitePath) throw new Error('store "sqlite" needs sqlitePath');
      return { store: sqliteStore({ path: config.sqlitePath, maxEvents }), release: async () => {} };
    }
    case 'redis': {
      const [{ redisStore }, { Redis }] = await Promise.all([
        import('@resumable-sse/redis'),
        import('ioredis'),
      ]);
      if (!config.redisUrl) throw new Error('store "redis" needs redisUrl');
      const client = new Redis(config.redisUrl);
      return {
        store: redisStore({
          client,
          maxEvents,
          ...(config.redisCommandTimeoutMs ? { commandTimeoutMs: config.redisCommandTimeoutMs } : {}),
        }),
        release: async () => {
          client.disconnect();
        },
      };
    }
    default:
      throw new Error(`unknown store ${String(config.store)}`);
  }
}
