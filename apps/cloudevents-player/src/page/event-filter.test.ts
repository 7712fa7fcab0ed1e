import { describe, expect, it } from 'vitest';
import { isFiltering, matchesFilter, NO_FILTER } from './event-filter.ts';

const order = { type: 'com.example.order.created', source: '/orders', subject: 'order-12345' };

describe('matchesFilter', () => {
  it('passes everything without a filter', () => {
    expect(matchesFilter(order, NO_FILTER)).toBe(true);
    expect(isFiltering(NO_FILTER)).toBe(false);
  });

  it('matches a part of each attribute, ignoring case and surrounding spaces', () => {
    expect(matchesFilter(order, { ...NO_FILTER, type: ' Order.CREATED ' })).toBe(true);
    expect(matchesFilter(order, { ...NO_FILTER, type: 'shipped' })).toBe(false);
    expect(matchesFilter(order, { type: 'order', source: 'orders', subject: '123' })).toBe(true);
    expect(matchesFilter(order, { type: 'order', source: 'returns', subject: '123' })).toBe(false);
    expect(isFiltering({ ...NO_FILTER, subject: 'x' })).toBe(true);
  });

  it('fails a filter on an attribute the event does not have', () => {
    const { subject: _, ...withoutSubject } = order;
    expect(matchesFilter(withoutSubject, { ...NO_FILTER, subject: 'order' })).toBe(false);
    expect(matchesFilter(withoutSubject, NO_FILTER)).toBe(true);
  });
});
