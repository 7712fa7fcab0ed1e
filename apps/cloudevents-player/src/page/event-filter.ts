/** The attributes the feed can be filtered on. */
export const FILTER_ATTRIBUTES = ['type', 'source', 'subject'] as const;
export type FilterAttribute = (typeof FILTER_ATTRIBUTES)[number];

export type EventFilter = Readonly<Record<FilterAttribute, string>>;

export const NO_FILTER: EventFilter = { type: '', source: '', subject: '' };

/**
 * True when every non-empty filter text occurs in its attribute, ignoring case
 * (`order` matches `com.example.order.created`). An event without the attribute fails a
 * non-empty filter on it.
 */
export function matchesFilter(event: Readonly<Record<string, unknown>>, filter: EventFilter): boolean {
  return FILTER_ATTRIBUTES.every((attribute) => {
    const wanted = filter[attribute].trim().toLowerCase();
    if (wanted === '') return true;
    const value = event[attribute];
    return typeof value === 'string' && value.toLowerCase().includes(wanted);
  });
}

export function isFiltering(filter: EventFilter): boolean {
  return FILTER_ATTRIBUTES.some((attribute) => filter[attribute].trim() !== '');
}
