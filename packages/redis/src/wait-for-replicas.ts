import { ResumableSseError } from '@resumable-sse/core';
import type { Cluster, Redis } from 'ioredis';
import { guarded, unavailable } from './availability.ts';
import { keySlot } from './key-slot.ts';
import type { ResolvedOptions } from './options.ts';

/**
 * `WAIT` counts the writes of the connection it runs on, so it must go to the connection that ran
 * the append: the app's client itself, or, on a cluster, the client's connection to the master of
 * the stream's slot. It blocks that connection until the replicas confirm (or the timeout).
 */
function connectionFor(client: ResolvedOptions['client'], key: string): Redis {
  if (!client.isCluster) return client as Redis;
  const cluster = client as Cluster;
  const nodeKey = cluster.slots[keySlot(key)]?.[0];
  const node = cluster
    .nodes('master')
    .find((candidate) => `${candidate.options.host}:${candidate.options.port}` === nodeKey);
  if (node === undefined) {
    throw unavailable(
      `The append is stored, but the cluster node that holds it is unknown to the client now, so its replication could not be confirmed; retry with the same idempotencyKey`,
    );
  }
  return node;
}

/** After an append: fails with `STORE_UNAVAILABLE` unless `waitForReplicas` replicas have it. */
export async function waitForReplicas(options: ResolvedOptions, key: string): Promise<void> {
  const { client, commandTimeoutMs, replicaWaitTimeoutMs } = options;
  const wanted = options.waitForReplicas;
  const connection = connectionFor(client, key);
  const acknowledged = Number(
    await guarded(connection, commandTimeoutMs, 'wait for replicas', () =>
      connection.call('WAIT', wanted, replicaWaitTimeoutMs),
    ),
  );
  if (acknowledged >= wanted) return;
  throw new ResumableSseError(
    'STORE_UNAVAILABLE',
    `The append is stored on the Redis master, but only ${acknowledged} of ${wanted} replicas confirmed it within ${replicaWaitTimeoutMs} ms (waitForReplicas), so a failover may lose it; retry with the same idempotencyKey (a surviving append is then answered as a duplicate)`,
  );
}
