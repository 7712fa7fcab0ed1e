import { HttpError } from '@resumable-sse/demo-support';
import { parseEnvelope } from '@sentry/core';

/** A JSON-safe envelope: `[headers, [[itemHeaders, payload], …]]`, the shape Sentry's SDKs use. */
export type JsonEnvelope = [EnvelopeHeaders, JsonEnvelopeItem[]];
export type JsonEnvelopeItem = [ItemHeaders, unknown];

export interface EnvelopeHeaders {
  readonly event_id?: string;
  readonly [key: string]: unknown;
}

export interface ItemHeaders {
  readonly type: string;
  readonly length?: number;
  readonly [key: string]: unknown;
}

/**
 * A payload that is neither JSON nor UTF-8 text (an attachment, a compressed replay segment),
 * carried as base64 so the envelope stays JSON.
 */
export interface BinaryPayload {
  readonly base64: string;
}

/**
 * Parses a Sentry envelope with `@sentry/core`'s `parseEnvelope` and checks what it does not:
 * headers are objects, every item has a `type`, and a declared `length` matches the bytes
 * present. Anything else is a 400 `HttpError` saying what was wrong.
 *
 * Payloads: JSON items (events, transactions, sessions, logs…) become JSON values; length-framed
 * payloads become JSON when they are JSON, text when they are UTF-8, otherwise `{ base64 }`.
 *
 * @see https://develop.sentry.dev/sdk/data-model/envelopes/
 */
export function parseSentryEnvelope(body: Uint8Array): JsonEnvelope {
  if (body.byteLength === 0) throw malformed('the body is empty');

  let parsed: [unknown, [unknown, unknown][]];
  try {
    parsed = parseEnvelope(body) as unknown as [unknown, [unknown, unknown][]];
  } catch (error) {
    throw malformed(`a header or JSON payload is not valid JSON (${(error as Error).message})`, error);
  }

  const [headers, items] = parsed;
  if (!isPlainObject(headers)) throw malformed('the first line (envelope headers) must be a JSON object');

  const jsonItems = items.map(([itemHeaders, payload], index): JsonEnvelopeItem => {
    const where = `item ${index + 1}`;
    if (!isPlainObject(itemHeaders)) throw malformed(`${where}: its header line must be a JSON object`);
    if (typeof itemHeaders.type !== 'string' || itemHeaders.type === '') {
      throw malformed(`${where}: its header needs a "type"`);
    }
    const length = itemHeaders.length;
    if (length !== undefined && (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0)) {
      throw malformed(`${where}: "length" must be a whole number of bytes`);
    }
    if (payload instanceof Uint8Array) {
      if (payload.byteLength !== length) {
        throw malformed(`${where}: declares ${length} bytes but only ${payload.byteLength} follow`);
      }
      return [itemHeaders as ItemHeaders, decodeFramedPayload(payload)];
    }
    return [itemHeaders as ItemHeaders, payload];
  });

  return [headers as EnvelopeHeaders, jsonItems];
}

/**
 * The envelope as the SSE event's data. JSON nested deeper than the engine can serialize parses
 * fine but cannot be stored: that is the sender's problem (400), not a server error.
 */
export function envelopeToJson(envelope: JsonEnvelope): string {
  try {
    return JSON.stringify(envelope);
  } catch (error) {
    throw malformed('its JSON is nested too deeply', error);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeFramedPayload(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return { base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(reason: string, cause?: unknown): HttpError {
  return new HttpError(400, `Not a valid Sentry envelope: ${reason}.`, { cause });
}
