import type { Redis } from 'ioredis';

/** How many times the server has run any of `commands` (lowercase, as `INFO commandstats` names them). */
export async function commandCalls(admin: Redis, ...commands: string[]): Promise<number> {
  const info = await admin.info('commandstats');
  let calls = 0;
  for (const command of commands) {
    calls += Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  }
  return calls;
}
