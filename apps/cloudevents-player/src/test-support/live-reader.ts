import { type LiveReader, openLiveReader as openStreamReader } from '@resumable-sse/demo-support/testing';

/** A real client left connected to the player's `GET /stream`: `cloudevent`s in `events`, `ping`s apart. */
export interface PlayerReader extends LiveReader {
  /** The CloudEvent each event carries, parsed. */
  cloudEvents(): Record<string, unknown>[];
}

export function openLiveReader(baseUrl: string, options: { lastEventId?: string } = {}): PlayerReader {
  const reader = openStreamReader(`${baseUrl}/stream`, { ...options, pingEvent: 'ping' });
  return { ...reader, cloudEvents: () => reader.payloads() as Record<string, unknown>[] };
}
