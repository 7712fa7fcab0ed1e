/** Which rows of a fixed-row-height list to draw: `[first, last)` from the top. */
export interface RowWindow {
  readonly first: number;
  readonly last: number;
}

/**
 * The rows a viewport shows, plus `overscan` on each side so a scroll finds them drawn.
 * `viewStart` is how far the list's top is above the viewport's (0 when the list starts below).
 */
export function rowWindow(
  total: number,
  rowHeight: number,
  viewStart: number,
  viewHeight: number,
  overscan: number,
): RowWindow {
  const start = Math.max(0, viewStart);
  const first = Math.min(total, Math.max(0, Math.floor(start / rowHeight) - overscan));
  const last = Math.min(total, Math.ceil((start + viewHeight) / rowHeight) + overscan);
  return { first, last: Math.max(first, last) };
}

/**
 * Makes `list`'s children exactly `rows`, in order, moving as little as it can: rows already in
 * place stay attached (re-inserting one costs it a style pass), those that left are removed, new
 * ones inserted where they belong.
 */
export function syncChildren(list: Element, rows: readonly Element[]): void {
  const keep = new Set(rows);
  for (const child of [...list.children]) if (!keep.has(child)) child.remove();
  let at = list.firstElementChild;
  for (const row of rows) {
    if (row === at) at = at.nextElementSibling;
    else list.insertBefore(row, at);
  }
}
