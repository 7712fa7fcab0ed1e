import { isResumableSseError } from '@resumable-sse/core';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { type RedisStoreOptions, redisStore } from './index.ts';

describe('redisStore options', () => {
  // lazyConnect: nothing here talks to Redis.
  const client = new Redis({ lazyConnect: true });

  it.each([
    ['no client', {}],
    ['a key prefix with a brace', { client, keyPrefix: 'app{x}' }],
    ['an empty key prefix', { client, keyPrefix: '' }],
    ['maxEvents 0', { client, maxEvents: 0 }],
    ['a fractional maxEvents', { client, maxEvents: 1.5 }],
    ['a negative maxAgeMs', { client, maxAgeMs: -1 }],
    ['a negative idempotency window', { client, idempotencyWindowMs: -1 }],
    ['commandTimeoutMs 0', { client, commandTimeoutMs: 0 }],
    ['a clock that is not a function', { client, now: 5 }],
    ['an unknown pubSub mode', { client, pubSub: 'broadcast' }],
    ['a negative waitForReplicas', { client, waitForReplicas: -1 }],
    ['a fractional waitForReplicas', { client, waitForReplicas: 0.5 }],
    ['replicaWaitTimeoutMs 0', { client, replicaWaitTimeoutMs: 0 }],
    ['a negative pubSubHeartbeatMs', { client, pubSubHeartbeatMs: -1 }],
    ['a pubSubHeartbeatMs too short to tell busy from silent', { client, pubSubHeartbeatMs: 50 }],
    ['a fractional pubSubHeartbeatMs', { client, pubSubHeartbeatMs: 500.5 }],
    [
      'a replica wait as long as the command timeout',
      { client, waitForReplicas: 1, replicaWaitTimeoutMs: 2_000, commandTimeoutMs: 2_000 },
    ],
  ])('refuses %s with INVALID_OPTION', (_, options) => {
    let thrown: unknown;
    try {
      redisStore(options as unknown as RedisStoreOptions);
    } catch (error) {
      thrown = error;
    }
    expect(isResumableSseError(thrown, 'INVALID_OPTION'), String(thrown)).toBe(true);
  });

  it('applies the documented defaults', () => {
    expect(redisStore({ client }).options).toMatchObject({
      keyPrefix: 'rsse',
      maxEvents: 500,
      maxAgeMs: 0,
      idempotencyWindowMs: 300_000,
      commandTimeoutMs: 2_000,
      resubscribeGraceMs: 1_000,
      pubSubHeartbeatMs: 2_000,
      notificationInlineBytes: 16_384,
      pubSub: 'classic',
      waitForReplicas: 0,
      replicaWaitTimeoutMs: 500,
    });
    // A replica wait always fits in the command's budget, and is never 0 (WAIT 0 waits forever).
    expect(redisStore({ client, commandTimeoutMs: 1 }).options.replicaWaitTimeoutMs).toBe(1);
    expect(redisStore({ client, commandTimeoutMs: 600 }).options.replicaWaitTimeoutMs).toBe(300);
    // The cluster Pub/Sub heartbeat follows commandTimeoutMs, never below 1 s; 0 turns it off.
    expect(redisStore({ client, commandTimeoutMs: 300 }).options.pubSubHeartbeatMs).toBe(1_000);
    expect(redisStore({ client, commandTimeoutMs: 5_000 }).options.pubSubHeartbeatMs).toBe(5_000);
    expect(redisStore({ client, pubSubHeartbeatMs: 0 }).options.pubSubHeartbeatMs).toBe(0);
  });

  it('refuses stream names that would break hash tags or keys', async () => {
    const store = redisStore({ client });
    for (const stream of ['', 'a{b}', 'a}b', 'with space']) {
      await expect(store.position(stream)).rejects.toMatchObject({ code: 'INVALID_STREAM_NAME' });
    }
  });
});
