import { createHash } from 'node:crypto';
import type { RedisStoreClient } from './options.ts';

/**
 * A script run by EVALSHA, falling back to EVAL (which also caches it) when the server has not
 * seen it yet: after a restart, a SCRIPT FLUSH or on a new cluster node. The app's client is
 * left as it was (no `defineCommand` on it).
 */
export class LuaScript {
  readonly source: string;
  readonly sha1: string;

  constructor(source: string) {
    this.source = source;
    this.sha1 = createHash('sha1').update(source).digest('hex');
  }

  async run(
    client: RedisStoreClient,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    try {
      return await client.evalsha(this.sha1, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScriptError(error)) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
