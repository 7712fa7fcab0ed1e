/** The page's side of `AUTH_TOKENS`: a key the user types once, exchanged for short-lived tokens. */
export interface PageAuth {
  readonly hasKey: boolean;
  /** Headers for the next stream request. */
  headers(): Record<string, string>;
  /** Exchanges `key` for a token; `undefined` on success, else what to tell the user. */
  signIn(key: string): Promise<string | undefined>;
  /** The client's `onUnauthorized`: a new token with the kept key; `false` when the key is refused. */
  refresh(): Promise<boolean>;
  signOut(): void;
}

const KEY_ITEM = 'cloudevents-player:key';

/**
 * The key stays in `sessionStorage` (this tab only, gone when it closes) so a reload signs in
 * again silently; the token lives in memory only, and a new one is asked for on every 401.
 */
export function createPageAuth(tokenUrl: URL, storage: Storage): PageAuth {
  let key = storage.getItem(KEY_ITEM) ?? undefined;
  let token: string | undefined;

  async function exchange(candidate: string): Promise<string | undefined> {
    const answer = await fetch(tokenUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${candidate}` },
    });
    const body = (await answer.json().catch(() => ({}))) as { token?: unknown; error?: unknown };
    if (answer.ok && typeof body.token === 'string') {
      token = body.token;
      return undefined;
    }
    return typeof body.error === 'string' ? body.error : `Sign-in failed (HTTP ${answer.status}).`;
  }

  return {
    get hasKey() {
      return key !== undefined;
    },
    headers() {
      const headers: Record<string, string> = {};
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      return headers;
    },
    async signIn(candidate) {
      const refused = await exchange(candidate);
      if (refused === undefined) {
        key = candidate;
        storage.setItem(KEY_ITEM, candidate);
      }
      return refused;
    },
    async refresh() {
      if (key === undefined) return false;
      const refused = await exchange(key);
      if (refused !== undefined) this.signOut();
      return refused === undefined;
    },
    signOut() {
      key = undefined;
      token = undefined;
      storage.removeItem(KEY_ITEM);
    },
  };
}
