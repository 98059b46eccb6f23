import { describe, expect, it } from 'vitest';
import type { User } from '../model.js';
import { parseDataSet } from './data-set.js';
import { accountIndex, buildLibrary } from './library.js';

const acc = (id: string, serviceTypeId: number) => ({
  id, reference: `ref-${id}`, type: 'USER' as const, createdDate: 0, updatedDate: 0, serviceGroupId: 5, serviceGroupName: 'Music',
  serviceTypeId, serviceTypeName: 'Spotify', serviceTypeReference: 'spotify', sourceId: 19,
});
const user: User = { id: 'u', name: 'U', accounts: [acc('s1', 19), acc('d1', 20), acc('s2', 19)] };

describe('library', () => {
  it('counts accounts of a service type from 1', () => {
    expect(user.accounts.map((a) => accountIndex(user, a))).toEqual([1, 1, 2]);
  });

  it('splits a data set by UTC month, sorts objects by time and rotates the compression', () => {
    const times = [Date.UTC(2025, 2, 1), Date.UTC(2025, 0, 31, 23, 59), Date.UTC(2025, 0, 1), Date.UTC(2025, 1, 14), Date.UTC(2025, 3, 2)];
    const set = parseDataSet({ account: 'ref-s2', objectType: 406, objects: times.map((createddate) => ({ createddate })) }, 'f.json', user);
    const lib = buildLibrary(user, [set]);
    expect(lib.map((f) => [f.name, f.compression, f.times.length])).toEqual([
      ['18_5_19_2_406_D202501_1.json', 'none', 2],
      ['18_5_19_2_406_D202502_1.json', 'gzip', 1],
      ['18_5_19_2_406_D202503_1.json', 'brotli', 1],
      ['18_5_19_2_406_D202504_1.json', 'none', 1],
    ]);
    expect(lib[0]!.times).toEqual([Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 31, 23, 59)]);
    expect(lib[0]!.objects).toEqual([{ createddate: Date.UTC(2025, 0, 1) }, { createddate: Date.UTC(2025, 0, 31, 23, 59) }]);
    expect([lib[0]!.start, lib[0]!.end]).toEqual([Date.UTC(2025, 0, 1), Date.UTC(2025, 1, 1)]);
  });
});
