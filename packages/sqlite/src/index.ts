/**
 * `@resumable-sse/sqlite`: a durable event store on one SQLite file, for a single server process
 * (or several on one machine, with polling).
 * @module
 */
export type { BetterSqlite3Database, SqliteDriverName } from './driver/types.ts';
export {
  type SqliteLifecycleOptions,
  SqliteLifecycleStore,
  sqliteLifecycle,
} from './lifecycle/sqlite-lifecycle.ts';
export type { SqliteStoreOptions } from './options.ts';
export { SqliteStore, sqliteStore } from './sqlite-store.ts';
