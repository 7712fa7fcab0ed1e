import { randomUUID } from 'node:crypto';
import { readAnswer } from '@resumable-sse/demo-support/testing';

/** The player's entry file, for `startApp` / `runUntilExit`. */
export const PLAYER_ENTRY = new URL('../main.ts', import.meta.url).pathname;

export const STRUCTURED = { 'content-type': 'application/cloudevents+json' };
export const BATCH = { 'content-type': 'application/cloudevents-batch+json' };

export interface SampleEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject?: string;
  readonly data?: unknown;
}

/** A valid structured-mode CloudEvent with a fresh id. */
export function sampleEvent(overrides: Partial<SampleEvent> = {}): SampleEvent {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: '/orders',
    type: 'com.example.order.created',
    data: { amount: 42 },
    ...overrides,
  };
}

export interface PostResult {
  readonly status: number;
  readonly body: unknown;
}

/** `POST /events` with fetch; the answer parsed as JSON when it is JSON. */
export async function postEvents(
  baseUrl: string,
  body: string | Uint8Array | unknown,
  headers: Record<string, string> = STRUCTURED,
): Promise<PostResult> {
  return readAnswer(await fetch(`${baseUrl}/events`, { method: 'POST', headers, body: requestBody(body) }));
}

/** A request body: text and bytes as they are, anything else as JSON. */
export function requestBody(body: string | Uint8Array | unknown): string | Uint8Array<ArrayBuffer> {
  if (typeof body === 'string') return body;
  return body instanceof Uint8Array ? new Uint8Array(body) : JSON.stringify(body);
}

/** Events the player holds (its stream's head offset), from `GET /health`. */
export async function storedCount(baseUrl: string): Promise<number> {
  const health = (await (await fetch(`${baseUrl}/health`)).json()) as { events: number };
  return health.events;
}
