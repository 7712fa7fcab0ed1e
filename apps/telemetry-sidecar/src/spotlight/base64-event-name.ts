import { ENVELOPE_CONTENT_TYPE } from '../envelope/ingest-options.ts';

/**
 * `GET /stream?base64=1` (any value, as Spotlight's sidecar reads it) names each envelope event
 * `application/x-sentry-envelope;base64` instead; the data is the same. Spotlight's UI asks for
 * it and listens for both names.
 */
export function wantsBase64EventName(query: string | undefined): boolean {
  return query !== undefined;
}

const PLAIN_FIELD = Buffer.from(`\nevent: ${ENVELOPE_CONTENT_TYPE}\n`);
const BASE64_FIELD = Buffer.from(`\nevent: ${ENVELOPE_CONTENT_TYPE};base64\n`);

/**
 * Renames the envelope events in a chunk of whole SSE frames. Every stored event's frame starts
 * with its `id:` line, so the `event:` line always follows a newline, and no `data:` line can
 * contain one: the field is matched exactly, never inside data.
 */
export function renameEnvelopeEvents(chunk: Uint8Array): Uint8Array {
  const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let at = bytes.indexOf(PLAIN_FIELD);
  if (at === -1) return chunk;
  const parts: Buffer[] = [];
  let from = 0;
  while (at !== -1) {
    parts.push(bytes.subarray(from, at), BASE64_FIELD);
    from = at + PLAIN_FIELD.byteLength;
    at = bytes.indexOf(PLAIN_FIELD, from);
  }
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts);
}

interface WritableResponse {
  write(chunk: unknown, ...rest: unknown[]): boolean;
}

/**
 * Makes one Node response rename envelope events in everything written to it. The resumable
 * SSE handler writes whole frames straight to the Node response (no Web stream to transform),
 * so the rename sits on that one response's `write`.
 */
export function renameEventsOnWrite(response: WritableResponse): void {
  const write = response.write.bind(response);
  response.write = (chunk: unknown, ...rest: unknown[]) =>
    write(chunk instanceof Uint8Array ? renameEnvelopeEvents(chunk) : chunk, ...rest);
}
