/**
 * The tag a cursor carries of the event at its offset. A store restored from an older copy (a
 * backup, a snapshot, a lagging replica) reuses offsets for other events: the tag of the event
 * stored there now no longer matches the one the client holds, so the resume is answered with a
 * `reset` instead of continuing from a position that means something else.
 *
 * The tag covers the event's offset, append time, name, data length and up to 64 characters from
 * each end of its data: constant work per event whatever its size. An event re-appended at the
 * same offset in the same millisecond with the same name, length and ends is taken for the same
 * event — in practice a restore and new appends are further apart than that.
 * @module
 */

/** Fixed length of a tag: 6 chars of `[0-9a-z]` (31 bits). */
export const EVENT_TAG_LENGTH = 6;
const SAMPLE = 64;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const REPLACEMENT = 0xfffd;

/** What the tag is computed from: the fields every store keeps for an event. */
export interface TaggedFields {
  readonly offset: number;
  readonly time: number;
  readonly event: string | undefined;
  readonly data: string;
}

/** True when `value` is spelled as {@link eventTag} spells tags. */
export function isEventTag(value: string): boolean {
  return /^[0-9a-z]{6}$/.test(value);
}

/** The tag of one stored event. Deterministic across processes and versions of the same protocol. */
export function eventTag(event: TaggedFields): string {
  let hash = FNV_OFFSET;
  hash = mixText(hash, `${event.offset}|${event.time}|${event.data.length}|`);
  hash = mixText(hash, event.event ?? '');
  hash = mix(hash, 0x7c);
  const data = event.data;
  if (data.length <= 2 * SAMPLE) {
    hash = mixText(hash, data);
  } else {
    hash = mixRange(hash, data, 0, SAMPLE);
    hash = mixRange(hash, data, data.length - SAMPLE, data.length);
  }
  // 31 bits fit 6 base-36 digits (36^6 > 2^31).
  return ((hash >>> 1) & 0x7fffffff).toString(36).padStart(EVENT_TAG_LENGTH, '0');
}

function mixText(hash: number, text: string): number {
  return mixRange(hash, text, 0, text.length);
}

function mixRange(hash: number, text: string, from: number, to: number): number {
  let h = hash;
  for (let i = from; i < to; i++) h = mix(h, wellFormedUnit(text, i));
  return h;
}

/**
 * The code unit at `index`, with a lone surrogate read as U+FFFD: stores that keep UTF-8 hand
 * such text back that way, and the tag of the text as sent must match the text as stored.
 */
function wellFormedUnit(text: string, index: number): number {
  const unit = text.charCodeAt(index);
  if (unit < 0xd800 || unit > 0xdfff) return unit;
  if (unit <= 0xdbff) {
    const next = text.charCodeAt(index + 1);
    return next >= 0xdc00 && next <= 0xdfff ? unit : REPLACEMENT;
  }
  const previous = text.charCodeAt(index - 1);
  return previous >= 0xd800 && previous <= 0xdbff ? unit : REPLACEMENT;
}

/** FNV-1a over both bytes of one UTF-16 code unit. */
function mix(hash: number, code: number): number {
  const low = Math.imul(hash ^ (code & 0xff), FNV_PRIME);
  return Math.imul(low ^ (code >>> 8), FNV_PRIME);
}
