/**
 * The last `capacity` event IDs delivered, oldest evicted first. Cursors are opaque to the
 * client, so a duplicate is recognised by its exact ID, never by comparing positions.
 */
export interface RecentIds {
  has(id: string): boolean;
  add(id: string): void;
  clear(): void;
}

export function createRecentIds(capacity: number): RecentIds {
  // A Set iterates in insertion order, so its first value is always the oldest.
  const ids = new Set<string>();
  return {
    has: (id) => ids.has(id),
    add(id) {
      ids.add(id);
      if (ids.size > capacity) ids.delete(ids.values().next().value as string);
    },
    clear: () => ids.clear(),
  };
}
