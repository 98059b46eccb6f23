/**
 * Calendar arithmetic in UTC on Unix milliseconds, for monthly files and relative time ranges.
 * Pure functions of the times they are given: nothing here reads a clock.
 */

const DAY_MS = 86_400_000;

interface Civil {
  year: number;
  /** 0-11 */
  month: number;
  day: number;
}

function civil(ms: number): Civil {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate() };
}

/** `YYYYMM` of the UTC month holding `ms`. */
export function monthKey(ms: number): string {
  const { year, month } = civil(ms);
  return `${String(year).padStart(4, '0')}${String(month + 1).padStart(2, '0')}`;
}

/** `[start, end)` of a `YYYYMM` month, in milliseconds. */
export function monthBounds(key: string): [number, number] {
  const year = Number(key.slice(0, 4));
  const month = Number(key.slice(4, 6)) - 1;
  return [Date.UTC(year, month, 1), Date.UTC(year, month + 1, 1)];
}

/**
 * `now` moved back by `n` days, months or years (the `last` time range of docs/protocol.md §4). Months
 * and years are calendar ones; a day that does not exist in the target month is clamped to its
 * last day (31 March minus one month is 28 or 29 February).
 */
export function before(now: number, n: number, unit: 'd' | 'm' | 'y'): number {
  if (unit === 'd') return now - n * DAY_MS;
  const months = unit === 'm' ? n : n * 12;
  const { year, month, day } = civil(now);
  const timeOfDay = now - Date.UTC(year, month, day);
  const target = Date.UTC(year, month - months, 1);
  const { year: ty, month: tm } = civil(target);
  const lastDay = civil(Date.UTC(ty, tm + 1, 1) - DAY_MS).day;
  return Date.UTC(ty, tm, Math.min(day, lastDay)) + timeOfDay;
}
