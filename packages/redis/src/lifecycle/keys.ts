/**
 * Where lifecycle data lives in Redis.
 *
 * Per stream, hash-tagged `{streamId}` like the stream's event keys, so on Redis Cluster a
 * stream's record, its completion and its event log share one slot and every per-stream script is
 * single-slot:
 * - `<prefix>:lc:{<stream>}:rec`  hash: type, owner, state, times, cancel flag, metadata (PEXPIRE record TTL)
 * - `<prefix>:lc:{<stream>}:done` string: the completion record as JSON (PX completion TTL)
 *
 * Two indexes, each a single key in a slot of its own; no script ever touches them together
 * with a per-stream key, so there is never a CROSSSLOT error:
 * - `<prefix>:lc:active`          sorted set: active stream ids scored by last heartbeat
 * - `<prefix>:lc:owned:<owner>`   sorted set, every score 0: an owner's streams as members
 *   `<startedAt, 16 digits>.<streamId>` (core's `ownerPageKey`), so lexicographic order is
 *   start order and a page is one ZREVRANGEBYLEX (PEXPIRE record TTL, renewed by writes). It
 *   replaces the plain set `<prefix>:lc:owner:<owner>` of earlier versions, whose entries lapse
 *   with their records within the record TTL.
 * The indexes are hints kept up to date after each script; the record hash is the truth, and
 * every decision (claim, cancel, end) is taken by a script on the record.
 */
export interface LifecycleKeys {
  readonly record: string;
  readonly completion: string;
}

export function lifecycleKeys(prefix: string, streamId: string): LifecycleKeys {
  const base = `${prefix}:lc:{${streamId}}`;
  return { record: `${base}:rec`, completion: `${base}:done` };
}

export function activeIndexKey(prefix: string): string {
  return `${prefix}:lc:active`;
}

export function ownerIndexKey(prefix: string, owner: string): string {
  return `${prefix}:lc:owned:${owner}`;
}
