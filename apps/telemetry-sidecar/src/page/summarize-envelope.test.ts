import { describe, expect, it } from 'vitest';
import { summarizeEnvelope } from './summarize-envelope.ts';

describe('summarizeEnvelope', () => {
  it('shows an error as "Type: value" with the innermost in-app frame', () => {
    const summary = summarizeEnvelope([
      { event_id: 'e1', sent_at: '2025-01-01T00:00:00.000Z' },
      [
        [
          { type: 'event' },
          {
            level: 'error',
            timestamp: 1_735_689_601.5,
            environment: 'development',
            exception: {
              values: [
                { type: 'Cause', value: 'first' },
                {
                  type: 'TypeError',
                  value: "Cannot read properties of undefined (reading 'id')",
                  stacktrace: {
                    frames: [
                      { function: 'main', filename: 'app.js', lineno: 1, in_app: true },
                      { function: 'loadUser', filename: 'users.js', lineno: 42, in_app: true },
                      { function: 'internal', filename: 'node:internal', lineno: 9, in_app: false },
                    ],
                  },
                },
              ],
            },
          },
        ],
      ],
    ]);
    expect(summary).toEqual({
      kind: 'error',
      title: "TypeError: Cannot read properties of undefined (reading 'id')",
      detail: 'at loadUser (users.js:42) · development',
      level: 'error',
      timestamp: 1_735_689_601_500,
      eventId: 'e1',
      itemTypes: ['event'],
    });
  });

  it('shows a message event by its text, from message or logentry', () => {
    expect(
      summarizeEnvelope([{}, [[{ type: 'event' }, { message: 'Deploy started', level: 'info' }]]]),
    ).toMatchObject({
      kind: 'message',
      title: 'Deploy started',
      level: 'info',
    });
    expect(
      summarizeEnvelope([
        {},
        [[{ type: 'event' }, { logentry: { message: 'user %s', formatted: 'user 7' } }]],
      ]),
    ).toMatchObject({ kind: 'message', title: 'user 7', level: 'info' });
  });

  it('shows a message that the SDK wrapped in a synthetic exception (attachStacktrace) as a message', () => {
    const summary = summarizeEnvelope([
      {},
      [
        [
          { type: 'event' },
          {
            level: 'info',
            message: 'Checkout finished',
            exception: {
              values: [{ value: 'Checkout finished', mechanism: { type: 'generic', synthetic: true } }],
            },
          },
        ],
      ],
    ]);
    expect(summary).toMatchObject({ kind: 'message', title: 'Checkout finished', level: 'info' });
  });

  it('shows a transaction with its operation, duration and span count', () => {
    const summary = summarizeEnvelope([
      { event_id: 't1' },
      [
        [
          { type: 'transaction' },
          {
            transaction: 'GET /users/:id',
            start_timestamp: 100,
            timestamp: 100.25,
            contexts: { trace: { op: 'http.server' } },
            spans: [{}, {}, {}],
          },
        ],
      ],
    ]);
    expect(summary).toMatchObject({
      kind: 'transaction',
      title: 'GET /users/:id',
      detail: 'http.server · 250 ms · 3 spans',
    });
  });

  it('shows logs, sessions and unknown items', () => {
    expect(
      summarizeEnvelope([
        {},
        [[{ type: 'log' }, { items: [{ body: 'cache miss', level: 'warn' }, { body: 'x' }] }]],
      ]),
    ).toMatchObject({ kind: 'log', title: 'cache miss', detail: '2 log records', level: 'warn' });
    expect(summarizeEnvelope([{}, [[{ type: 'session' }, { status: 'exited' }]]])).toMatchObject({
      kind: 'session',
      title: 'Session exited',
    });
    expect(
      summarizeEnvelope([
        {},
        [
          [{ type: 'client_report' }, {}],
          [{ type: 'profile' }, {}],
        ],
      ]),
    ).toMatchObject({
      kind: 'other',
      title: 'client_report, profile',
      detail: '2 items',
    });
  });

  it('never throws on shapes it does not expect', () => {
    for (const junk of [
      undefined,
      null,
      42,
      'x',
      [],
      [null, null],
      [{}, [null, 1, [1, 2]]],
      [{}, [[{ type: 'event' }, null]]],
    ]) {
      expect(() => summarizeEnvelope(junk)).not.toThrow();
    }
    expect(summarizeEnvelope([{}, []]).title).toBe('Empty envelope');
  });
});
