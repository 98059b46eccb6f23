import { describe, expect, it } from 'vitest';
import { before, monthBounds, monthKey } from './calendar.js';

describe('calendar', () => {
  it('names and bounds UTC months', () => {
    expect(monthKey(Date.UTC(2024, 11, 31, 23, 59, 59, 999))).toBe('202412');
    expect(monthKey(Date.UTC(2025, 0, 1))).toBe('202501');
    expect(monthBounds('202402')).toEqual([Date.UTC(2024, 1, 1), Date.UTC(2024, 2, 1)]);
    expect(monthBounds('202412')).toEqual([Date.UTC(2024, 11, 1), Date.UTC(2025, 0, 1)]);
  });

  it('moves back by days, calendar months and years, clamping to the end of shorter months', () => {
    const now = Date.UTC(2025, 2, 31, 10, 30);
    expect(before(now, 30, 'd')).toBe(now - 30 * 86_400_000);
    expect(before(now, 1, 'm')).toBe(Date.UTC(2025, 1, 28, 10, 30));
    expect(before(now, 13, 'm')).toBe(Date.UTC(2024, 1, 29, 10, 30));
    expect(before(now, 1, 'y')).toBe(Date.UTC(2024, 2, 31, 10, 30));
    expect(before(Date.UTC(2024, 1, 29), 1, 'y')).toBe(Date.UTC(2023, 1, 28));
    expect(before(now, 0, 'm')).toBe(now);
  });
});
