/**
 * Seeded generator of hostile resume positions: what a server may find in `Last-Event-ID` or in
 * `?lastEventId=` — real cursors and their near misses, junk of every length, unicode, control
 * characters (raw where HTTP lets them through, percent-encoded where it does not), numbers past
 * every limit, and header lines too long to be accepted at all.
 */
import type { SeededRandom } from './seeded-random.ts';

export type CursorPlace = 'header' | 'query';

export interface FuzzedCursor {
  readonly place: CursorPlace;
  /** Bytes as they go on the wire (already percent-encoded for a query). */
  readonly wire: Buffer;
  /** What kind of input it is, for the report. */
  readonly kind: string;
  /** The server reads exactly the generated value back (no damage added on the way). */
  readonly faithful: boolean;
}

const CURSOR_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-';
const NASTY = [
  '\0',
  '\r',
  '\n',
  '\r\n',
  '\t',
  ' ',
  '%',
  '%00',
  '%0D%0A',
  '"',
  "'",
  '\\',
  '/',
  '?',
  '&',
  '=',
  '#',
  '+',
  ',',
  ';',
  '..',
  '\u2028',
  '\uFEFF',
  '\u{1F4A5}',
  'é',
  '\uD800',
];
const NUMBERS = [
  '0',
  '-1',
  '-0',
  '1e309',
  '9007199254740993',
  'zzzzzzzzzzzz',
  '00',
  '01',
  'NaN',
  'Infinity',
  '0x10',
  ' 1',
  '1 ',
  '1.5',
  '٣',
];

function randomString(random: SeededRandom, alphabet: string, min: number, max: number): string {
  const length = random.int(min, max);
  let text = '';
  for (let index = 0; index < length; index++) text += alphabet[random.int(0, alphabet.length - 1)];
  return text;
}

function randomUnicode(random: SeededRandom, max: number): string {
  let text = '';
  const length = random.int(1, max);
  for (let index = 0; index < length; index++) {
    const roll = random.next();
    if (roll < 0.1) text += random.pick(NASTY);
    else if (roll < 0.5) text += String.fromCodePoint(random.int(0x20, 0x7e));
    else if (roll < 0.8) text += String.fromCodePoint(random.int(0xa0, 0xd7ff));
    else text += String.fromCodePoint(random.int(0x10000, 0x10ffff));
  }
  return text;
}

/** A value around the real cursors: near misses that only a strict codec tells apart. */
function nearMiss(random: SeededRandom, cursor: string): string {
  const [epoch = '', offset = ''] = cursor.split('.');
  switch (random.int(0, 11)) {
    case 0:
      return `${epoch}.${random.pick(NUMBERS)}`;
    case 1:
      return `${epoch.slice(0, -1)}${random.pick([...CURSOR_CHARS])}.${offset}`;
    case 2:
      return `${cursor}.${randomString(random, CURSOR_CHARS, 0, 40)}`;
    case 3:
      return cursor.toUpperCase();
    case 4:
      return `${epoch}.${Math.max(0, Number.parseInt(offset, 36) - random.int(1, 5_000)).toString(36)}`;
    case 5:
      return `${epoch}.${offset}${random.pick(NASTY)}`;
    case 6:
      return `${random.pick(NASTY)}${cursor}`;
    case 7:
      return `${epoch}..${offset}`;
    case 8:
      return `${epoch}.${'z'.repeat(random.int(11, 300))}`;
    case 9:
      return `${cursor} ${cursor}`;
    case 10:
      return cursor.repeat(random.int(2, 20));
    default:
      return `${epoch}.${offset}`.slice(0, random.int(0, cursor.length));
  }
}

function value(random: SeededRandom, cursors: readonly string[]): { text: string; kind: string } {
  const roll = random.next();
  // Ahead of the head: the server waits its grace (1 s) for a lagging replica, so keep these rare.
  if (roll < 0.0002 && cursors.length > 0) {
    const [epoch = '', offset = '0'] = random.pick(cursors).split('.');
    return { text: `${epoch}.${(Number.parseInt(offset, 36) + 1_000_000).toString(36)}`, kind: 'future' };
  }
  if (roll < 0.05 && cursors.length > 0) return { text: random.pick(cursors), kind: 'valid' };
  if (roll < 0.35 && cursors.length > 0)
    return { text: nearMiss(random, random.pick(cursors)), kind: 'near-miss' };
  if (roll < 0.55) return { text: randomString(random, CURSOR_CHARS, 0, 80), kind: 'cursor-alphabet' };
  if (roll < 0.75) return { text: randomUnicode(random, 120), kind: 'unicode' };
  if (roll < 0.85)
    return { text: `${randomString(random, CURSOR_CHARS, 1, 16)}.${random.pick(NUMBERS)}`, kind: 'number' };
  if (roll < 0.97) return { text: randomString(random, CURSOR_CHARS, 257, 12_000), kind: 'long' };
  return { text: randomString(random, CURSOR_CHARS, 17_000, 40_000), kind: 'oversized' };
}

/** Header bytes: UTF-8, with raw CR/LF/NUL left in a few so the HTTP parser meets them too. */
function headerBytes(random: SeededRandom, text: string): { wire: Buffer; faithful: boolean } {
  const raw = random.next() < 0.02;
  const cleaned = raw ? text : text.replace(/[\r\n\0]/g, () => random.pick(['%0D', '%0A', '%00', '']));
  return { wire: Buffer.from(cleaned, 'utf8'), faithful: cleaned === text };
}

/** Query bytes: mostly percent-encoded; sometimes raw, with broken escapes and extra parameters. */
function queryBytes(random: SeededRandom, text: string): { wire: Buffer; faithful: boolean } {
  const roll = random.next();
  const wellFormed = text.replace(/[\uD800-\uDFFF]/g, '?');
  if (roll < 0.8)
    return {
      wire: Buffer.from(`lastEventId=${encodeURIComponent(wellFormed)}`),
      faithful: wellFormed === text,
    };
  if (roll < 0.9) {
    const raw = text.replace(/[^\x21-\x7e]/g, '%zz');
    return {
      wire: Buffer.from(`lastEventId=${raw}&lastEventId=second`),
      faithful: raw === text && !/[%&#+]/.test(text),
    };
  }
  return {
    wire: Buffer.from(
      `x=1&lastEventId=${encodeURIComponent(wellFormed)}%${random.pick(['', '0', 'G1', '%'])}`,
    ),
    faithful: false,
  };
}

export function fuzzCursor(
  random: SeededRandom,
  cursors: readonly string[],
  place: CursorPlace,
): FuzzedCursor {
  const { text, kind } = value(random, cursors);
  const { wire, faithful } = place === 'header' ? headerBytes(random, text) : queryBytes(random, text);
  return { place, kind, wire, faithful };
}
