/**
 * Where one stream lives in Redis. Every key and the channel carry the same `{stream}` hash tag,
 * so on Redis Cluster they share one slot and the append script may touch all of them at once.
 */
export interface StreamKeys {
  /** Hash: `epoch`, `head` (newest offset ever appended), `time` (newest append time). Never trimmed. */
  readonly meta: string;
  /** Redis Stream: one entry per retained event, entry ID `<offset>-0`. */
  readonly log: string;
  /** Hash: idempotency key → offset of its first append. */
  readonly idempotency: string;
  /** Sorted set: idempotency key scored by the time it stops counting. */
  readonly idempotencyExpiry: string;
  /** Pub/Sub channel announcing appends. */
  readonly channel: string;
}

export function streamKeys(prefix: string, stream: string): StreamKeys {
  const base = `${prefix}:{${stream}}`;
  return {
    meta: `${base}:meta`,
    log: `${base}:log`,
    idempotency: `${base}:idem`,
    idempotencyExpiry: `${base}:idem-exp`,
    channel: `${base}:live`,
  };
}

/** The keys the Lua scripts take, in the order they read `KEYS[1..4]`. */
export function scriptKeys(keys: StreamKeys): [string, string, string, string] {
  return [keys.meta, keys.log, keys.idempotency, keys.idempotencyExpiry];
}
