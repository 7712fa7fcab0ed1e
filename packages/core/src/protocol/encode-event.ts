/**
 * Server-Sent Events frame encoder.
 *
 * Runs once per publish; the resulting bytes are shared by every subscriber, so it favours a
 * few whole-string operations over per-character work.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * @module
 */
import { ResumableSseError } from '../errors.ts';

/** The fields of one SSE frame. Every field is optional; absent fields are not written. */
export interface SseEventFields {
  /** `id:` — becomes the browser's `Last-Event-ID`. Must not contain CR, LF or NUL. */
  readonly id?: string | undefined;
  /** `event:` — the event type. Must not contain CR, LF or NUL. An empty name means the default `message`. */
  readonly event?: string | undefined;
  /** `data:` — any text; CR, LF and CRLF become separate `data:` lines. `''` still dispatches an event. */
  readonly data?: string | undefined;
  /** `retry:` — the client's reconnection delay in milliseconds; a non-negative safe integer. */
  readonly retry?: number | undefined;
  /** `:` comment lines — ignored by clients; line breaks start new comment lines. */
  readonly comment?: string | undefined;
}

/** A comment-only frame: keeps proxies from closing an idle connection and lets clients spot a dead one. */
export const HEARTBEAT_FRAME = ':\n\n';

const LINE_BREAK = /\r\n|\r|\n/g;
const FORBIDDEN_IN_ID_OR_EVENT = /[\r\n\0]/;
const utf8 = new TextEncoder();

/**
 * Encodes one SSE frame (ending with the blank line that dispatches it).
 *
 * @example
 * encodeEvent({ id: 'aZ3k9Qp0Lm.1', event: 'token', data: 'hello\nworld' });
 * // 'id: aZ3k9Qp0Lm.1\nevent: token\ndata: hello\ndata: world\n\n'
 * @throws {ResumableSseError} `INVALID_FIELD` when `id`/`event` contain CR, LF or NUL or a field is not a
 *   string; `INVALID_RETRY` when `retry` is not a non-negative safe integer.
 */
export function encodeEvent(fields: SseEventFields): string {
  const { id, event, data, retry, comment } = fields;
  let frame = '';
  if (comment != null) frame += commentLines(comment);
  if (retry != null) frame += `retry: ${checkedRetry(retry)}\n`;
  if (id != null) frame += `id: ${checkedLineField('id', id)}\n`;
  if (event != null && checkedLineField('event', event) !== '') frame += `event: ${event}\n`;
  if (data != null) frame += dataLines(data);
  return `${frame}\n`;
}

/** {@link encodeEvent} as UTF-8 bytes. Lone surrogates in text become U+FFFD, as in any UTF-8 encoding. */
export function encodeEventBytes(fields: SseEventFields): Uint8Array {
  return utf8.encode(encodeEvent(fields));
}

/** A comment-only frame (`: text`), e.g. a heartbeat with a label. */
export function encodeComment(text = ''): string {
  return `${commentLines(text)}\n`;
}

/** {@link encodeComment} as UTF-8 bytes. */
export function encodeCommentBytes(text = ''): Uint8Array {
  return utf8.encode(encodeComment(text));
}

function dataLines(data: string): string {
  if (typeof data !== 'string') {
    throw new ResumableSseError(
      'INVALID_FIELD',
      `SSE "data" must be a string, got ${typeof data}; serialize it first (for example with JSON.stringify).`,
    );
  }
  return `data: ${splitLines(data, '\ndata: ')}\n`;
}

function commentLines(comment: string): string {
  if (typeof comment !== 'string') {
    throw new ResumableSseError('INVALID_FIELD', `An SSE comment must be a string, got ${typeof comment}.`);
  }
  // A bare ':' is the shortest comment; a space is only needed to keep the text readable.
  if (comment === '') return ':\n';
  return `: ${splitLines(comment, '\n: ')}\n`;
}

/** Replaces every CR, LF and CRLF with `separator`, skipping the regex on the common single-line value. */
function splitLines(text: string, separator: string): string {
  const hasCr = text.includes('\r');
  if (!hasCr) return text.includes('\n') ? text.replaceAll('\n', separator) : text;
  return text.replace(LINE_BREAK, separator);
}

function checkedLineField(name: 'id' | 'event', value: string): string {
  if (typeof value !== 'string') {
    throw new ResumableSseError('INVALID_FIELD', `SSE "${name}" must be a string, got ${typeof value}.`);
  }
  if (FORBIDDEN_IN_ID_OR_EVENT.test(value)) {
    throw new ResumableSseError(
      'INVALID_FIELD',
      `SSE "${name}" must not contain CR, LF or NUL (got ${JSON.stringify(value.slice(0, 64))}); ` +
        `remove line breaks and NUL characters from the ${name}.`,
    );
  }
  return value;
}

function checkedRetry(retry: number): number {
  if (typeof retry !== 'number' || !Number.isSafeInteger(retry) || retry < 0) {
    throw new ResumableSseError(
      'INVALID_RETRY',
      `SSE "retry" must be a whole number of milliseconds >= 0, got ${String(retry)}; round it (Math.round).`,
    );
  }
  return retry;
}
