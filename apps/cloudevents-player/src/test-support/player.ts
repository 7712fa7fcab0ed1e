import { randomUUID } from 'node:crypto';

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
  const payload =
    typeof body === 'string'
      ? body
      : body instanceof Uint8Array
        ? new Uint8Array(body)
        : JSON.stringify(body);
  const response = await fetch(`${baseUrl}/events`, { method: 'POST', headers, body: payload });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed };
}

/** Events the player holds (its stream's head offset), from `GET /health`. */
export async function storedCount(baseUrl: string): Promise<number> {
  const health = (await (await fetch(`${baseUrl}/health`)).json()) as { events: number };
  return health.events;
}
