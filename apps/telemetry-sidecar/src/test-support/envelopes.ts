import { randomUUID } from 'node:crypto';
import { type Answer, readAnswer } from '@resumable-sse/demo-support/testing';
import { createEnvelope, type Envelope, serializeEnvelope } from '@sentry/core';

export const SIDECAR_ENTRY = new URL('../main.ts', import.meta.url).pathname;

export function newEventId(): string {
  return randomUUID().replaceAll('-', '');
}

/** A serialized error-event envelope, made with Sentry's own envelope functions. */
export function errorEnvelope(eventId: string, message: string): string {
  const envelope = createEnvelope<Envelope>({ event_id: eventId, sent_at: new Date().toISOString() }, [
    [
      { type: 'event' },
      {
        event_id: eventId,
        level: 'error',
        platform: 'node',
        environment: 'development',
        timestamp: Date.now() / 1000,
        exception: {
          values: [
            {
              type: 'Error',
              value: message,
              stacktrace: {
                frames: [
                  { function: 'handleRequest', filename: 'src/server.ts', lineno: 31, in_app: true },
                  { function: 'chargeCard', filename: 'src/payments.ts', lineno: 88, in_app: true },
                ],
              },
            },
          ],
        },
      },
    ],
  ] as never);
  return toText(serializeEnvelope(envelope));
}

/** A serialized message-event envelope. */
export function messageEnvelope(eventId: string, message: string): string {
  const envelope = createEnvelope<Envelope>({ event_id: eventId, sent_at: new Date().toISOString() }, [
    [
      { type: 'event' },
      { event_id: eventId, level: 'info', message, environment: 'development', timestamp: Date.now() / 1000 },
    ],
  ] as never);
  return toText(serializeEnvelope(envelope));
}

function toText(serialized: string | Uint8Array): string {
  return typeof serialized === 'string' ? serialized : new TextDecoder().decode(serialized);
}

export async function postEnvelope(
  baseUrl: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${baseUrl}/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-sentry-envelope', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return readAnswer(response);
}

/** A serialized transaction envelope. */
export function transactionEnvelope(eventId: string, name: string, durationMs: number): string {
  const end = Date.now() / 1000;
  const envelope = createEnvelope<Envelope>({ event_id: eventId, sent_at: new Date().toISOString() }, [
    [
      { type: 'transaction' },
      {
        event_id: eventId,
        type: 'transaction',
        transaction: name,
        start_timestamp: end - durationMs / 1000,
        timestamp: end,
        contexts: { trace: { op: 'http.server', trace_id: eventId, span_id: eventId.slice(0, 16) } },
        environment: 'development',
        spans: Array.from({ length: durationMs % 7 }, () => ({})),
      },
    ],
  ] as never);
  return toText(serializeEnvelope(envelope));
}

/** One envelope of each kind in turn (error, message, transaction), for a varied overlay. */
export function variedEnvelope(index: number, eventId: string): string {
  switch (index % 3) {
    case 0:
      return errorEnvelope(eventId, `Payment ${index} declined by provider`);
    case 1:
      return messageEnvelope(eventId, `Order ${index} shipped`);
    default:
      return transactionEnvelope(eventId, `GET /orders/${index}`, 40 + ((index * 37) % 200));
  }
}
