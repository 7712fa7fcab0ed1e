import { badRequest, DurableStreamsError } from './errors.ts';
import { isJsonType } from './request-headers.ts';

/**
 * Reads a request body, refusing more than `limit` bytes before buffering them.
 * @throws {DurableStreamsError} `PAYLOAD_TOO_LARGE` (413).
 */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const tooLarge = () =>
    new DurableStreamsError(
      'PAYLOAD_TOO_LARGE',
      `Request body is over ${limit} bytes; split it into several appends.`,
    );
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw tooLarge();
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A JSON stream's append, as the comma-joined messages it stores: one level of a top-level array
 * is flattened. `undefined` for an empty array (allowed on create, a 400 on append).
 * @throws {DurableStreamsError} `BAD_REQUEST` for text that is not JSON.
 */
export function jsonMessages(
  body: Uint8Array,
): { readonly text: string; readonly count: number } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch {
    throw badRequest('The body of a JSON stream must be valid UTF-8 JSON.');
  }
  const messages = Array.isArray(value) ? value : [value];
  if (messages.length === 0) return undefined;
  return { text: messages.map((message) => JSON.stringify(message)).join(','), count: messages.length };
}

export function isJsonStream(contentType: string): boolean {
  return isJsonType(contentType);
}
