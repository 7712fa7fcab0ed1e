import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { integerVariable, readDemoConfig } from './config.ts';
import { StartupError } from './startup-error.ts';

const base = { appName: 'demo', defaultPort: 8969, dataDir: '/srv/demo/data' };

describe('readDemoConfig', () => {
  it('defaults to 127.0.0.1, the app port, and SQLite under the data directory', () => {
    expect(readDemoConfig({ ...base, env: {} })).toEqual({
      host: '127.0.0.1',
      port: 8969,
      store: 'sqlite',
      sqlitePath: join('/srv/demo/data', 'demo.db'),
      redisUrl: 'redis://127.0.0.1:6379',
      bufferSize: 500,
      heartbeatMs: 15_000,
    });
  });

  it('reads every variable', () => {
    const config = readDemoConfig({
      ...base,
      env: {
        HOST: '0.0.0.0',
        PORT: '0',
        STORE: 'Redis',
        SQLITE_PATH: '/tmp/x.db',
        REDIS_URL: 'redis://r:6380/2',
        BUFFER_SIZE: '20',
        HEARTBEAT_MS: '0',
      },
    });
    expect(config).toEqual({
      host: '0.0.0.0',
      port: 0,
      store: 'redis',
      sqlitePath: '/tmp/x.db',
      redisUrl: 'redis://r:6380/2',
      bufferSize: 20,
      heartbeatMs: 0,
    });
  });

  it('treats empty variables as unset', () => {
    expect(readDemoConfig({ ...base, env: { STORE: '', PORT: ' ' } })).toMatchObject({
      store: 'sqlite',
      port: 8969,
    });
  });

  it('refuses an unknown STORE with the accepted values', () => {
    expect(() => readDemoConfig({ ...base, env: { STORE: 'postgres' } })).toThrow(StartupError);
    expect(() => readDemoConfig({ ...base, env: { STORE: 'postgres' } })).toThrow(
      'STORE="postgres" is not a store this app knows: set STORE to one of memory, sqlite, redis.',
    );
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', 'eighty'],
    ['BUFFER_SIZE', '0'],
    ['BUFFER_SIZE', '1.5'],
    ['HEARTBEAT_MS', '-1'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => readDemoConfig({ ...base, env: { [name]: value } })).toThrow(new RegExp(`^${name}="`));
  });
});

describe('integerVariable', () => {
  it('treats an empty or blank value as unset and trims surrounding spaces', () => {
    expect(integerVariable('MAX_BODY_BYTES', '', 1024, 1, 10_000)).toBe(1024);
    expect(integerVariable('MAX_BODY_BYTES', '  ', 1024, 1, 10_000)).toBe(1024);
    expect(integerVariable('MAX_BODY_BYTES', ' 2048 ', 1024, 1, 10_000)).toBe(2048);
  });

  it('refuses a value that is not a whole number in range, naming the variable', () => {
    expect(() => integerVariable('MAX_BODY_BYTES', '12kb', 1024, 1, 10_000)).toThrow(/MAX_BODY_BYTES="12kb"/);
    expect(() => integerVariable('MAX_BODY_BYTES', '0', 1024, 1, 10_000)).toThrow(StartupError);
  });
});
