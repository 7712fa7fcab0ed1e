import { type LifecycleStore, memoryLifecycle } from '@resumable-sse/core/lifecycle';
import { type DemoConfig, type OpenedStore, StartupError } from '@resumable-sse/demo-support';

/** The job registry, heartbeats, cancel flags and completion records, on the store `STORE` names. */
export interface OpenedLifecycle {
  readonly lifecycle: LifecycleStore;
  /** Closes the lifecycle store (the connection belongs to the event store's `close`). */
  close(): Promise<void>;
}

/**
 * Opens the lifecycle store beside the event store: in this process (`memory`), in the same
 * SQLite file (`sqlite`: every process on the file shares the registry), or on the same Redis
 * (`redis`: every instance shares it, so a job started on one can be cancelled from another).
 * Call it after `openStore`, which already proved the database reachable.
 */
export async function openLifecycle(config: DemoConfig, opened: OpenedStore): Promise<OpenedLifecycle> {
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
      // The registry shares the event store's connection: one client, one place reporting outages.
      const client = opened.redisClient;
      if (!client)
        throw new StartupError('STORE=redis opened no Redis client; this is a bug in demo-support.');
      const { redisLifecycle } = await import('@resumable-sse/redis');
      const lifecycle = redisLifecycle({ client });
      return { lifecycle, close: () => lifecycle.close() };
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
