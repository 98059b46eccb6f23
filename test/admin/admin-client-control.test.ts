/** The typed admin client (`digime-mock/admin`) for the scenario control plane, against a running mock. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AdminRequestError, createAdminClient, type AdminClient } from '../../mock-server/admin-client/index.js';
import { SigningKey } from '../../mock-server/core/index.js';
import { startMockServer, type RunningMockServer } from '../../mock-server/index.js';
import { DEMO_CLIENT_ID, testServerKeyPem } from '../support/keys.js';
import { signRequest } from '../support/request-jwt.js';

const TOKEN = 'client-test-admin-token';
let mock: RunningMockServer;
let admin: AdminClient;

beforeAll(async () => {
  mock = await startMockServer({ port: 0, logLevel: 'silent', admin: { token: TOKEN } }, { signingKey: await SigningKey.fromPem(testServerKeyPem()) });
  admin = createAdminClient(mock.url, { token: TOKEN });
});
afterAll(() => mock?.close());
beforeEach(() => admin.reset());

const trigger = async (access: string) =>
  fetch(`${mock.baseUrl}permission-access/trigger`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await signRequest({ access_token: access })}`, 'content-type': 'application/json' },
    body: '{}',
  });

describe('createAdminClient: the control plane', () => {
  it('sends the admin token; without it the mock refuses with 401 Unauthorized', async () => {
    const failure = await createAdminClient(mock.url).clock().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AdminRequestError);
    expect(failure).toMatchObject({ status: 401, code: 'Unauthorized' });
    expect(await createAdminClient(mock.url).health()).toEqual({ status: 'ok', kid: mock.authority.overview().kid });
  });

  it('reset, state and restoreState', async () => {
    const { access } = await mock.authority.issueTokens({ clientId: DEMO_CLIENT_ID });
    const snapshot = await admin.state();
    expect(snapshot).toMatchObject({ format: 'digime-mock-state', version: 1 });
    expect(await admin.reset()).toMatchObject({ reset: true, clock: { offsetMs: 0 } });
    expect((await trigger(access.value)).status).toBe(401);
    expect(await admin.restoreState(snapshot)).toMatchObject({ restored: true });
    expect((await trigger(access.value)).status).toBe(202);
    await expect(admin.restoreState({ ...snapshot, version: 7 as 1 })).rejects.toMatchObject({ status: 400, code: 'ValidationErrors' });
  });

  it('faults, requests, keys', async () => {
    const { id } = await admin.addFault({ match: { path: 'jwks/oauth' }, respond: { status: 503 }, times: 1 });
    expect((await fetch(`${mock.baseUrl}jwks/oauth`)).status).toBe(503);
    expect((await admin.faults()).faults).toEqual([expect.objectContaining({ id, hits: 1, remaining: 0 })]);
    expect((await admin.requests({ limit: 1, status: 503 })).requests).toEqual([expect.objectContaining({ path: '/v1.7/jwks/oauth', fault: { id, respond: 503 } })]);
    await admin.removeFault(id);
    await admin.addFault({ match: {}, delayMs: 0 });
    await admin.clearFaults();
    expect((await admin.faults()).faults).toEqual([]);
    await admin.clearRequests();
    expect((await admin.requests()).requests).toEqual([]);
    await expect(admin.removeFault('nope')).rejects.toMatchObject({ status: 404 });

    const rotation = await admin.rotateKeys();
    expect((await admin.keys()).keys).toEqual([{ kid: rotation.kid, status: 'current' }, { kid: rotation.previous, status: 'previous' }]);
    const retired = await admin.rotateKeys({ retirePrevious: true });
    expect((await admin.keys()).keys).toEqual([{ kid: retired.kid, status: 'current' }]);
  });

  it('users and scenarios, Pact states, the OpenAPI document', async () => {
    const user = await admin.createUser({ id: 'client-user', template: 'alex' });
    expect(user.accounts).toHaveLength(2);
    expect(await admin.setUserScenario('client-user', { partialAccounts: [] })).toEqual({ id: 'client-user', scenario: { partialAccounts: [] } });
    await admin.removeUser('client-user');
    await expect(admin.removeUser('client-user')).rejects.toMatchObject({ status: 404, code: 'NotFound' });

    const values = await admin.pactState({ state: 'the user has a valid access token', params: { userId: 'demo' }, action: 'setup' });
    expect((await trigger(values.accessToken!)).status).toBe(202);
    expect(await admin.pactState({ state: 'the user has a valid access token', action: 'teardown' })).toEqual({});
    expect(await admin.openapi()).toMatchObject({ openapi: '3.1.0' });
  });
});
