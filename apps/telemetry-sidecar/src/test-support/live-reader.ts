import { type LiveReader, openLiveReader as openStreamReader } from '@resumable-sse/demo-support/testing';

/** A real client left connected to the sidecar's `GET /stream`. */
export interface SidecarReader extends LiveReader {
  /** The `event_id` of each envelope received, in order. */
  eventIds(): string[];
}

export function openLiveReader(baseUrl: string, options: { lastEventId?: string } = {}): SidecarReader {
  const reader = openStreamReader(`${baseUrl}/stream`, options);
  return {
    ...reader,
    eventIds: () => (reader.payloads() as [{ event_id: string }][]).map((envelope) => envelope[0].event_id),
  };
}
