import { describe, expect, it } from 'vitest';
import type { Account } from '../model.js';
import { accountInScope, objectTypeInScope, resolveScope, runsInScope } from './session-scope.js';

const spotify = { serviceGroupId: 5, serviceTypeId: 19 } as Account;
const bank = { serviceGroupId: 3, serviceTypeId: 138 } as Account;

describe('session scope', () => {
  it('resolves from/to seconds to inclusive milliseconds, open ends to infinity', () => {
    expect(resolveScope({ timeRanges: [{ from: 10, to: 20 }] }, 0).ranges).toEqual([[10_000, 20_999]]);
    expect(resolveScope({ timeRanges: [{ from: 10 }, { to: 20 }] }, 0).ranges).toEqual([
      [10_000, Infinity],
      [-Infinity, 20_999],
    ]);
    expect(resolveScope({ timeRanges: [{ last: '2d' }] }, 10 * 86_400_000).ranges).toEqual([[8 * 86_400_000, 10 * 86_400_000]]);
    expect(resolveScope({ timeRanges: [] }, 0).ranges).toBeUndefined();
    expect(resolveScope(undefined, 0)).toEqual({});
  });

  it('matches service groups, types and object types', () => {
    const none = resolveScope({}, 0);
    expect(accountInScope(none, spotify)).toBe(true);
    const music = resolveScope({ serviceGroups: [{ id: 5 }] }, 0);
    expect(accountInScope(music, spotify)).toBe(true);
    expect(accountInScope(music, bank)).toBe(false);
    expect(objectTypeInScope(music, spotify, 406)).toBe(true);
    const playHistory = resolveScope({ serviceGroups: [{ id: 5, serviceTypes: [{ id: 19, serviceObjectTypes: [{ id: 406 }] }] }] }, 0);
    expect(objectTypeInScope(playHistory, spotify, 406)).toBe(true);
    expect(objectTypeInScope(playHistory, spotify, 403)).toBe(false);
    const otherType = resolveScope({ serviceGroups: [{ id: 5, serviceTypes: [{ id: 12 }] }] }, 0);
    expect(accountInScope(otherType, spotify)).toBe(false);
    // Two entries for one type: either lets an object type through.
    const either = resolveScope(
      { serviceGroups: [{ id: 5, serviceTypes: [{ id: 19, serviceObjectTypes: [{ id: 400 }] }] }, { id: 5, serviceTypes: [{ id: 19, serviceObjectTypes: [{ id: 406 }] }] }] },
      0,
    );
    expect(objectTypeInScope(either, spotify, 406)).toBe(true);
  });

  it('keeps contiguous runs of objects, the union of one scope’s ranges and the intersection of several', () => {
    const times = [1000, 2000, 3000, 4000, 5000, 6000];
    expect(runsInScope([], times)).toEqual([[0, 6]]);
    expect(runsInScope([{}], [])).toEqual([]);
    const a = { ranges: [[1500, 3000], [2500, 4500], [5999, 7000]] as const } as never;
    expect(runsInScope([a], times)).toEqual([[1, 4], [5, 6]]);
    const b = { ranges: [[0, 2000]] } as never;
    expect(runsInScope([a, b], times)).toEqual([[1, 2]]);
    expect(runsInScope([{ ranges: [[7000, 8000]] } as never], times)).toEqual([]);
  });
});
