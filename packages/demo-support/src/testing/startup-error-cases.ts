import { expect, it } from 'vitest';
import { freePort, runUntilExit } from './start-app.ts';

/**
 * The demo-app startup contract (this package's README), the same for every demo app: an unknown `STORE` or an
 * unreachable Redis is one clear line on stderr and exit code 1, never a stack trace.
 * Call it inside the app's own `describe`.
 */
export function startupErrorCases(entry: string): void {
  it('refuses an unknown STORE in one line', async () => {
    const result = await runUntilExit({ entry, env: { STORE: 'mongo' } });
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'error: STORE="mongo" is not a store this app knows: set STORE to one of memory, sqlite, redis.\n',
    });
  });

  it('refuses an unreachable Redis in one line', async () => {
    const port = await freePort();
    const result = await runUntilExit({
      entry,
      env: { STORE: 'redis', REDIS_URL: `redis://127.0.0.1:${port}` },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: Cannot reach Redis at REDIS_URL="redis:\/\/127\.0\.0\.1:\d+" \(.*ECONNREFUSED.*\): .*\n$/,
    );
  });
}
