import { badRequest } from './errors.ts';
import { isJsonType } from './request-headers.ts';

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
