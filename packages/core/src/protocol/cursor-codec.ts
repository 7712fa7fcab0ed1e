/**
 * Event-ID (cursor) codec: `<epoch>.<offset in base 36>[~<tag>]`, and with a signer `….<mac>` after
 * that. The tag names the event stored at the offset (`event-tag.ts`), so a cursor into a log that
 * went backwards is recognised; baselines with no event to name (offset 0, evicted positions) and
 * cursors of earlier versions carry none.
 *
 * Clients treat cursors as opaque. The server decodes whatever comes back in `Last-Event-ID`, so
 * `decode` is total and cheap on hostile input, and accepts only the canonical spelling: two strings
 * never name one position.
 * @module
 */
import { ResumableSseError } from '../errors.ts';
import { isEventTag } from './event-tag.ts';

/** A position in one stream's log. Offset 0 is the baseline "before the first event". */
export interface Cursor {
  /** The log's random generation token; it changes whenever the log is lost. */
  readonly epoch: string;
  /** Gap-free position: first event 1, +1 per event. */
  readonly offset: number;
  /** Tag of the event at `offset` ({@link eventTag}); absent where there is none to name. */
  readonly tag?: string | undefined;
}

export type CursorDecodeResult = { readonly ok: true; readonly cursor: Cursor } | { readonly ok: false };
/** Same as {@link CursorDecodeResult}. */
export type DecodeResult = CursorDecodeResult;

/**
 * Signs a cursor body (`<epoch>.<offset36>[~<tag>]`, docs/protocol.md §2.5) so forged or rolled-back cursors read as malformed.
 * Must be synchronous, deterministic for a given key, and return 1–24 chars of `[A-Za-z0-9_-]`.
 */
export interface CursorSigner {
  sign(message: string): string;
}

export interface CursorCodecOptions {
  /** Adds a MAC to every cursor and requires a valid one on decode. @default undefined (unsigned) */
  readonly signer?: CursorSigner | undefined;
}

export interface CursorCodec {
  /** @throws {ResumableSseError} `INVALID_FIELD` for a bad epoch or offset (a programming error). */
  encode(cursor: Cursor): string;
  /** Never throws: anything that is not a canonical cursor of this codec is `{ ok: false }`. */
  decode(input: string | null | undefined): CursorDecodeResult;
}

/** Longest resume input (header or query) the server looks at; anything longer is malformed. */
export const MAX_CURSOR_INPUT_LENGTH = 256;
/** Longest cursor this codec writes (docs/protocol.md §2.1): 16 + 1 + 11 + 1 + 6 + 1 + 24 = 60 fits. */
export const MAX_CURSOR_LENGTH = 64;
export const MAX_EPOCH_LENGTH = 16;
export const MAX_CURSOR_MAC_LENGTH = 24;

const EPOCH_LENGTH = 10;
const EPOCH_PATTERN = /^[A-Za-z0-9]{1,16}$/;
const MAC_PATTERN = /^[A-Za-z0-9_-]{1,24}$/;
// Disjoint classes around literal separators keep matching linear; base 36 of MAX_SAFE_INTEGER has 11 digits.
const CURSOR_PATTERN =
  /^([A-Za-z0-9]{1,16})\.(0|[1-9a-z][0-9a-z]{0,10})(?:~([0-9a-z]{6}))?(?:\.([A-Za-z0-9_-]{1,24}))?$/;
const MALFORMED: CursorDecodeResult = Object.freeze({ ok: false });

const EPOCH_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// Bytes at or above 248 (= 62 * 4) are dropped so every letter is equally likely.
const UNBIASED_BYTE_LIMIT = 256 - (256 % EPOCH_ALPHABET.length);

/** A fresh random epoch: 10 chars of `[A-Za-z0-9]` (about 59 bits) from `crypto.getRandomValues`. */
export function newEpoch(): string {
  const bytes = new Uint8Array(16);
  let epoch = '';
  while (epoch.length < EPOCH_LENGTH) {
    globalThis.crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      if (byte >= UNBIASED_BYTE_LIMIT) continue;
      epoch += EPOCH_ALPHABET[byte % EPOCH_ALPHABET.length];
      if (epoch.length === EPOCH_LENGTH) break;
    }
  }
  return epoch;
}

/** True when `value` can be a cursor epoch: 1–16 chars of `[A-Za-z0-9]`. */
export function isEpoch(value: unknown): value is string {
  return typeof value === 'string' && EPOCH_PATTERN.test(value);
}

export function createCursorCodec(options: CursorCodecOptions = {}): CursorCodec {
  const { signer } = options;
  if (signer !== undefined && typeof signer?.sign !== 'function') {
    throw new ResumableSseError(
      'INVALID_OPTION',
      'The cursor signer must be an object with a sign(message) method.',
    );
  }

  function encode(cursor: Cursor): string {
    const { epoch, offset, tag } = cursor;
    if (!isEpoch(epoch)) {
      throw new ResumableSseError(
        'INVALID_FIELD',
        `A cursor epoch must be 1-${MAX_EPOCH_LENGTH} chars of [A-Za-z0-9], got ${JSON.stringify(epoch)}; create one with newEpoch().`,
      );
    }
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
      throw new ResumableSseError(
        'INVALID_FIELD',
        `A cursor offset must be a safe integer >= 0, got ${String(offset)}.`,
      );
    }
    if (tag !== undefined && !isEventTag(tag)) {
      throw new ResumableSseError(
        'INVALID_FIELD',
        `A cursor tag must be 6 chars of [0-9a-z] as eventTag() makes it, got ${JSON.stringify(tag)}.`,
      );
    }
    const position = `${epoch}.${offset.toString(36)}`;
    const body = tag === undefined ? position : `${position}~${tag}`;
    if (signer === undefined) return body;
    const mac = signer.sign(body);
    if (typeof mac !== 'string' || !MAC_PATTERN.test(mac)) {
      throw new ResumableSseError(
        'INVALID_OPTION',
        `The cursor signer must return 1-${MAX_CURSOR_MAC_LENGTH} chars of [A-Za-z0-9_-], got ${JSON.stringify(mac)}.`,
      );
    }
    return `${body}.${mac}`;
  }

  function decode(input: string | null | undefined): CursorDecodeResult {
    // Length first: nothing below may cost more than a canonical cursor's worth of work.
    if (typeof input !== 'string' || input.length > MAX_CURSOR_LENGTH) return MALFORMED;
    const match = CURSOR_PATTERN.exec(input);
    if (match === null) return MALFORMED;
    const [, epoch = '', offset36 = '', tag, mac] = match;
    const offset = Number.parseInt(offset36, 36);
    // The pattern already forbids leading zeros and upper case; this also drops offsets past 2^53 - 1.
    if (!Number.isSafeInteger(offset) || offset.toString(36) !== offset36) return MALFORMED;
    if ((mac === undefined) !== (signer === undefined)) return MALFORMED;
    const body = tag === undefined ? `${epoch}.${offset36}` : `${epoch}.${offset36}~${tag}`;
    if (signer !== undefined && !macMatches(signer, body, mac ?? '')) return MALFORMED;
    // A tag on offset 0 names no event: not a spelling this codec writes.
    if (tag !== undefined && offset === 0) return MALFORMED;
    return { ok: true, cursor: tag === undefined ? { epoch, offset } : { epoch, offset, tag } };
  }

  return { encode, decode };
}

function macMatches(signer: CursorSigner, body: string, mac: string): boolean {
  let expected: unknown;
  try {
    expected = signer.sign(body);
  } catch {
    // decode is total: a failing signer cannot vouch for the cursor, so it reads as malformed.
    return false;
  }
  return typeof expected === 'string' && constantTimeEqual(expected, mac);
}

/** Compares without an early exit, so response timing does not reveal how many MAC chars were right. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
