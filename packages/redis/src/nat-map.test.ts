import { describe, expect, it } from 'vitest';
import { reachableAddress } from './nat-map.ts';

describe('reachableAddress', () => {
  it('maps an announced address through a natMap object', () => {
    const natMap = { '10.0.0.5:6379': { host: '203.0.113.7', port: 30001 } };
    expect(reachableAddress('10.0.0.5:6379', natMap)).toBe('203.0.113.7:30001');
    expect(reachableAddress('10.0.0.6:6379', natMap)).toBe('10.0.0.6:6379');
  });

  it('maps through a natMap function, which may decline', () => {
    const natMap = (key: string) => (key.startsWith('10.') ? { host: 'gateway', port: 7000 } : null);
    expect(reachableAddress('10.0.0.5:6379', natMap)).toBe('gateway:7000');
    expect(reachableAddress('127.0.0.1:6379', natMap)).toBe('127.0.0.1:6379');
  });

  it('keeps the address without a natMap', () => {
    expect(reachableAddress('127.0.0.1:7001', undefined)).toBe('127.0.0.1:7001');
  });
});
