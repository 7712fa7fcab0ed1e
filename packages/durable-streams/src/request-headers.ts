import { badRequest, DurableStreamsError } from './errors.ts';
import type { HeaderReader } from './protocol-request.ts';

/** `application/octet-stream` when a PUT names no type, as the protocol allows. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const DECIMAL = /^(0|[1-9]\d*)$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;

/** The media type without parameters, lower-cased: what two content types are compared on. */
export function mediaType(raw: string): string {
  return raw.split(';', 1)[0]!.trim().toLowerCase();
}

export function checkedContentType(raw: string | null): string | undefined {
  if (raw === null || raw.trim() === '') return undefined;
  const type = mediaType(raw);
  if (!MEDIA_TYPE.test(type))
    throw badRequest(`Content-Type ${JSON.stringify(raw.slice(0, 80))} is not a media type like text/plain.`);
  return raw.trim();
}

export const isJsonType = (contentType: string): boolean => mediaType(contentType) === 'application/json';

/** Types whose SSE data can go as text; anything else is sent base64. */
export const isTextType = (contentType: string): boolean => {
  const type = mediaType(contentType);
  return type.startsWith('text/') || type === 'application/json';
};

/** A non-negative decimal integer without sign, leading zero, point or exponent. */
export function decimalHeader(
  name: string,
  raw: string | null,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (raw === null) return undefined;
  if (!DECIMAL.test(raw))
    throw badRequest(
      `${name} must be a non-negative integer like 3600 (no sign, leading zero, point or exponent).`,
    );
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value > max) throw badRequest(`${name} must be at most ${max}.`);
  return value;
}

export interface Expiry {
  readonly ttlSeconds: number | undefined;
  readonly expiresAt: string | undefined;
}

export function expiryHeaders(headers: HeaderReader): Expiry {
  const ttlSeconds = decimalHeader('Stream-TTL', headers.get('stream-ttl'));
  const expiresAt = headers.get('stream-expires-at') ?? undefined;
  if (ttlSeconds !== undefined && expiresAt !== undefined) {
    throw badRequest('Send either Stream-TTL or Stream-Expires-At, not both.');
  }
  if (expiresAt !== undefined && (!RFC3339.test(expiresAt) || Number.isNaN(Date.parse(expiresAt)))) {
    throw badRequest('Stream-Expires-At must be an RFC 3339 timestamp like 2030-01-01T00:00:00Z.');
  }
  return { ttlSeconds, expiresAt };
}

export interface ProducerHeaders {
  readonly id: string;
  readonly epoch: number;
  readonly seq: number;
}

/** All three producer headers or none. */
export function producerHeaders(headers: HeaderReader): ProducerHeaders | undefined {
  const id = headers.get('producer-id');
  const epoch = headers.get('producer-epoch');
  const seq = headers.get('producer-seq');
  if (id === null && epoch === null && seq === null) return undefined;
  if (id === null || epoch === null || seq === null) {
    throw badRequest('Producer-Id, Producer-Epoch and Producer-Seq go together: send all three or none.');
  }
  if (id.trim() === '') throw badRequest('Producer-Id must not be empty.');
  return {
    id,
    epoch: decimalHeader('Producer-Epoch', epoch) ?? 0,
    seq: decimalHeader('Producer-Seq', seq) ?? 0,
  };
}

/** `Stream-Closed: true` (case-insensitive); any other value is a mistake worth a 400. */
export function closeFlag(headers: HeaderReader): boolean {
  const raw = headers.get('stream-closed');
  if (raw === null) return false;
  const value = raw.trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new DurableStreamsError('BAD_REQUEST', 'Stream-Closed must be true or false.');
}
