/**
 * Data sessions and their file list over HTTP (docs/protocol.md §4, §5, §8): trigger, the clock-driven
 * progression pending → running → completed with a growing file list, file names, expiry.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { authorizeAndExchange, bearer, createHarness, type Harness } from '../support/harness.js';
import { signRequest } from '../support/request-jwt.js';
import { CAFileListResponse, DEMO_ACCOUNTS, fileList, queryFileList, trigger } from '../support/data.js';

const FILE_NAME = /^18_(\d+)_(\d+)_(\d+)_(\d+)(?:_D(\d{6}))?_1\.json$/;
const MONTHS = ['202412', '202501', '202502', '202503', '202504', '202505', '202506', '202507', '202508', '202509', '202510', '202511'];

describe('trigger and the file list', () => {
  let h: Harness;
  let accessToken: string;

  beforeEach(async () => {
    h = await createHarness();
    h.authority.clock.freeze(true);
    accessToken = (await authorizeAndExchange(h)).payload.access_token.value;
  });

  it('trigger answers 202 with a session key and an expiry in milliseconds, an hour of mock time ahead', async () => {
    const res = await trigger(h, accessToken);
    expect(res.status).toBe(202);
    expect(Object.keys(res.body)).toEqual(['session']);
    expect(typeof res.body.session.key).toBe('string');
    expect(res.body.session.expiry).toBe(h.authority.clock.now() + 3_600_000);
  });

  it('moves pending → running → completed as the clock advances, listing files as they sync', async () => {
    const { key } = (await trigger(h, accessToken)).body.session;
    const seen: string[] = [];

    const pending = await fileList(h, accessToken, key);
    expect(pending.status).toEqual({ state: 'pending' });
    expect(pending.fileList).toEqual([]);
    seen.push(pending.status.state);

    h.authority.clock.advance(2); // sync.pendingSeconds
    let previous = 0;
    let latest = 0;
    for (let t = 0; t < 20; t += 4) {
      const running = await fileList(h, accessToken, key);
      expect(running.status.state).toBe('running');
      expect(running.status.details).toEqual({
        [DEMO_ACCOUNTS.spotify]: { state: 'running' },
        [DEMO_ACCOUNTS.instagram]: { state: 'running' },
        [DEMO_ACCOUNTS.bank]: { state: 'running' },
      });
      // The list only grows, and every file was synced at or before now.
      expect(running.fileList.length).toBeGreaterThanOrEqual(previous);
      for (const f of running.fileList) expect(f.updatedDate).toBeLessThanOrEqual(h.authority.clock.now());
      const newest = Math.max(0, ...running.fileList.map((f) => f.updatedDate));
      expect(newest).toBeGreaterThanOrEqual(latest);
      previous = running.fileList.length;
      latest = newest;
      h.authority.clock.advance(4);
    }
    expect(previous).toBeGreaterThan(0);
    expect(previous).toBeLessThan(36);

    h.authority.clock.advance(1);
    const done = await fileList(h, accessToken, key);
    expect(done.status).toEqual({
      state: 'completed',
      details: {
        [DEMO_ACCOUNTS.spotify]: { state: 'completed' },
        [DEMO_ACCOUNTS.instagram]: { state: 'completed' },
        [DEMO_ACCOUNTS.bank]: { state: 'completed' },
      },
    });
    expect(done.fileList).toHaveLength(36);
    // A file keeps the updatedDate it was synced with, so clients do not fetch it twice.
    const again = await fileList(h, accessToken, key);
    expect(again.fileList).toEqual(done.fileList);
  });

  it('names files as digi.me does and describes them with string object types', async () => {
    const { key } = (await trigger(h, accessToken)).body.session;
    h.authority.clock.advance(30);
    const { fileList: files } = await fileList(h, accessToken, key);
    for (const f of files) {
      expect(f.name).toMatch(FILE_NAME);
      expect(typeof f.objectType).toBe('string');
      expect(f.objectCount).toBeGreaterThan(0);
    }
    const music = files.filter((f) => f.name.includes('_406_'));
    expect(music.map((f) => f.name)).toEqual(MONTHS.map((m) => `18_5_19_1_406_D${m}_1.json`));
    expect(music[0]).toMatchObject({ objectType: 'playhistory', serviceGroup: 'music', serviceName: 'spotify' });
    expect(files.filter((f) => f.name.startsWith('18_1_4_1_2_D'))).toHaveLength(12);
    expect(files.filter((f) => f.name.startsWith('18_3_138_1_201_D'))).toHaveLength(12);
    expect(files.find((f) => f.name.startsWith('18_1_4_'))).toMatchObject({ objectType: 'post', serviceGroup: 'social' });
    expect(files.find((f) => f.name.startsWith('18_3_138_'))).toMatchObject({ objectType: 'transaction', serviceGroup: 'finance' });
    // A year of play history, rich enough for a chart.
    expect(music.reduce((n, f) => n + f.objectCount, 0)).toBeGreaterThan(2000);
  });

  it('serves the session handed out by authorize once consent is given', async () => {
    const h2 = await createHarness({ sync: { pendingSeconds: 0, runningSeconds: 0 } });
    const { payload, session } = await authorizeAndExchange(h2);
    const list = await fileList(h2, payload.access_token.value, session.key);
    expect(list.status.state).toBe('completed');
    expect(list.fileList).toHaveLength(36);
  });

  it('takes its durations from the configuration', async () => {
    const h2 = await createHarness({ sync: { pendingSeconds: 5, runningSeconds: 100 } });
    h2.authority.clock.freeze(true);
    const token = (await authorizeAndExchange(h2)).payload.access_token.value;
    const { key } = (await trigger(h2, token)).body.session;
    h2.authority.clock.advance(4.9);
    expect((await fileList(h2, token, key)).status.state).toBe('pending');
    h2.authority.clock.advance(0.1);
    expect((await fileList(h2, token, key)).status.state).toBe('running');
    h2.authority.clock.advance(99.9);
    expect((await fileList(h2, token, key)).status.state).toBe('running');
    h2.authority.clock.advance(0.1);
    expect((await fileList(h2, token, key)).status.state).toBe('completed');
  });

  it('reads the library as it is when sourceFetch is false', async () => {
    const { key } = (await trigger(h, accessToken, { sourceFetch: false })).body.session;
    const list = await fileList(h, accessToken, key);
    expect(list.status.state).toBe('completed');
    expect(list.fileList).toHaveLength(36);
  });

  it('finishes within limits.duration.sourceFetch', async () => {
    const { key } = (await trigger(h, accessToken, { limits: { duration: { sourceFetch: 5 } } })).body.session;
    h.authority.clock.advance(2 + 5);
    expect((await fileList(h, accessToken, key)).status.state).toBe('completed');
  });

  it('answers every poll in a shape the official Node SDK accepts', async () => {
    const { key } = (await trigger(h, accessToken)).body.session;
    for (let i = 0; i < 10; i++) {
      const res = await queryFileList(h, accessToken, key);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(() => CAFileListResponse.parse(res.body)).not.toThrow();
      h.authority.clock.advance(3); // the Node SDK polls every 3 s
    }
  });

  it('answers 404 NotFound for an unknown session, and for a session past its hour', async () => {
    const unknown = await queryFileList(h, accessToken, 'no-such-session');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'NotFound' });
    expect(typeof unknown.body.error.reference).toBe('string');

    const { key } = (await trigger(h, accessToken)).body.session;
    h.authority.clock.advance(3_599);
    expect((await queryFileList(h, accessToken, key)).status).toBe(200);
    h.authority.clock.advance(1);
    const expired = await queryFileList(h, accessToken, key);
    expect(expired.status).toBe(404);
    expect(expired.body.error.code).toBe('NotFound');
    expect(expired.body.error.message).toBe(unknown.body.error.message);
  });

  it('answers 401 InvalidToken for an expired or unknown access token, on trigger and query alike', async () => {
    const { key } = (await trigger(h, accessToken)).body.session;
    const bogus = await trigger(h, 'not-a-token');
    expect(bogus.status).toBe(401);
    expect(bogus.body.error).toMatchObject({ code: 'InvalidToken', message: 'The token (access_token) is invalid' });

    h.authority.clock.advance(86_400); // access tokens live a day
    const late = await trigger(h, accessToken);
    expect(late.status).toBe(401);
    expect(late.body.error).toMatchObject({ code: 'InvalidToken', message: 'The token (access_token) is invalid' });
    const query = await queryFileList(h, accessToken, key);
    expect(query.status).toBe(401);
    expect(query.body.error.code).toBe('InvalidToken');
  });

  it('rejects a query without a valid request JWT (406 ValidationErrors), before looking at the session', async () => {
    const { key } = (await trigger(h, accessToken)).body.session;
    const res = await h.http.get(`/v1.7/permission-access/query/${key}`);
    expect(res.status).toBe(406);
    expect(res.body.error.code).toBe('ValidationErrors');
    const noToken = await h.http.get(`/v1.7/permission-access/query/${key}`).set(bearer(await signRequest({})));
    expect(noToken.status).toBe(401);
  });

  it('rejects malformed session options with ValidationErrors naming the field', async () => {
    const res = await trigger(h, accessToken, { scope: { timeRanges: [{ last: 'a week' }] } });
    expect(res.status).toBe(406);
    expect(res.body.error.code).toBe('ValidationErrors');
    expect(res.body.error.message).toContain('scope.timeRanges.0');
  });
});
