/** The provider kit on its own: re-signing, the filter's pass-throughs, states through the core, the pact source. */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type VerifiedRequest } from '../../mock-server/core/index.js';
import {
  createResignRequestFilter,
  DIGIME_STATES,
  JwsPayloadCheck,
  pactSourceFromEnv,
  ProviderStateContext,
  requestNonce,
  resignRequestJwt,
  type FilterableRequest,
  type FilterableResponse,
} from '../../mock-server/pact/index.js';
import { DEMO_APP, startProvider, type Provider } from './support/provider.js';

const CLIENT_ID = 'demo-app_demo-ongoing';
const appKey = createPrivateKey(DEMO_APP.privateKey);

const recordedJwt = (claims: Record<string, unknown>) =>
  new SignJWT({ ...claims, client_id: CLIENT_ID, nonce: 'RecordedNonce0000000000000000000', timestamp: 1_700_000_000_000 })
    .setProtectedHeader({ alg: 'PS512', typ: 'JWT' })
    .sign(appKey);

describe('resignRequestJwt', () => {
  it("keeps the recorded claims, swaps in the state's values for those it has, and signs anew", async () => {
    const recorded = await recordedJwt({ grant_type: 'refresh_token', refresh_token: 'recorded-refresh' });
    const jwt = await resignRequestJwt(recorded, {
      privateKey: appKey,
      clientId: CLIENT_ID,
      claims: { refresh_token: 'state-refresh', access_token: 'state-access' },
      now: () => 1_800_000_000_000,
    });
    const { payload, protectedHeader } = await compactVerify(jwt, createPublicKey(appKey));
    expect(protectedHeader).toEqual({ alg: 'PS512', typ: 'JWT' });
    const claims = JSON.parse(Buffer.from(payload).toString());
    expect(claims).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'state-refresh', // swapped
      client_id: CLIENT_ID,
      nonce: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      timestamp: 1_800_000_000_000,
    }); // and no access_token: the recorded call had none
    expect(claims.nonce).not.toBe('RecordedNonce0000000000000000000');
  });

  it('makes a new nonce every time', () => {
    expect(new Set(Array.from({ length: 50 }, requestNonce)).size).toBe(50);
  });
});

describe('createResignRequestFilter', () => {
  const run = (filter: ReturnType<typeof createResignRequestFilter>, req: FilterableRequest) =>
    new Promise<{ req: FilterableRequest; res: { statusCode: number; body?: string; nextCalled: boolean } }>((resolve) => {
      const out = { statusCode: 200, body: undefined as string | undefined, nextCalled: false };
      const res: FilterableResponse = {
        get statusCode() {
          return out.statusCode;
        },
        set statusCode(v) {
          out.statusCode = v;
        },
        setHeader: () => undefined,
        write: () => true,
        end: (body: unknown) => {
          out.body = String(body);
          resolve({ req, res: out });
        },
      };
      filter(req, res, () => {
        out.nextCalled = true;
        resolve({ req, res: out });
      });
    });

  it('re-signs a bearer JWT with the context claims and leaves other requests alone', async () => {
    const context = new ProviderStateContext();
    context.record({ claims: { access_token: 'state-access' } });
    const filter = createResignRequestFilter({ privateKey: DEMO_APP.privateKey, clientId: CLIENT_ID, context });

    const recorded = await recordedJwt({ access_token: 'recorded-access' });
    const { req } = await run(filter, { path: '/v1.7/permission-access/accounts', headers: { authorization: `Bearer ${recorded}` } });
    expect(decodeJwt(req.headers.authorization!.slice(7)).access_token).toBe('state-access');

    const jwks = await run(filter, { path: '/v1.7/jwks/oauth', headers: {} });
    expect(jwks.res.nextCalled).toBe(true);
    const setup = await run(filter, { path: '/_pactSetup', headers: { authorization: `Bearer ${recorded}` } });
    expect(setup.req.headers.authorization).toBe(`Bearer ${recorded}`);
  });

  it('answers 500 ProviderStateFailed itself when a state of the interaction failed', async () => {
    const context = new ProviderStateContext();
    context.recordFailure('Provider state "x": broken');
    const filter = createResignRequestFilter({ privateKey: DEMO_APP.privateKey, clientId: CLIENT_ID, context });
    const { res } = await run(filter, { path: '/v1.7/user', headers: { authorization: `Bearer ${await recordedJwt({})}` } });
    expect(res.nextCalled).toBe(false);
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body!)).toEqual({ error: { code: 'ProviderStateFailed', message: 'Provider state "x": broken' } });
  });
});

describe('the state handlers, through the core', () => {
  let provider: Provider;
  beforeAll(async () => {
    provider = await startProvider();
  });
  afterAll(() => provider?.close());

  const handler = (name: string) => provider.kit.stateHandlers[name] as unknown as {
    setup: (params?: unknown) => Promise<Record<string, string>>;
    teardown: (params?: unknown) => Promise<unknown>;
  };
  const asApp = (claims: Record<string, unknown>): VerifiedRequest => provider.server.authority.trustedRequest(CLIENT_ID, claims);

  it('"the access token has expired": the access token is refused, the refresh token still works, and tear-down restores the clock', async () => {
    const { authority } = provider.server;
    const before = authority.clock.state().offsetMs;
    const values = await handler(DIGIME_STATES.accessTokenExpired).setup({ secondsPastExpiry: 30 });

    expect(provider.kit.context.claims).toEqual({ access_token: values.accessToken, refresh_token: values.refreshToken });
    expect(() => authority.requireAccessToken(asApp({ access_token: values.accessToken }))).toThrow(ApiError);
    await expect(authority.token(asApp({ grant_type: 'refresh_token', refresh_token: values.refreshToken }), 'http://x/jwks')).resolves.toHaveProperty('token');

    await handler(DIGIME_STATES.accessTokenExpired).teardown();
    expect(provider.kit.context.claims).toEqual({});
    expect(Math.abs(authority.clock.state().offsetMs - before)).toBeLessThan(1000);
  });

  it('"a data session has completed": a session key and the name of a file it lists', async () => {
    const values = await handler(DIGIME_STATES.sessionCompleted).setup({ fileNameContains: '_406_' });
    const list = provider.server.authority.readFileList(asApp({ access_token: values.accessToken }), values.sessionKey);
    expect(list.status.state).toBe('completed');
    expect(values.fileName).toContain('_406_');
    expect(list.fileList.map((f) => f.name)).toContain(values.fileName);
    await handler(DIGIME_STATES.sessionCompleted).teardown();
  });

  it('refuses params that name another app contract', async () => {
    await expect(handler(DIGIME_STATES.appRegistered('demo-ongoing')).setup({ contractId: 'other' })).rejects.toThrow(/contractId "other"/);
    expect(provider.kit.context.failures).toHaveLength(1);
    await handler(DIGIME_STATES.appRegistered('demo-ongoing')).teardown();
    expect(provider.kit.context.failures).toHaveLength(0);
  });
});

describe('pactSourceFromEnv', () => {
  it('names PACT_CONSUMER_VERSION_SELECTORS when it is not a JSON array', () => {
    for (const bad of ['{mainBranch', '{"mainBranch":true}']) {
      expect(() => pactSourceFromEnv([], { PACT_BROKER_BASE_URL: 'https://b', PACT_CONSUMER_VERSION_SELECTORS: bad })).toThrow(/PACT_CONSUMER_VERSION_SELECTORS/);
    }
  });

  it('is the local pact files without PACT_BROKER_BASE_URL', () => {
    expect(pactSourceFromEnv(['a.json'], {})).toEqual({ pactUrls: ['a.json'] });
  });

  it('is the broker, with selectors and publishing, when PACT_BROKER_BASE_URL is set', () => {
    expect(
      pactSourceFromEnv(['a.json'], {
        PACT_BROKER_BASE_URL: 'https://broker.example',
        PACT_BROKER_TOKEN: 't',
        PACT_PROVIDER_VERSION: 'abc123',
        PACT_PROVIDER_BRANCH: 'main',
        PACT_BROKER_PUBLISH_VERIFICATION_RESULTS: 'true',
      }),
    ).toEqual({
      pactBrokerUrl: 'https://broker.example',
      pactBrokerToken: 't',
      consumerVersionSelectors: [{ mainBranch: true }, { deployedOrReleased: true }, { matchingBranch: true }],
      enablePending: false,
      publishVerificationResult: true,
      providerVersion: 'abc123',
      providerVersionBranch: 'main',
    });
    expect(() => pactSourceFromEnv([], { PACT_BROKER_BASE_URL: 'https://b', PACT_BROKER_PUBLISH_VERIFICATION_RESULTS: 'true' })).toThrow(
      /PACT_PROVIDER_VERSION/,
    );
  });
});

describe('JwsPayloadCheck', () => {
  const token = (payload: object) =>
    `${Buffer.from('{"alg":"PS512"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;
  const write = (pact: object) => {
    const file = join(mkdtempSync(join(tmpdir(), 'pact-')), 'p.json');
    writeFileSync(file, JSON.stringify(pact));
    return file;
  };
  const observe = (check: JwsPayloadCheck, payload: object) =>
    check.observe({ method: 'POST', path: '/v1.7/oauth/token', status: 201, body: Buffer.from(JSON.stringify({ token: token(payload) })) });

  it('reads example tokens from V3 bodies and V4 body contents, and skips message interactions', () => {
    const v3 = write({ interactions: [{ description: 'v3', request: { method: 'POST', path: '/v1.7/oauth/token' }, response: { status: 201, body: { token: token({ sub: 'x', consentid: 'c' }) } } }] });
    const v4 = write({
      interactions: [
        { description: 'message', type: 'Asynchronous/Messages', contents: {} },
        { description: 'v4', request: { method: 'POST', path: '/v1.7/oauth/token' }, response: { status: 201, body: { content: { token: token({ sub: 'x', consentid: 'c' }) } } } },
      ],
    });
    for (const file of [v3, v4]) {
      const check = new JwsPayloadCheck([file]);
      observe(check, { sub: 'demo', consentid: 'k' });
      observe(check, { sub: 'demo' });
      expect(check.checked).toBe(2);
      expect(check.mismatches).toHaveLength(1);
      expect(check.mismatches[0]).toContain('consentid');
    }
  });
});
