import { describe, expect, it } from 'vitest';
import { heartbeatTimeoutMs, parseHeartbeatMs } from './heartbeat-timeout.ts';

describe('heartbeatTimeoutMs', () => {
  it('allows two silent heartbeats and a second of slack', () => {
    expect(heartbeatTimeoutMs(300)).toBe(1_600);
    expect(heartbeatTimeoutMs(15_000)).toBe(31_000);
  });

  it('follows an interval longer than the client default of 30 s', () => {
    expect(heartbeatTimeoutMs(60_000)).toBe(121_000);
  });

  it('turns the check off when the server sends no heartbeats', () => {
    expect(heartbeatTimeoutMs(0)).toBe(0);
  });
});

describe('parseHeartbeatMs', () => {
  it.each([
    ['300', 300],
    [' 0 ', 0],
    ['60000', 60_000],
  ])('reads %j as %d', (content, expected) => {
    expect(parseHeartbeatMs(content)).toBe(expected);
  });

  it.each([null, undefined, '', '%HEARTBEAT_MS%', '-1', '1.5', '1e3', 'NaN'])(
    'states no interval for %j (the client keeps its default)',
    (content) => {
      expect(parseHeartbeatMs(content)).toBeUndefined();
    },
  );
});
