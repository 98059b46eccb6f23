/** The typed admin client (`digime-mock/admin`) against a running mock, over HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminRequestError, createAdminClient } from '../../mock-server/admin-client/index.js';
import { SigningKey } from '../../mock-server/core/index.js';
import { startMockServer, type RunningMockServer } from '../../mock-server/index.js';
import { DEMO_CLIENT_ID, newRsaKeyPair, testServerKeyPem } from '../support/keys.js';

let mock: RunningMockServer;

beforeAll(async () => {
  mock = await startMockServer({ port: 0, logLevel: 'silent' }, { signingKey: await SigningKey.fromPem(testServerKeyPem()) });
});

afterAll(async () => {
  await mock?.close();
});

/** A fetch that goes to the server and remembers what was sent. */
function recordingFetch() {
  const sent: { url: string; method: string; headers: Headers; body: string | undefined }[] = [];
  const fetchAndRecord: typeof fetch = async (input, init) => {
    sent.push({ url: String(input), method: init?.method ?? 'GET', headers: new Headers(init?.headers), body: init?.body as string | undefined });
    return fetch(input, init);
  };
  return { sent, fetch: fetchAndRecord };
}

describe('createAdminClient', () => {
  it('reads health: ready, with the JWKS key id and nothing else', async () => {
    const admin = createAdminClient(mock.url);
    const jwks = (await (await fetch(`${mock.baseUrl}jwks/oauth`)).json()) as { keys: { kid: string }[] };
    expect(await admin.health()).toEqual({ status: 'ok', kid: jwks.keys[0]!.kid });
  });

  it('reads and moves the mock clock, the server answering with the new clock', async () => {
    const admin = createAdminClient(mock.url);
    const before = await admin.clock();
    expect(before).toMatchObject({ frozen: false });
    const frozen = await admin.changeClock({ set: '2030-01-02T03:04:05.000Z', freeze: true });
    expect(frozen).toMatchObject({ now: '2030-01-02T03:04:05.000Z', frozen: true });
    const advanced = await admin.changeClock({ advance: 86_401 });
    expect(advanced.now).toBe('2030-01-03T03:04:06.000Z');
    // Frozen, the mock's time stands still (its offset from real time does not).
    expect(await admin.clock()).toMatchObject({ now: advanced.now, nowMs: advanced.nowMs, frozen: true });
    expect(mock.authority.clock.state()).toMatchObject({ now: advanced.now, frozen: true });
    const reset = await admin.changeClock({ reset: true });
    expect(reset).toMatchObject({ frozen: false, offsetMs: 0 });
  });

  it('registers an app contract', async () => {
    const admin = createAdminClient(mock.url);
    const { publicKeyPem } = newRsaKeyPair();
    const registered = await admin.registerApp({ appId: 'client-app', contractId: 'c1', publicKey: publicKeyPem, name: 'Client app' });
    expect(registered).toEqual({ clientId: 'client-app_c1', appId: 'client-app', contractId: 'c1', name: 'Client app' });
    expect(mock.authority.app('client-app_c1')?.publicKeyPem).toBe(publicKeyPem);
  });

  it("expires and revokes a user's tokens, counting them", async () => {
    const admin = createAdminClient(mock.url);
    await mock.authority.issueTokens({ clientId: DEMO_CLIENT_ID, userId: 'alex' });
    expect(await admin.expireTokens({ token: 'access', userId: 'alex' })).toEqual({ expired: 1, apps: 1 });
    expect(await admin.revokeTokens({ token: 'refresh', clientId: DEMO_CLIENT_ID, userId: 'alex' })).toEqual({ revoked: 1, apps: 1 });
    expect(await admin.revokeTokens({ token: 'refresh', userId: 'nobody' })).toEqual({ revoked: 0, apps: 0 });
  });

  it('throws AdminRequestError with the status and digi.me error code of a refused call', async () => {
    const admin = createAdminClient(mock.url);
    const error = await admin.registerApp({ appId: 'bad app', contractId: 'c', publicKey: 'junk' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdminRequestError);
    const refused = error as AdminRequestError;
    expect(refused.status).toBe(400);
    expect(refused.code).toBe('ValidationErrors');
    expect(refused.message).toContain('POST /__admin/apps answered 400 ValidationErrors');
    expect(refused.message).toContain('publicKey');
    expect(refused.reference).toEqual(expect.any(String));
    await expect(admin.changeClock({})).rejects.toMatchObject({ status: 400, code: 'ValidationErrors' });
  });

  it('sends the admin token as a bearer token, and no Authorization header without one', async () => {
    const withToken = recordingFetch();
    await createAdminClient(mock.url, { token: 's3cret', fetch: withToken.fetch }).changeClock({ advance: 0 });
    expect(withToken.sent).toHaveLength(1);
    expect(withToken.sent[0]!.headers.get('authorization')).toBe('Bearer s3cret');
    expect(withToken.sent[0]!.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(withToken.sent[0]!.body!)).toEqual({ advance: 0 });

    const without = recordingFetch();
    await createAdminClient(mock.url, { fetch: without.fetch }).health();
    expect(without.sent[0]!.headers.has('authorization')).toBe(false);
  });

  it("takes any URL of the mock and uses its origin, so an SDK's baseUrl works too", async () => {
    const { sent, fetch } = recordingFetch();
    const admin = createAdminClient(mock.baseUrl, { fetch });
    expect(admin.origin).toBe(mock.url);
    await admin.health();
    expect(sent[0]!.url).toBe(`${mock.url}/__admin/health`);
  });

  it('reports an answer that is not digi.me JSON with its status and no code', async () => {
    const gateway: typeof fetch = async () => new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    const error = (await createAdminClient(mock.url, { fetch: gateway })
      .clock()
      .catch((e: unknown) => e)) as AdminRequestError;
    expect(error).toBeInstanceOf(AdminRequestError);
    expect(error).toMatchObject({ status: 502, code: undefined, request: 'GET /__admin/clock' });
    expect(error.message).toContain('Bad Gateway');
  });
});
