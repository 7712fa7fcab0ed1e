import { createHash } from 'node:crypto';
import { DurableStreamsError } from './errors.ts';

/**
 * Offsets on the wire are `<epoch tag>_<log offset>`, both 16 decimal digits, so they sort
 * lexicographically within one log. The epoch tag is a hash of the store's epoch: a position taken
 * from a log the store has since lost no longer matches and is answered 410, never misread.
 * `0000000000000000_0000000000000000` is the beginning of any log.
 */
const OFFSET_PATTERN = /^(\d{16})_(\d{16})$/;
const WIDTH = 16;

export const ZERO_OFFSET = `${'0'.repeat(WIDTH)}_${'0'.repeat(WIDTH)}`;

export interface ParsedOffset {
  readonly kind: 'start' | 'now' | 'position';
  /** Log offset after which the read starts (0 for the start). */
  readonly after: number;
}

const tags = new Map<string, string>();

/** The 16-digit tag of a store epoch (cached: one hash per epoch per process). */
export function epochTag(epoch: string): string {
  let tag = tags.get(epoch);
  if (tag === undefined) {
    const digest = createHash('sha256').update(epoch).digest();
    // 52 bits always fit in 16 decimal digits and in a double.
    const value = digest.readUIntBE(0, 6) * 16 + (digest[6]! >> 4);
    tag = String(value).padStart(WIDTH, '0');
    if (tags.size > 10_000) tags.clear();
    tags.set(epoch, tag);
  }
  return tag;
}

export function formatOffset(epoch: string, offset: number): string {
  return `${epochTag(epoch)}_${String(offset).padStart(WIDTH, '0')}`;
}

/**
 * Reads a client's offset against the epoch tags it may carry (the log's own, and for a fork
 * those of its sources).
 * @throws {DurableStreamsError} `BAD_OFFSET` (400) when malformed, `OFFSET_GONE` (410) when it
 * names a position in a log the store no longer has.
 */
export function parseOffset(raw: string | null, tags: readonly string[]): ParsedOffset {
  if (raw === null || raw === '-1') return { kind: 'start', after: 0 };
  if (raw === 'now') return { kind: 'now', after: 0 };
  const match = OFFSET_PATTERN.exec(raw);
  if (match === null) {
    throw new DurableStreamsError(
      'BAD_OFFSET',
      `Malformed offset ${JSON.stringify(raw.slice(0, 80))}: use -1, now, or a Stream-Next-Offset value this server returned.`,
    );
  }
  const after = Number(match[2]);
  if (after === 0) return { kind: 'start', after: 0 };
  if (!tags.includes(match[1]!)) {
    throw new DurableStreamsError(
      'OFFSET_GONE',
      'That offset belongs to a log this server no longer holds; read again from offset -1.',
    );
  }
  return { kind: 'position', after };
}
