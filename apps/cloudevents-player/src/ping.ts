/** The `event: ping` payload the seed's player sends: `{ "type": "ping", "timestamp": ISO 8601 }`. */
export interface PingPayload {
  readonly type: 'ping';
  readonly timestamp: string;
}

export const PING_EVENT = 'ping';

export function pingData(now: number): string {
  const payload: PingPayload = { type: 'ping', timestamp: new Date(now).toISOString() };
  return JSON.stringify(payload);
}
