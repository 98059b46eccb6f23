import { describe, expect, it } from 'vitest';
import { fileName, parseFileName } from './file-names.js';

describe('digi.me file names', () => {
  it('builds monthly and whole-set names', () => {
    expect(fileName({ serviceGroup: 5, serviceType: 19, accountIndex: 1, objectType: 406, month: '202501' })).toBe(
      '18_5_19_1_406_D202501_1.json',
    );
    expect(fileName({ serviceGroup: 1, serviceType: 4, accountIndex: 2, objectType: 2 })).toBe('18_1_4_2_2_1.json');
  });

  it('parses what it builds, and nothing else', () => {
    expect(parseFileName('18_5_19_1_406_D202501_1.json')).toEqual({
      serviceGroup: 5, serviceType: 19, accountIndex: 1, objectType: 406, month: '202501', format: 1,
    });
    expect(parseFileName('18_1_4_2_2_1.json')).toMatchObject({ objectType: 2, month: undefined });
    for (const bad of ['17_5_19_1_406_1.json', '18_5_19_1_406_D2025_1.json', '18_5_19_1_406_1.json.gz', '../18_5_19_1_406_1.json']) {
      expect(parseFileName(bad)).toBeUndefined();
    }
  });
});
