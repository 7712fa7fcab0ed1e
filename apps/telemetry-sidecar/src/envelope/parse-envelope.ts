import { HttpError } from '@resumable-sse/demo-support';

/** One item of an envelope as it came in: its header and its payload bytes. */
export interface RawEnvelopeItem {
  readonly headers: ItemHeaders;
  readonly payload: Uint8Array;
  /** True when the header's `length` framed the payload (which may then hold any bytes). */
  readonly framed: boolean;
}

export interface RawEnvelope {
  readonly headers: EnvelopeHeaders;
  readonly items: readonly RawEnvelopeItem[];
}

export interface EnvelopeHeaders {
  readonly event_id?: string;
  readonly [key: string]: unknown;
}

export interface ItemHeaders {
  readonly type: string;
  readonly length?: number;
  readonly content_type?: string;
  readonly [key: string]: unknown;
}

const NEWLINE = 0x0a;
// Not fatal: a stray byte in a JSON line becomes U+FFFD, as a browser would read it.
const utf8 = new TextDecoder('utf-8');

/**
 * Splits a Sentry envelope into its headers and items, checking what a reader relies on: the
 * headers are JSON objects, every item has a `type`, and a declared `length` is a whole number
 * of bytes that are actually present. Anything else is a 400 `HttpError` saying what was wrong.
 * Payloads stay bytes; `spotlight-envelope.ts` decides how each is carried.
 *
 * @see https://develop.sentry.dev/sdk/data-model/envelopes/
 */
export function parseSentryEnvelope(body: Uint8Array): RawEnvelope {
  if (body.byteLength === 0) throw malformed('the body is empty');
  let cursor = 0;
  const readLine = (): Uint8Array => {
    const end = body.indexOf(NEWLINE, cursor);
    const stop = end === -1 ? body.byteLength : end;
    const line = body.subarray(cursor, stop);
    cursor = stop + 1;
    return line;
  };

  const headers = parseJsonLine(readLine(), 'the first line (envelope headers)');
  if (!isPlainObject(headers)) throw malformed('the first line (envelope headers) must be a JSON object');

  const items: RawEnvelopeItem[] = [];
  while (cursor < body.byteLength) {
    const where = `item ${items.length + 1}`;
    const itemHeaders = parseJsonLine(readLine(), `${where}: its header line`);
    if (!isPlainObject(itemHeaders)) throw malformed(`${where}: its header line must be a JSON object`);
    if (typeof itemHeaders.type !== 'string' || itemHeaders.type === '') {
      throw malformed(`${where}: its header needs a "type"`);
    }
    const length = itemHeaders.length;
    if (length === undefined || length === null) {
      items.push({ headers: itemHeaders as ItemHeaders, payload: readLine(), framed: false });
      continue;
    }
    if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
      throw malformed(`${where}: "length" must be a whole number of bytes`);
    }
    const available = Math.max(0, body.byteLength - cursor);
    if (available < length)
      throw malformed(`${where}: declares ${length} bytes but only ${available} follow`);
    const payload = body.subarray(cursor, cursor + length);
    cursor += length;
    if (cursor < body.byteLength && body[cursor] !== NEWLINE) {
      throw malformed(`${where}: declares ${length} bytes but more follow before the next line`);
    }
    cursor += 1;
    items.push({ headers: itemHeaders as ItemHeaders, payload, framed: true });
  }
  return { headers: headers as EnvelopeHeaders, items };
}

/** The payload as JSON, or `undefined` when it is not JSON. */
export function parseJsonPayload(payload: Uint8Array): { readonly value: unknown } | undefined {
  try {
    return { value: JSON.parse(utf8.decode(payload)) };
  } catch {
    return undefined;
  }
}

function parseJsonLine(line: Uint8Array, what: string): unknown {
  const parsed = parseJsonPayload(line);
  if (parsed === undefined) throw malformed(`${what} is not valid JSON`);
  return parsed.value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function malformed(reason: string, cause?: unknown): HttpError {
  return new HttpError(400, `Not a valid Sentry envelope: ${reason}.`, { cause });
}
