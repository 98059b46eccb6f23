/**
 * What a session's scope (docs/protocol.md §4) lets through, as predicates over accounts, object types and
 * times. Relative ranges (`last`) are resolved against the time the session started, so a session's
 * selection does not drift while a client polls it.
 *
 * - `timeRanges`: an object is in when its time falls in any range. `from`/`to` are Unix seconds,
 *   both inclusive (`to` covers its whole second); `last: "<n>d|m|y"` is `[now − n, now]`, with
 *   calendar months and years. An empty list restricts nothing.
 * - `serviceGroups`: an object is in when some group has its account's service group and, if the
 *   group lists service types, its service type and, if that type lists object types, its object
 *   type. An empty list restricts nothing.
 * - `criteria` concern raw data only and are ignored.
 */
import type { Account } from '../model.js';
import type { Scope } from '../session-options.js';
import { before } from './calendar.js';

/** Inclusive `[from, to]` in Unix milliseconds. */
export type TimeRange = readonly [number, number];

export interface ResolvedScope {
  /** Undefined: any time. */
  ranges?: TimeRange[];
  /** Undefined: every service group. */
  serviceGroups?: NonNullable<Scope['serviceGroups']>;
}

const LAST = /^(\d+)([dmy])$/;

export function resolveScope(scope: Scope | undefined, now: number): ResolvedScope {
  const resolved: ResolvedScope = {};
  if (scope?.timeRanges?.length) {
    resolved.ranges = scope.timeRanges.map((range): TimeRange => {
      if ('last' in range) {
        const m = LAST.exec(range.last);
        if (!m) return [0, now];
        return [before(now, Number(m[1]), m[2] as 'd' | 'm' | 'y'), now];
      }
      return [
        range.from === undefined ? -Infinity : range.from * 1000,
        range.to === undefined ? Infinity : range.to * 1000 + 999,
      ];
    });
  }
  if (scope?.serviceGroups?.length) resolved.serviceGroups = scope.serviceGroups;
  return resolved;
}

/**
 * Undefined when the scope names no service groups; otherwise, for each service type of the scope
 * that matches the account, the object types it asks for (undefined or empty: all of them).
 */
function matchingTypes(scope: ResolvedScope, account: Account): ({ id: number }[] | undefined)[] | undefined {
  if (!scope.serviceGroups) return undefined;
  const out: ({ id: number }[] | undefined)[] = [];
  for (const group of scope.serviceGroups) {
    if (group.id !== account.serviceGroupId) continue;
    if (!group.serviceTypes?.length) out.push(undefined);
    else for (const t of group.serviceTypes) if (t.id === account.serviceTypeId) out.push(t.serviceObjectTypes);
  }
  return out;
}

/** True when some of the account's data may be in scope (its service group and type are). */
export function accountInScope(scope: ResolvedScope, account: Account): boolean {
  const types = matchingTypes(scope, account);
  return types === undefined || types.length > 0;
}

export function objectTypeInScope(scope: ResolvedScope, account: Account, objectType: number): boolean {
  const types = matchingTypes(scope, account);
  if (types === undefined) return true;
  return types.some((objectTypes) => !objectTypes?.length || objectTypes.some((o) => o.id === objectType));
}

/** First index whose time is ≥ `t` (times ascending). */
function lowerBound(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose time is > `t`. */
function upperBound(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index runs `[start, end)`, ascending and disjoint. */
export type Runs = [number, number][];

function merge(runs: Runs): Runs {
  const sorted = runs.filter(([a, b]) => a < b).sort((x, y) => x[0] - y[0]);
  const out: Runs = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function intersect(x: Runs, y: Runs): Runs {
  const out: Runs = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const a = Math.max(x[i]![0], y[j]![0]);
    const b = Math.min(x[i]![1], y[j]![1]);
    if (a < b) out.push([a, b]);
    if (x[i]![1] < y[j]![1]) i++;
    else j++;
  }
  return out;
}

/** The objects (as index runs into `times`) that every scope's time ranges let through. */
export function runsInScope(scopes: readonly ResolvedScope[], times: readonly number[]): Runs {
  let runs: Runs = times.length ? [[0, times.length]] : [];
  for (const scope of scopes) {
    if (!scope.ranges) continue;
    runs = intersect(runs, merge(scope.ranges.map(([from, to]) => [lowerBound(times, from), upperBound(times, to)])));
  }
  return runs;
}
