import { ResumableSseError } from '../errors.ts';
import { isControlEventName } from '../protocol/control-events.ts';
import type { AppendInput } from './types.ts';

const FORBIDDEN_IN_EVENT_NAME = /[\r\n\0]/;
/** A UTF-16 surrogate without its other half: text that has no UTF-8 form. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks a whole batch before anything is stored, so a bad item leaves the log untouched.
 * Every store runs this first: the wire format cannot carry an event name with a line break, and
 * a non-string `data` would be stored as something the encoder later refuses.
 *
 * An idempotency key must be well-formed UTF-16: SQLite and Redis keep text as UTF-8, where every
 * lone surrogate becomes U+FFFD, so keys differing only there would collide (the second publish
 * answered as a duplicate and dropped) while memory kept them apart. `data` and `event` may hold
 * lone surrogates (text cut inside a surrogate pair is common and harmless): every client gets
 * U+FFFD there from every store, since the wire is UTF-8; SQLite and Redis also store U+FFFD.
 *
 * @throws {ResumableSseError} `INVALID_FIELD` naming the first bad item.
 */
export function assertValidAppendInputs(events: readonly AppendInput[]): void {
  if (!Array.isArray(events)) {
    throw new ResumableSseError(
      'INVALID_FIELD',
      'append() takes an array of events; wrap a single event in [ ].',
    );
  }
  for (let index = 0; index < events.length; index += 1) {
    const input: unknown = events[index];
    if (typeof input !== 'object' || input === null) {
      throw new ResumableSseError('INVALID_FIELD', `Event #${index} must be an object like { data: '...' }.`);
    }
    const { data, event, idempotencyKey } = input as Record<string, unknown>;
    if (typeof data !== 'string') {
      throw new ResumableSseError(
        'INVALID_FIELD',
        `Event #${index}: "data" must be a string, got ${typeof data}; serialize it first (for example with JSON.stringify).`,
      );
    }
    if (event !== undefined) {
      if (typeof event !== 'string') {
        throw new ResumableSseError(
          'INVALID_FIELD',
          `Event #${index}: "event" must be a string or undefined, got ${typeof event}.`,
        );
      }
      if (FORBIDDEN_IN_EVENT_NAME.test(event)) {
        throw new ResumableSseError(
          'INVALID_FIELD',
          `Event #${index}: "event" must not contain CR, LF or NUL (got ${JSON.stringify(event.slice(0, 64))}); remove them from the name.`,
        );
      }
      // A stored `reset` or `caught-up` would reach clients as a forged control event.
      if (isControlEventName(event)) {
        throw new ResumableSseError(
          'INVALID_FIELD',
          `Event #${index}: "${event}" is a reserved control event name; publish under another name.`,
        );
      }
    }
    if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || idempotencyKey === '')) {
      throw new ResumableSseError(
        'INVALID_FIELD',
        `Event #${index}: "idempotencyKey" must be a non-empty string or undefined, got ${JSON.stringify(idempotencyKey)}.`,
      );
    }
    if (idempotencyKey !== undefined && LONE_SURROGATE.test(idempotencyKey)) {
      throw new ResumableSseError(
        'INVALID_FIELD',
        `Event #${index}: "idempotencyKey" ${JSON.stringify(idempotencyKey.slice(0, 64))} contains a lone surrogate (ill-formed UTF-16), which a store keeping UTF-8 cannot tell from U+FFFD; build keys from well-formed text, such as an id or a hex digest.`,
      );
    }
  }
}
