import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthKey, Permission } from './auth-keys.ts';

export interface IssuedToken {
  readonly token: string;
  readonly expiresInMs: number;
}

export type TokenCheck =
  | { readonly ok: true; readonly permissions: ReadonlySet<Permission> }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' };

export interface AccessTokens {
  /** A fresh short-lived token for `key`, or `undefined` when the key is not one of `AUTH_TOKENS`. */
  issue(key: string): IssuedToken | undefined;
  check(token: string): TokenCheck;
}

/** Live tokens kept at most: a key holder who asks in a loop pushes out its own oldest, not the server's memory. */
const MAX_LIVE_TOKENS = 10_000;

/**
 * Short-lived bearer tokens exchanged for a long-lived key. Kept in memory on purpose: a restart
 * signs everyone out, and the page gets a new token with its key on the 401 that follows.
 */
export function createAccessTokens(keys: readonly AuthKey[], ttlMs: number, now = Date.now): AccessTokens {
  const live = new Map<string, { permissions: ReadonlySet<Permission>; expiresAt: number }>();
  const keyBytes = keys.map((entry) => ({ entry, bytes: Buffer.from(entry.key) }));

  function findKey(key: string): AuthKey | undefined {
    const given = Buffer.from(key);
    // Compared in constant time, every key tried, so timing does not tell how much of a key matched.
    let found: AuthKey | undefined;
    for (const { entry, bytes } of keyBytes) {
      if (bytes.length === given.length && timingSafeEqual(bytes, given)) found = entry;
    }
    return found;
  }

  return {
    issue(key) {
      const entry = findKey(key);
      if (!entry) return undefined;
      const at = now();
      for (const [token, held] of live) if (held.expiresAt <= at) live.delete(token);
      while (live.size >= MAX_LIVE_TOKENS) live.delete(live.keys().next().value!);
      const token = randomBytes(24).toString('base64url');
      live.set(token, { permissions: entry.permissions, expiresAt: at + ttlMs });
      return { token, expiresInMs: ttlMs };
    },
    check(token) {
      const held = live.get(token);
      if (!held) return { ok: false, reason: 'unknown' };
      if (held.expiresAt <= now()) {
        live.delete(token);
        return { ok: false, reason: 'expired' };
      }
      return { ok: true, permissions: held.permissions };
    },
  };
}
