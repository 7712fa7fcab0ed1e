/** The part of the Web Storage API the client needs; `sessionStorage` and `localStorage` fit. */
export interface CursorStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface PersistedCursor {
  read(): string | undefined;
  write(id: string): void;
}

/**
 * Keeps the last event ID in `storage` under `key`. Storage may throw (quota, privacy modes,
 * disabled cookies); the stream must not die of it, so failures are ignored.
 */
export function persistedCursor(storage: CursorStorage | undefined, key: string): PersistedCursor {
  return {
    read() {
      try {
        return storage?.getItem(key) || undefined;
      } catch {
        return undefined;
      }
    },
    write(id) {
      try {
        if (id) storage?.setItem(key, id);
        else storage?.removeItem(key);
      } catch {}
    },
  };
}
