import { StartupError } from '@resumable-sse/demo-support';

/** What a key's tokens may do: `read` the stream (`GET /stream`), `publish` events (`POST /events`). */
export type Permission = 'read' | 'publish';
export const PERMISSIONS: readonly Permission[] = ['read', 'publish'];

export interface AuthKey {
  readonly key: string;
  readonly permissions: ReadonlySet<Permission>;
}

// Printable ASCII without the separators the variable uses; long enough not to be guessed by hand.
const KEY_SHAPE = /^[\x21-\x7e]{8,200}$/;

/**
 * Reads `AUTH_TOKENS`: comma-separated `key` (read and publish) or `key:permissions`, the
 * permissions joined by `+` (`viewer-key-1:read,ci-key-0001:publish`). Unset or empty: auth is off.
 */
export function parseAuthKeys(raw: string | undefined): AuthKey[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const keys: AuthKey[] = [];
  const seen = new Set<string>();
  for (const entry of raw.split(',')) {
    const trimmed = entry.trim();
    if (trimmed === '') continue;
    const colon = trimmed.lastIndexOf(':');
    const key = colon === -1 ? trimmed : trimmed.slice(0, colon);
    const listed = colon === -1 ? 'read+publish' : trimmed.slice(colon + 1);
    if (!KEY_SHAPE.test(key) || key.includes(',')) {
      throw new StartupError(
        'AUTH_TOKENS has a key that is not 8 to 200 printable ASCII characters without spaces: ' +
          'set AUTH_TOKENS to comma-separated keys, each optionally followed by :read, :publish or :read+publish.',
      );
    }
    if (seen.has(key)) throw new StartupError('AUTH_TOKENS lists the same key twice: list each key once.');
    seen.add(key);
    const permissions = new Set<Permission>();
    for (const name of listed.split('+')) {
      if (!(PERMISSIONS as readonly string[]).includes(name)) {
        throw new StartupError(
          `AUTH_TOKENS gives a key the permission "${name}": use read, publish or read+publish.`,
        );
      }
      permissions.add(name as Permission);
    }
    keys.push({ key, permissions });
  }
  if (keys.length === 0) throw new StartupError('AUTH_TOKENS lists no key: set at least one, or unset it.');
  return keys;
}
