import { describe, expect, it } from 'vitest';
import { rowWindow } from './feed-window.ts';

describe('rowWindow', () => {
  it('covers the viewport plus the overscan, clamped to the list', () => {
    // 60 px rows, a 600 px viewport, the list's top 1200 px above it: rows 20–29 are visible.
    expect(rowWindow(1_000, 60, 1_200, 600, 5)).toEqual({ first: 15, last: 35 });
    expect(rowWindow(1_000, 60, 0, 600, 5)).toEqual({ first: 0, last: 15 });
    // The list starts below the viewport's top.
    expect(rowWindow(1_000, 60, -300, 600, 5)).toEqual({ first: 0, last: 15 });
    expect(rowWindow(8, 60, 0, 600, 5)).toEqual({ first: 0, last: 8 });
    expect(rowWindow(0, 60, 0, 600, 5)).toEqual({ first: 0, last: 0 });
    // Scrolled past what is left after a filter.
    expect(rowWindow(10, 60, 6_000, 600, 5)).toEqual({ first: 10, last: 10 });
  });
});
