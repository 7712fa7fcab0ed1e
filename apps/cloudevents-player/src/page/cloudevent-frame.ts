/** A CloudEvent as the stream carries it (structured-mode JSON). */
export type CloudEventJson = Readonly<Record<string, unknown>>;

export type FrameReading =
  | { readonly ok: true; readonly event: CloudEventJson }
  | { readonly ok: false; readonly reason: string };

const REQUIRED = ['specversion', 'id', 'source', 'type'] as const;

/**
 * Reads one `cloudevent` frame. Anything that is not a JSON object with the four required
 * attributes as strings is malformed: the page skips it (and says so) instead of showing junk.
 */
export function readCloudEventFrame(data: string): FrameReading {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, reason: 'not a JSON object' };
  }
  const event = parsed as CloudEventJson;
  for (const attribute of REQUIRED) {
    if (typeof event[attribute] !== 'string' || event[attribute] === '') {
      return { ok: false, reason: `no "${attribute}" attribute` };
    }
  }
  return { ok: true, event };
}
