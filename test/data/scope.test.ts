/**
 * Scope narrowing (docs/protocol.md §4): time ranges (from/to in Unix seconds, `last` relative to the mock
 * clock) drop monthly files and filter the objects of the files kept; service groups narrow by
 * group, service type and object type; the consent's own scope and accounts apply to every session.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { authorizeAndExchange, createHarness, type Harness } from '../support/harness.js';
import { accounts, fileList, readFile, seconds, trigger } from '../support/data.js';

const names = (list: { name: string }[]) => list.map((f) => f.name);
const musicMonths = (list: { name: string }[]) =>
  list.filter((f) => f.name.includes('_406_')).map((f) => /_D(\d{6})_/.exec(f.name)![1]);

describe('session scope', () => {
  let h: Harness;
  let accessToken: string;

  const session = async (body: object) => {
    const res = await trigger(h, accessToken, body);
    expect(res.status).toBe(202);
    return res.body.session.key as string;
  };

  beforeEach(async () => {
    // Tokens that outlive the clock moves below.
    h = await createHarness({ sync: { pendingSeconds: 0, runningSeconds: 0 }, ttl: { accessToken: 10 * 365 * 86_400 } });
    h.authority.clock.set(Date.UTC(2025, 5, 15, 12)); // 15 June 2025, noon
    h.authority.clock.freeze(true);
    accessToken = (await authorizeAndExchange(h)).payload.access_token.value;
  });

  it('keeps the monthly files a from/to range touches, and only the objects inside it', async () => {
    const from = seconds(2025, 3, 10);
    const to = seconds(2025, 4, 20) - 1;
    const key = await session({ scope: { timeRanges: [{ from, to }] } });
    const { fileList: files } = await fileList(h, accessToken, key);
    expect(musicMonths(files)).toEqual(['202503', '202504']);
    expect(files.every((f) => /_D20250[34]_/.test(f.name))).toBe(true);
    for (const f of files) {
      const { objects, header } = await readFile(h, accessToken, key, f.name);
      expect(objects).toHaveLength(f.objectCount);
      expect(header.metadata.objectCount).toBe(f.objectCount);
      for (const o of objects) {
        expect(o.createddate as number).toBeGreaterThanOrEqual(from * 1000);
        expect(o.createddate as number).toBeLessThanOrEqual(to * 1000 + 999);
      }
    }
    // The cut-down March file holds fewer plays than the whole month does.
    const whole = await fileList(h, accessToken, await session({}));
    const march = (list: typeof files) => list.find((f) => f.name === '18_5_19_1_406_D202503_1.json')!.objectCount;
    expect(march(files)).toBeLessThan(march(whole.fileList));
  });

  it('takes from alone and to alone as open-ended', async () => {
    const after = await fileList(h, accessToken, await session({ scope: { timeRanges: [{ from: seconds(2025, 10, 1) }] } }));
    expect(musicMonths(after.fileList)).toEqual(['202510', '202511']);
    const before = await fileList(h, accessToken, await session({ scope: { timeRanges: [{ to: seconds(2025, 1, 1) - 1 }] } }));
    expect(musicMonths(before.fileList)).toEqual(['202412']);
  });

  it('resolves last: "<n>d" against the mock clock', async () => {
    const key = await session({ scope: { timeRanges: [{ last: '30d' }] } });
    const { fileList: files } = await fileList(h, accessToken, key);
    expect(musicMonths(files)).toEqual(['202505', '202506']);
    const now = h.authority.clock.now();
    for (const f of files.filter((x) => x.name.includes('_406_'))) {
      const { objects } = await readFile(h, accessToken, key, f.name);
      for (const o of objects) {
        expect(o.createddate as number).toBeGreaterThanOrEqual(now - 30 * 86_400_000);
        expect(o.createddate as number).toBeLessThanOrEqual(now);
      }
    }
  });

  it('resolves last in months and years as calendar periods', async () => {
    const months = await fileList(h, accessToken, await session({ scope: { timeRanges: [{ last: '2m' }] } }));
    expect(musicMonths(months.fileList)).toEqual(['202504', '202505', '202506']);
    const year = await fileList(h, accessToken, await session({ scope: { timeRanges: [{ last: '1y' }] } }));
    expect(musicMonths(year.fileList)).toEqual(['202412', '202501', '202502', '202503', '202504', '202505', '202506']);

    h.authority.clock.set(Date.UTC(2027, 0, 1));
    const stale = await fileList(h, accessToken, await session({ scope: { timeRanges: [{ last: '30d' }] } }));
    expect(stale.status.state).toBe('completed');
    expect(stale.fileList).toEqual([]);
  });

  it('takes the union of several ranges', async () => {
    const key = await session({
      scope: {
        timeRanges: [
          { from: seconds(2025, 1, 1), to: seconds(2025, 2, 1) - 1 },
          { from: seconds(2025, 8, 1), to: seconds(2025, 9, 1) - 1 },
        ],
      },
    });
    expect(musicMonths((await fileList(h, accessToken, key)).fileList)).toEqual(['202501', '202508']);
  });

  it('narrows by service group, service type and object type', async () => {
    const music = await fileList(h, accessToken, await session({ scope: { serviceGroups: [{ id: 5 }] } }));
    expect(music.fileList).toHaveLength(12);
    expect(music.fileList.every((f) => f.name.startsWith('18_5_19_1_406_'))).toBe(true);
    expect(Object.keys(music.status.details!)).toEqual(['5_19_demo-spotify']);

    const exact = await fileList(
      h,
      accessToken,
      await session({ scope: { serviceGroups: [{ id: 5, serviceTypes: [{ id: 19, serviceObjectTypes: [{ id: 406 }] }] }] } }),
    );
    expect(names(exact.fileList)).toEqual(names(music.fileList));

    const tracks = await fileList(
      h,
      accessToken,
      await session({ scope: { serviceGroups: [{ id: 5, serviceTypes: [{ id: 19, serviceObjectTypes: [{ id: 400 }] }] }] } }),
    );
    expect(tracks.fileList).toEqual([]);
    expect(tracks.status.state).toBe('completed');

    const otherType = await fileList(h, accessToken, await session({ scope: { serviceGroups: [{ id: 5, serviceTypes: [{ id: 12 }] }] } }));
    expect(otherType.fileList).toEqual([]);
    expect(otherType.status.details).toEqual({});

    const two = await fileList(h, accessToken, await session({ scope: { serviceGroups: [{ id: 1 }, { id: 3 }] } }));
    expect(new Set(two.fileList.map((f) => f.name.slice(0, 8)))).toEqual(new Set(['18_1_4_1', '18_3_138']));
  });

  it('combines time ranges with service groups', async () => {
    const key = await session({
      scope: { timeRanges: [{ from: seconds(2025, 2, 1), to: seconds(2025, 3, 1) - 1 }], serviceGroups: [{ id: 3 }] },
    });
    expect(names((await fileList(h, accessToken, key)).fileList)).toEqual(['18_3_138_1_201_D202502_1.json']);
  });

  it("applies the consent's scope and accounts to every later session", async () => {
    const h2 = await createHarness({ sync: { pendingSeconds: 0, runningSeconds: 0 } });
    const body = {
      agent: { sdk: { name: 'test', version: '1', meta: {} } },
      actions: { pull: { scope: { serviceGroups: [{ id: 5 }], timeRanges: [{ from: seconds(2025, 6, 1) }] } } },
    };
    const { payload, session: first, params } = await authorizeAndExchange(h2, { body });
    expect(params.get('accountReference')).toBe('acc-demo-spotify-0001');
    const token = payload.access_token.value;

    const fromAuthorize = await fileList(h2, token, first.key);
    expect(musicMonths(fromAuthorize.fileList)).toEqual(['202506', '202507', '202508', '202509', '202510', '202511']);
    expect(fromAuthorize.fileList).toHaveLength(6);

    // A trigger without scope still sees only what the consent covers; with one, the intersection.
    const unscoped = await trigger(h2, token, {});
    expect(names((await fileList(h2, token, unscoped.body.session.key)).fileList)).toEqual(names(fromAuthorize.fileList));
    const narrower = await trigger(h2, token, { scope: { timeRanges: [{ to: seconds(2025, 7, 1) - 1 }] } });
    expect(musicMonths((await fileList(h2, token, narrower.body.session.key)).fileList)).toEqual(['202506']);

    const accountList = await accounts(h2, token);
    expect(accountList.body.map((a: { reference: string }) => a.reference)).toEqual(['acc-demo-spotify-0001']);
  });
});
