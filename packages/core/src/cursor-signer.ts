/**
 * HMAC cursor signer for the server. Kept out of `protocol/` because it needs `node:crypto`.
 * @module
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { ResumableSseError } from './errors.ts';
import { type CursorSigner, MAX_CURSOR_MAC_LENGTH } from './protocol/cursor-codec.ts';

export interface HmacCursorSignerOptions {
  /**
   * Characters of base64url HMAC-SHA256 kept in each cursor (6 bits each), from 8 to 24.
   * @default 16 (96 bits)
   */
  readonly macLength?: number | undefined;
}

/** Shortest accepted secret, in bytes (UTF-8 for a string secret). */
export const MIN_CURSOR_SECRET_BYTES = 16;
const MIN_MAC_LENGTH = 8;
const DEFAULT_MAC_LENGTH = 16;

/**
 * A {@link CursorSigner} computing HMAC-SHA256 over the cursor body, base64url, truncated.
 * Give it a secret used for nothing else; every server process of one deployment needs the same one.
 *
 * @example
 * const codec = createCursorCodec({ signer: hmacCursorSigner(process.env.CURSOR_SECRET!) });
 * @throws {ResumableSseError} `INVALID_OPTION` for a secret under 16 bytes or a `macLength` outside 8–24.
 */
export function hmacCursorSigner(
  secret: string | Uint8Array,
  options: HmacCursorSignerOptions = {},
): CursorSigner {
  const { macLength = DEFAULT_MAC_LENGTH } = options;
  if (!Number.isInteger(macLength) || macLength < MIN_MAC_LENGTH || macLength > MAX_CURSOR_MAC_LENGTH) {
    throw new ResumableSseError(
      'INVALID_OPTION',
      `macLength must be a whole number from ${MIN_MAC_LENGTH} to ${MAX_CURSOR_MAC_LENGTH}, got ${String(macLength)}.`,
    );
  }
  const key = secretKey(secret);
  return {
    sign(message: string): string {
      return createHmac('sha256', key).update(message, 'utf8').digest('base64url').slice(0, macLength);
    },
  };
}

function secretKey(secret: string | Uint8Array): KeyObject {
  const bytes =
    typeof secret === 'string'
      ? new TextEncoder().encode(secret)
      : secret instanceof Uint8Array
        ? secret
        : null;
  if (bytes === null) {
    throw new ResumableSseError('INVALID_OPTION', 'The cursor secret must be a string or a Uint8Array.');
  }
  if (bytes.byteLength < MIN_CURSOR_SECRET_BYTES) {
    throw new ResumableSseError(
      'INVALID_OPTION',
      `The cursor secret must be at least ${MIN_CURSOR_SECRET_BYTES} bytes, got ${bytes.byteLength}; ` +
        'use a long random value (for example 32 random bytes, base64-encoded).',
    );
  }
  // createSecretKey copies the bytes, so later changes to the caller's array cannot change the key.
  return createSecretKey(bytes);
}
