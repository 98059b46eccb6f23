/**
 * Every admin call as a method of the in-process mock (`createDigimeMock()`), its effects seen
 * through the msw handlers: what an app's tests do without any HTTP server.
 */
import { setupServer } from 'msw/node';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDigimeMock } from '../../mock-server/msw/index.js';
import { newRsaKeyPair } from '../support/keys.js';
import { signRequest } from '../support/request-jwt.js';

const mock = await createDigimeMock();
const server = setupServer(...mock.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());
beforeEach(() => mock.reset());

const API = 'https://api.digi.me/v1.7/';
const trigger = async (access: string) =>
  fetch(`${API}permission-access/trigger`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await signRequest({ access_token: access })}`, 'content-type': 'application/json' },
    body: '{}',
  });
const jwks = async () => (await (await fetch(`${API}jwks/oauth`)).json()) as { keys: { kid: string }[] };

describe('createDigimeMock(): the control plane as methods', () => {
  it('health, clock, apps, and counted expiry and revocation', async () => {
    expect(mock.health()).toEqual({ status: 'ok', kid: (await jwks()).keys[0]!.kid });
    expect(mock.changeClock({ freeze: true })).toMatchObject({ frozen: true });
    expect(mock.changeClock({ set: '2031-01-01T00:00:00Z' })).toMatchObject({ now: '2031-01-01T00:00:00.000Z', frozen: true });
    expect(mock.registerApp({ appId: 'inproc', contractId: 'c', publicKey: newRsaKeyPair().publicKeyPem })).toMatchObject({ clientId: 'inproc_c' });
    await mock.authority.issueTokens({ clientId: 'demo-app_demo-ongoing' });
    expect(mock.expireTokensCounted({ token: 'access' })).toEqual({ expired: 1, apps: 1 });
    expect(mock.revokeTokensCounted()).toEqual({ revoked: 2, apps: 1 });
    mock.reset();
    expect(mock.authority.app('inproc_c')).toBeUndefined();
    expect(mock.clock.state()).toMatchObject({ frozen: false, offsetMs: 0 });
  });

  it('state() and restoreState(): tokens from before the snapshot work again, later ones do not', async () => {
    const before = await mock.authority.issueTokens({ clientId: 'demo-app_demo-ongoing' });
    const snapshot = mock.state();
    expect(JSON.stringify(snapshot)).not.toContain(before.access.value);
    const after = await mock.authority.issueTokens({ clientId: 'demo-app_demo-ongoing', userId: 'alex' });
    mock.reset();
    expect((await trigger(before.access.value)).status).toBe(401);
    mock.restoreState(JSON.parse(JSON.stringify(snapshot)));
    expect((await trigger(before.access.value)).status).toBe(202);
    expect((await trigger(after.access.value)).status).toBe(401);
    expect(() => mock.restoreState({ ...snapshot, version: 99 })).toThrow(/version/);
  });

  it('faults over msw: an error answer, and a dropped connection as a network error', async () => {
    const { id } = mock.addFault({ match: { path: 'jwks/oauth' }, respond: { status: 503 }, times: 1 });
    expect((await fetch(`${API}jwks/oauth`)).status).toBe(503);
    expect((await fetch(`${API}jwks/oauth`)).status).toBe(200);
    expect(mock.faults()).toEqual([expect.objectContaining({ id, remaining: 0, hits: 1 })]);
    expect(mock.removeFault(id)).toBe(true);
    expect(mock.removeFault(id)).toBe(false);
    mock.addFault({ match: { path: 'jwks/oauth' }, drop: true });
    await expect(fetch(`${API}jwks/oauth`)).rejects.toThrow(TypeError);
    mock.clearFaults();
    expect(mock.faults()).toEqual([]);
    expect(() => mock.addFault({ match: {} })).toThrow(/give respond, delayMs or drop/);
  });

  it('requests() and clearRequests(): the journal of what went through the handlers', async () => {
    await fetch(`${API}jwks/oauth`);
    await fetch('https://api.digi.me/__admin/clock');
    expect(mock.requests().map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /v1.7/jwks/oauth 200']);
    expect(mock.requests({ path: 'oauth/*' })).toEqual([]);
    mock.clearRequests();
    expect(mock.requests()).toEqual([]);
  });

  it('rotateKeys() and keys(): the JWKS serves both keys; new tokens carry the new kid', async () => {
    const old = await mock.authority.issueTokens({ clientId: 'demo-app_demo-ongoing' });
    const { kid, previous } = await mock.rotateKeys();
    expect(mock.keys()).toEqual([{ kid, status: 'current' }, { kid: previous, status: 'previous' }]);
    const set = await jwks();
    expect(set.keys.map((k) => k.kid)).toEqual([kid, previous]);
    await expect(jwtVerify(old.token, createLocalJWKSet(set as never))).resolves.toBeDefined();
    const fresh = await mock.authority.issueTokens({ clientId: 'demo-app_demo-ongoing' });
    expect(decodeProtectedHeader(fresh.token).kid).toBe(kid);
  });

  it('createUser(), setUserScenario() and removeUser()', async () => {
    const user = mock.createUser({ id: 'inproc-user', template: 'alex', scenario: { partialAccounts: [] } });
    expect(user.accounts.map((a) => a.reference)).toEqual(['acc-inproc-user-spotify-0001', 'acc-inproc-user-instagram-0001']);
    expect(mock.authority.user('inproc-user')?.scenarios).toEqual({ partialAccounts: [] });
    expect(mock.setUserScenario('inproc-user', { reauthAccounts: ['acc-alex-spotify-0001'] })).toEqual({
      partialAccounts: [],
      reauthAccounts: ['acc-inproc-user-spotify-0001'],
    });
    const { access } = await mock.authority.issueTokens({ clientId: 'demo-app_demo-ongoing', userId: 'inproc-user' });
    mock.removeUser('inproc-user');
    expect((await trigger(access.value)).status).toBe(401);
    expect(() => mock.removeUser('inproc-user')).toThrow(/not found/);
  });

  it('pactState() and openapi()', async () => {
    const values = await mock.pactState({ state: 'the user has a valid access token', action: 'setup' });
    expect((await trigger(values.accessToken!)).status).toBe(202);
    expect(await mock.pactState({ state: 'the user has a valid access token', action: 'teardown' })).toEqual({});
    expect(mock.openapi()).toMatchObject({ openapi: '3.1.0', paths: expect.objectContaining({ '/__admin/state': expect.any(Object) }) });
  });

  it('the same calls over the handlers, on /__admin of the API origin', async () => {
    const res = await fetch('https://api.digi.me/__admin/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id":"via-http"}' });
    expect(res.status).toBe(201);
    expect(mock.authority.user('via-http')).toBeDefined();
    expect((await fetch('https://api.digi.me/__admin/reset', { method: 'POST' })).status).toBe(200);
    expect(mock.authority.user('via-http')).toBeUndefined();
  });
});
