import type { Hub } from '@resumable-sse/core';
import type { ItemHeaders } from '../envelope/parse-envelope.ts';
import { carriedAsText, RAW_ITEM_TYPES, type SpotlightEnvelope } from '../envelope/spotlight-envelope.ts';

const PAGE = 256;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `GET /envelope/:id` (the UI's download link in the Envelopes panel): the retained envelope with
 * that `__spotlight_envelope_id`, serialized again as a Sentry envelope. It is rebuilt from what
 * the log holds, so JSON payloads carry the item `type` the sidecar added.
 */
export async function findEnvelope(
  hub: Hub,
  stream: string,
  envelopeId: string,
): Promise<Buffer | undefined> {
  if (!UUID.test(envelopeId)) return undefined;
  const needle = `"__spotlight_envelope_id":"${envelopeId.toLowerCase()}"`;
  let after = 0;
  for (;;) {
    const page = await hub.store.readAfter(stream, after, PAGE);
    for (const event of page) {
      if (event.data.includes(needle)) return serialize(JSON.parse(event.data) as SpotlightEnvelope);
    }
    if (page.length < PAGE) return undefined;
    after = page.at(-1)!.offset;
  }
}

function serialize([headers, items]: SpotlightEnvelope): Buffer {
  const parts: Buffer[] = [Buffer.from(`${JSON.stringify(headers)}\n`)];
  for (const [itemHeaders, payload] of items) {
    const bytes = payloadBytes(itemHeaders, payload);
    parts.push(
      Buffer.from(`${JSON.stringify({ ...itemHeaders, length: bytes.byteLength })}\n`),
      bytes,
      Buffer.from('\n'),
    );
  }
  return Buffer.concat(parts);
}

function payloadBytes(headers: ItemHeaders, payload: unknown): Buffer {
  const data = (payload as { data?: unknown } | null)?.data;
  if (RAW_ITEM_TYPES.has(headers.type) && typeof data === 'string') {
    return Buffer.from(data, carriedAsText(headers.content_type) ? 'utf8' : 'base64');
  }
  return Buffer.from(JSON.stringify(payload));
}
