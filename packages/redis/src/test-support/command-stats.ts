import type { RedisClusterHandle } from '@resumable-sse/testkit/redis-cluster';
import type { Redis } from 'ioredis';

/** How many times `INFO commandstats` text says any of `commands` (lowercase) ran. */
function callsIn(info: string, commands: readonly string[]): number {
  let calls = 0;
  for (const command of commands) {
    calls += Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  }
  return calls;
}

/** How many times the server has run any of `commands` (lowercase, as `INFO commandstats` names them). */
export async function commandCalls(admin: Redis, ...commands: string[]): Promise<number> {
  return callsIn(await admin.info('commandstats'), commands);
}

/** The same, summed over the cluster nodes at `ports`. */
export async function clusterCommandCalls(
  cluster: RedisClusterHandle,
  ports: readonly number[],
  ...commands: string[]
): Promise<number> {
  let calls = 0;
  for (const port of ports) calls += callsIn(await cluster.command(port, 'INFO', 'commandstats'), commands);
  return calls;
}
