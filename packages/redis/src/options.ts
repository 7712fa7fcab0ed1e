import { ResumableSseError, type RetentionOptions } from '@resumable-sse/core';
import { clockOption, resolveRetentionOptions, wholeNumberOption } from '@resumable-sse/core/store-kit';
import type { Cluster, Redis } from 'ioredis';

/** An ioredis client the application created and owns (standalone `Redis` or `Cluster`). */
export type RedisStoreClient = Redis | Cluster;

export interface RedisStoreOptions extends RetentionOptions {
  /**
   * The ioredis client to use. The store never closes it; it makes one extra connection of its
   * own (`client.duplicate()`) for Pub/Sub, the first time something subscribes.
   */
  readonly client: RedisStoreClient;
  /**
   * First part of every key and channel (`<keyPrefix>:{<stream>}:log`). No `{` or `}`.
   * @default 'rsse'
   */
  readonly keyPrefix?: string;
  /**
   * Longest wait for one store operation, including waiting for a connection that is still being
   * made, before it fails with `STORE_UNAVAILABLE`.
   * @default 2_000
   */
  readonly commandTimeoutMs?: number;
  /**
   * When the Pub/Sub connection drops, live subscriptions wait this long for it to come back
   * (then they resume without loss, or end with `epoch-changed` if the log was lost meanwhile)
   * before they end with `store-unavailable`. `0` ends them at once.
   * @default 1_000
   */
  readonly resubscribeGraceMs?: number;
  /**
   * Redis Cluster, sharded Pub/Sub: a node's Pub/Sub connection that has been silent this long is
   * sent a `PING`; if that is still unanswered, with nothing else heard on the connection, this
   * long after, the connection is taken as lost (its live subscriptions move to the slot's current
   * master within `resubscribeGraceMs`, or end with `store-unavailable`). A master that is frozen
   * or cut off by a network partition keeps its connections open but says nothing, not even when
   * its replica takes over: without the check its subscriptions would stay open and silent. So a
   * silent node is noticed after 2–2.5 × this. `0` turns the check off.
   * @default commandTimeoutMs, at least 1_000
   */
  readonly pubSubHeartbeatMs?: number;
  /**
   * Appends whose events total at most this many bytes travel inside the Pub/Sub notification;
   * larger ones are announced by offset and read with XRANGE by each process.
   * @default 16_384
   */
  readonly notificationInlineBytes?: number;
  /**
   * Clock for event times, age retention and idempotency expiry, in milliseconds since the Unix
   * epoch. Each process passes its own; the store keeps times non-decreasing per stream.
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * How notifications travel. `'sharded'` (`SPUBLISH`/`SSUBSCRIBE`, Redis 7) keeps a stream's
   * notifications on the shard that holds it; classic `PUBLISH` is broadcast to every node of a
   * cluster. Every process on the same streams must use the same mode.
   * @default 'sharded' with a `Cluster` client, `'classic'` with a `Redis` client
   */
  readonly pubSub?: 'sharded' | 'classic';
  /**
   * After each append, wait (`WAIT`) until this many replicas have it, so a failover to one of
   * them keeps it. When fewer confirm within `replicaWaitTimeoutMs`, the append fails with
   * `STORE_UNAVAILABLE` although the master stored it: retry with the same `idempotencyKey`.
   * @default 0 (asynchronous replication: a failover may drop the newest appends)
   */
  readonly waitForReplicas?: number;
  /**
   * Longest `WAIT` for `waitForReplicas`; must be shorter than `commandTimeoutMs`.
   * @default 500
   */
  readonly replicaWaitTimeoutMs?: number;
}

export interface ResolvedOptions {
  readonly client: RedisStoreClient;
  readonly keyPrefix: string;
  readonly maxEvents: number;
  /** 0 = no age limit. */
  readonly maxAgeMs: number;
  /** 0 = idempotency keys are not remembered. */
  readonly idempotencyWindowMs: number;
  readonly commandTimeoutMs: number;
  readonly resubscribeGraceMs: number;
  /** 0 = cluster Pub/Sub connections are not checked. */
  readonly pubSubHeartbeatMs: number;
  readonly notificationInlineBytes: number;
  readonly now: () => number;
  readonly pubSub: 'sharded' | 'classic';
  /** 0 = no WAIT after appends. */
  readonly waitForReplicas: number;
  readonly replicaWaitTimeoutMs: number;
}

const STORE = 'redisStore';
/** Shortest `pubSubHeartbeatMs` other than 0. */
const MIN_HEARTBEAT_MS = 100;

function invalid(message: string): never {
  throw new ResumableSseError('INVALID_OPTION', `redisStore: ${message}`);
}

/** Redis wants whole milliseconds: a fractional clock is floored (stored times stay non-decreasing). */
function clock(now: unknown): () => number {
  const read = clockOption(STORE, now);
  return read === Date.now ? read : () => Math.floor(read());
}

export function resolveOptions(options: RedisStoreOptions): ResolvedOptions {
  const client = options?.client;
  if (
    !client ||
    typeof client !== 'object' ||
    typeof (client as { duplicate?: unknown }).duplicate !== 'function'
  ) {
    invalid(
      'pass the ioredis client your app created: redisStore({ client: new Redis(process.env.REDIS_URL) })',
    );
  }
  const keyPrefix = options.keyPrefix ?? 'rsse';
  if (typeof keyPrefix !== 'string' || keyPrefix === '' || /[{}]/.test(keyPrefix)) {
    invalid(
      `keyPrefix must be a non-empty string without "{" or "}" (they would break hash tags), got ${JSON.stringify(keyPrefix)}`,
    );
  }
  const retention = resolveRetentionOptions(STORE, options);
  const pubSub = options.pubSub ?? (client.isCluster ? 'sharded' : 'classic');
  if (pubSub !== 'sharded' && pubSub !== 'classic') {
    invalid(`pubSub must be 'sharded' or 'classic', got ${JSON.stringify(pubSub)}`);
  }
  const commandTimeoutMs = wholeNumberOption(STORE, 'commandTimeoutMs', options.commandTimeoutMs, {
    fallback: 2_000,
    min: 1,
  });
  const waitForReplicas = wholeNumberOption(STORE, 'waitForReplicas', options.waitForReplicas, {
    fallback: 0,
    min: 0,
  });
  const replicaWaitTimeoutMs = wholeNumberOption(
    STORE,
    'replicaWaitTimeoutMs',
    options.replicaWaitTimeoutMs,
    {
      fallback: Math.max(1, Math.min(500, Math.floor(commandTimeoutMs / 2))),
      min: 1,
    },
  );
  const pubSubHeartbeatMs = wholeNumberOption(STORE, 'pubSubHeartbeatMs', options.pubSubHeartbeatMs, {
    fallback: Math.max(1_000, commandTimeoutMs),
    min: 0,
  });
  if (pubSubHeartbeatMs > 0 && pubSubHeartbeatMs < MIN_HEARTBEAT_MS) {
    invalid(
      `pubSubHeartbeatMs must be 0 (no check) or at least ${MIN_HEARTBEAT_MS}, got ${pubSubHeartbeatMs}: a shorter one takes a busy connection for a silent one`,
    );
  }
  if (waitForReplicas > 0 && replicaWaitTimeoutMs >= commandTimeoutMs) {
    invalid(
      `replicaWaitTimeoutMs (${replicaWaitTimeoutMs}) must be shorter than commandTimeoutMs (${commandTimeoutMs}), or the append times out while Redis still waits`,
    );
  }
  return {
    client,
    keyPrefix,
    maxEvents: retention.maxEvents,
    // The scripts read 0 as "no age limit".
    maxAgeMs: retention.maxAgeMs ?? 0,
    idempotencyWindowMs: retention.idempotencyWindowMs,
    commandTimeoutMs,
    resubscribeGraceMs: wholeNumberOption(STORE, 'resubscribeGraceMs', options.resubscribeGraceMs, {
      fallback: 1_000,
      min: 0,
    }),
    pubSubHeartbeatMs,
    notificationInlineBytes: wholeNumberOption(
      STORE,
      'notificationInlineBytes',
      options.notificationInlineBytes,
      { fallback: 16_384, min: 0 },
    ),
    now: clock(options.now),
    pubSub,
    waitForReplicas,
    replicaWaitTimeoutMs,
  };
}
