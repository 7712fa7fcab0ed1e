import { describe, expect, it } from 'vitest';
import { connectionView, tooltipText } from './connection-state.ts';

describe('connectionView', () => {
  it.each([
    ['live', false, 'connected', 'Connected'],
    ['connecting', true, 'connecting', 'Connecting'],
    ['catching-up', true, 'connecting', 'Catching up'],
    ['reconnecting', true, 'connecting', 'Reconnecting'],
    ['reconnecting', false, 'disconnected', 'Disconnected, retrying'],
    ['closed', false, 'disconnected', 'Disconnected'],
  ] as const)('%s (request in flight: %s) is %s', (status, inFlight, state, label) => {
    expect(connectionView(status, inFlight)).toEqual({ state, label });
  });
});

describe('tooltipText', () => {
  const formatTime = (ms: number) => new Date(ms).toISOString().slice(11, 19);

  it('gives status, last event, last ping and reconnect attempts', () => {
    expect(
      tooltipText({
        view: connectionView('live', false),
        lastEventAt: Date.UTC(2025, 9, 26, 12, 34, 56),
        lastPingAt: Date.UTC(2025, 9, 26, 12, 35, 10),
        reconnects: 3,
        retryDelayMs: 800,
        formatTime,
      }),
    ).toBe('Status: Connected\nLast event: 12:34:56\nLast ping: 12:35:10\nReconnect attempts: 3');
  });

  it('says when the next attempt comes while disconnected, and "none yet" before anything arrived', () => {
    expect(
      tooltipText({
        view: connectionView('reconnecting', false),
        lastEventAt: undefined,
        lastPingAt: undefined,
        reconnects: 0,
        retryDelayMs: 1_200,
        formatTime,
      }),
    ).toBe(
      'Status: Disconnected, retrying (next attempt within 2 s)\nLast event: none yet\nLast ping: none yet\nReconnect attempts: 0',
    );
  });
});
