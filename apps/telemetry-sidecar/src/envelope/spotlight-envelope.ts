import { inferEnvelopeSource } from './infer-source.ts';
import {
  type EnvelopeHeaders,
  type ItemHeaders,
  isPlainObject,
  malformed,
  parseJsonPayload,
  type RawEnvelope,
} from './parse-envelope.ts';

/** The envelope as the Spotlight UI reads it: `[headers, [[itemHeaders, payload], …]]`. */
export type SpotlightEnvelope = [SpotlightEnvelopeHeaders, [ItemHeaders, unknown][]];

export interface SpotlightEnvelopeHeaders extends EnvelopeHeaders {
  /** A UUIDv7 given at ingest; the UI keys its Envelopes panel by it. */
  readonly __spotlight_envelope_id: string;
  readonly __spotlight_sender_user_agent?: string;
  readonly __spotlight_inferred_source: 'browser' | 'mobile' | 'server';
}

/** A payload carried as a string: UTF-8 text for text content types, otherwise base64. */
export interface RawPayload {
  readonly data: string;
}

/** Item types whose payload is not JSON but bytes (the UI reads them as `{ data }`). */
export const RAW_ITEM_TYPES: ReadonlySet<string> = new Set(['attachment', 'replay_video', 'statsd']);

/** Content types whose bytes are sent as text; any other raw payload goes as base64. */
export const TEXT_CONTENT_TYPES: ReadonlySet<string> = new Set([
  'text/plain',
  'text/css',
  'text/csv',
  'text/html',
  'text/javascript',
  'text/json',
  'text/x-json',
  'application/json',
  'application/ld+json',
]);

const lenientUtf8 = new TextDecoder('utf-8');

export interface SpotlightFields {
  readonly envelopeId: string;
  /** The sender's `User-Agent`, when it sent one. */
  readonly userAgent?: string | undefined;
}

/**
 * Shapes an envelope as Spotlight's sidecar hands it to its UI: the header gains
 * `__spotlight_envelope_id`, `__spotlight_sender_user_agent` and `__spotlight_inferred_source`;
 * each JSON payload object gains its item's `type` (the UI sorts items into errors, traces and
 * logs by it); attachments, replay videos and statsd lines become `{ data }`. A length-framed
 * payload of another type that is not JSON (a compressed replay recording) is also kept as
 * `{ data }` in base64. An unframed payload must be JSON (400 otherwise).
 */
export function toSpotlightEnvelope(raw: RawEnvelope, fields: SpotlightFields): SpotlightEnvelope {
  const items = raw.items.map(({ headers, payload, framed }, index): [ItemHeaders, unknown] => {
    if (RAW_ITEM_TYPES.has(headers.type)) {
      // A statsd line is text even when its sender did not say so.
      const itemHeaders =
        headers.type === 'statsd' && headers.content_type === undefined
          ? { ...headers, content_type: 'text/plain' }
          : headers;
      return [itemHeaders, rawPayload(payload, itemHeaders.content_type)];
    }
    const parsed = parseJsonPayload(payload);
    if (parsed === undefined) {
      if (framed) return [headers, rawPayload(payload, undefined)];
      throw malformed(`item ${index + 1}: its payload is not valid JSON`);
    }
    const value = isPlainObject(parsed.value) ? { ...parsed.value, type: headers.type } : parsed.value;
    return [headers, value];
  });
  const partial = {
    ...raw.headers,
    __spotlight_envelope_id: fields.envelopeId,
    ...(fields.userAgent ? { __spotlight_sender_user_agent: fields.userAgent } : {}),
  };
  const headers: SpotlightEnvelopeHeaders = {
    ...partial,
    __spotlight_inferred_source: inferEnvelopeSource(
      partial,
      items.map(([, payload]) => payload),
    ),
  };
  return [headers, items];
}

/** True when a raw payload of this content type is carried as text rather than base64. */
export function carriedAsText(contentType: unknown): boolean {
  return typeof contentType === 'string' && TEXT_CONTENT_TYPES.has(contentType);
}

function rawPayload(bytes: Uint8Array, contentType: unknown): RawPayload {
  const asText = carriedAsText(contentType);
  return {
    data: asText
      ? lenientUtf8.decode(bytes)
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
  };
}

/**
 * The envelope as the SSE event's data. JSON nested deeper than the engine can serialize parses
 * fine but cannot be stored: that is the sender's problem (400), not a server error.
 */
export function envelopeToJson(envelope: SpotlightEnvelope): string {
  try {
    return JSON.stringify(envelope);
  } catch (error) {
    throw malformed('its JSON is nested too deeply', error);
  }
}
