import { type LifecycleStore, memoryLifecycle } from '@resumable-sse/core';
import { type DemoConfig, redactUrl, StartupError } from '@resumable-sse/demo-support';

/** The job registry, heartbeats, cancel flags and completion records, on the store `STORE` names. */
export interface OpenedLifecycle {
  readonly lifecycle: LifecycleStore;
  /** Closes the lifecycle store, then the connection opened for it. */
  close(): Promise<void>;
}

/**
 * Opens the lifecycle store beside the event store: in this process (`memory`), in the same
 * SQLite file (`sqlite`: every process on the file shares the registry), or on the same Redis
 * (`redis`: every instance shares it, so a job started on one can be cancelled from another).
 * Call it after `openStore`, which already proved the database reachable.
 */
export async function openLifecycle(config: DemoConfig): Promise<OpenedLifecycle> {
  switch (config.store) {
    case 'memory': {
      const lifecycle = memoryLifecycle();
      return { lifecycle, close: () => lifecycle.close() };
    }
    case 'sqlite': {
      const { sqliteLifecycle } = await import('@resumable-sse/sqlite');
      let lifecycle: LifecycleStore;
      try {
        lifecycle = sqliteLifecycle({ path: config.sqlitePath });
      } catch (error) {
        throw new StartupError(
          `Cannot open the job registry in SQLITE_PATH="${config.sqlitePath}" (${describe(error)}).`,
        );
      }
      return { lifecycle, close: () => lifecycle.close() };
    }
    case 'redis': {
      // openStore's client is not exposed (see the README's limits): the registry gets its own.
      const { Redis } = await import('ioredis');
      const { redisLifecycle } = await import('@resumable-sse/redis');
      const client = new Redis(config.redisUrl, {
        lazyConnect: true,
        connectTimeout: 3_000,
        maxRetriesPerRequest: 3,
      });
      // Outages are already reported once by the event store's client; this one stays quiet.
      client.on('error', () => {});
      try {
        await client.connect();
      } catch (error) {
        client.disconnect();
        throw new StartupError(
          `Cannot reach Redis at REDIS_URL="${redactUrl(config.redisUrl)}" (${describe(error)}): start Redis there or point REDIS_URL at a running server.`,
        );
      }
      const lifecycle = redisLifecycle({ client });
      return {
        lifecycle,
        async close() {
          try {
            await lifecycle.close();
          } finally {
            await client.quit().catch(() => client.disconnect());
          }
        },
      };
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
