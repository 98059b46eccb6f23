/** The control plane: clock, app registration, health, loopback-only access. */
import { describe, expect, it } from 'vitest';
import { createWireHandler } from '../../mock-server/wire/handler.js';
import { createHarness, manualWallClock } from '../support/harness.js';
import { newRsaKeyPair } from '../support/keys.js';

describe('/__admin/clock', () => {
  it('shows the mock clock, which starts at real time', async () => {
    const wall = manualWallClock(Date.parse('2026-03-04T05:06:07.000Z'));
    const h = await createHarness({}, { wallClock: wall });
    const res = await h.http.get('/__admin/clock').expect(200);
    expect(res.body).toEqual({ now: '2026-03-04T05:06:07.000Z', nowMs: Date.parse('2026-03-04T05:06:07.000Z'), frozen: false, offsetMs: 0 });
  });

  it('advances, sets, freezes and unfreezes', async () => {
    const wall = manualWallClock(Date.parse('2026-03-04T05:06:07.000Z'));
    const h = await createHarness({}, { wallClock: wall });
    const advanced = await h.http.post('/__admin/clock').send({ advance: 86_400 }).expect(200);
    expect(advanced.body).toMatchObject({ now: '2026-03-05T05:06:07.000Z', offsetMs: 86_400_000 });
    const set = await h.http.post('/__admin/clock').send({ set: '2030-01-02T03:04:05.000Z', freeze: true }).expect(200);
    expect(set.body).toMatchObject({ now: '2030-01-02T03:04:05.000Z', frozen: true });
    wall.advance(30_000); // real time goes on; a frozen mock clock does not
    expect((await h.http.get('/__admin/clock')).body.now).toBe('2030-01-02T03:04:05.000Z');
    const moved = await h.http.post('/__admin/clock').send({ advance: 1.5 }).expect(200);
    expect(moved.body.now).toBe('2030-01-02T03:04:06.500Z');
    const thawed = await h.http.post('/__admin/clock').send({ freeze: false }).expect(200);
    expect(thawed.body.frozen).toBe(false);
    wall.advance(30_000); // thawed, it runs with real time from where it stood
    expect((await h.http.get('/__admin/clock')).body.now).toBe('2030-01-02T03:04:36.500Z');
    const reset = await h.http.post('/__admin/clock').send({ reset: true }).expect(200);
    expect(reset.body).toMatchObject({ now: new Date(wall.now()).toISOString(), offsetMs: 0, frozen: false });
  });

  it('refuses a bad body with ValidationErrors 400 naming the field', async () => {
    const h = await createHarness();
    for (const body of [{}, { advance: 'soon' }, { set: 'yesterday' }, { freeze: 'yes' }, { jump: 1 }]) {
      const res = await h.http.post('/__admin/clock').send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('ValidationErrors');
    }
    const named = await h.http.post('/__admin/clock').send({ advance: 'soon' });
    expect(named.body.error.message).toContain('advance');
  });
});

describe('/__admin/apps', () => {
  it('registers an app contract that can then sign requests', async () => {
    const h = await createHarness();
    const keys = newRsaKeyPair();
    const res = await h.http.post('/__admin/apps').send({ appId: 'my-app', contractId: 'my-contract', publicKey: keys.publicKeyPem });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ clientId: 'my-app_my-contract' });
    expect(h.authority.app('my-app_my-contract')).toBeDefined();
  });

  it('refuses a missing or unreadable key', async () => {
    const h = await createHarness();
    expect((await h.http.post('/__admin/apps').send({ appId: 'a', contractId: 'b' })).status).toBe(400);
    const junk = await h.http
      .post('/__admin/apps')
      .send({ appId: 'a', contractId: 'b', publicKey: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' });
    expect(junk.status).toBe(400);
    expect(junk.body.error.code).toBe('ValidationErrors');
  });
});

describe('admin access', () => {
  it('health answers 200 when ready', async () => {
    const h = await createHarness();
    expect((await h.http.get('/__admin/health')).body).toMatchObject({ status: 'ok' });
  });

  it('refuses non-loopback peers unless allowed', async () => {
    const h = await createHarness();
    const handle = createWireHandler(h.authority);
    const remote = { method: 'GET', url: new URL('http://10.0.0.5:8080/__admin/clock'), headers: {}, remoteAddress: '192.0.2.7' };
    expect((await handle(remote)).status).toBe(403);
    expect((await handle({ ...remote, remoteAddress: '::ffff:127.0.0.1' })).status).toBe(200);
    expect((await handle({ ...remote, url: new URL('http://x/v1.7/jwks/oauth') })).status).toBe(200);
    const open = await createHarness({ admin: { allowRemote: true } });
    expect((await createWireHandler(open.authority)(remote)).status).toBe(200);
  });
});

describe('/__admin/tokens', () => {
  it('expires one user\'s access tokens now, leaving refresh tokens alone', async () => {
    const { authorizeAndExchange, refresh } = await import('../support/harness.js');
    const h = await createHarness();
    const { payload } = await authorizeAndExchange(h);
    const other = await authorizeAndExchange(h, { user: 'alex' });
    const res = await h.http.post('/__admin/tokens/expire').send({ token: 'access', userId: 'demo' }).expect(200);
    expect(res.body).toEqual({ expired: 1, apps: 1 });
    const { signRequest } = await import('../support/request-jwt.js');
    const trigger = async (access: string) =>
      h.http.post('/v1.7/permission-access/trigger').set('Authorization', `Bearer ${await signRequest({ access_token: access })}`).send({});
    expect((await trigger(payload.access_token.value)).status).toBe(401);
    expect((await trigger(other.payload.access_token.value)).status).toBe(202);
    expect((await refresh(h, payload.refresh_token.value)).status).toBe(201);
  });

  it('revokes refresh tokens of an app contract', async () => {
    const { authorizeAndExchange, refresh } = await import('../support/harness.js');
    const h = await createHarness();
    const { payload } = await authorizeAndExchange(h);
    expect((await h.http.post('/__admin/tokens/revoke').send({ token: 'refresh', clientId: 'demo-app_demo-ongoing' })).body).toEqual({ revoked: 1, apps: 1 });
    expect((await refresh(h, payload.refresh_token.value)).status).toBe(401);
  });

  it('refuses an unknown selector field', async () => {
    const h = await createHarness();
    expect((await h.http.post('/__admin/tokens/expire').send({ who: 'everyone' })).status).toBe(400);
  });
});

describe('clock limits', () => {
  it('refuses a move outside the range of dates with 400, leaving the clock as it was', async () => {
    const h = await createHarness();
    await h.http.post('/__admin/clock').send({ advance: 60, freeze: true }).expect(200);
    const before = (await h.http.get('/__admin/clock')).body;
    for (const body of [{ advance: 1e300 }, { advance: -1e300 }, { set: '2030-01-01T00:00:00Z', advance: 1e13 }]) {
      const res = await h.http.post('/__admin/clock').send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('ValidationErrors');
    }
    const after = (await h.http.get('/__admin/clock')).body;
    expect({ now: after.now, frozen: after.frozen }).toEqual({ now: before.now, frozen: true });
  });
});
