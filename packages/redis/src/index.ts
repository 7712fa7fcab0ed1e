/**
 * `@resumable-sse/redis`: the Redis Streams event store.
 * @module
 */
export type { StreamKeys } from './keys.ts';
export {
  type RedisLifecycleOptions,
  RedisLifecycleStore,
  redisLifecycle,
} from './lifecycle/redis-lifecycle.ts';
export type { RedisStoreClient, RedisStoreOptions, ResolvedOptions } from './options.ts';
export { RedisStore, redisStore } from './redis-store.ts';
