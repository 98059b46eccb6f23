/**
 * Bad input never breaks the server: random methods, paths, headers, bodies and request-JWT claims
 * on every route answer a 2xx–4xx in digi.me's error shape, never a 5xx or a stack trace.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWireHandler, type WireHandler } from '../../mock-server/wire/handler.js';
import { authorizeAndExchange, createHarness, type Harness } from '../support/harness.js';
import { signRequest } from '../support/request-jwt.js';

let h: Harness;
let handle: WireHandler;
let access: string;
let refreshToken: string;
let sessionKey: string;

beforeAll(async () => {
  h = await createHarness();
  handle = createWireHandler(h.authority);
  const t = await authorizeAndExchange(h);
  access = t.payload.access_token.value;
  refreshToken = t.payload.refresh_token.value;
  sessionKey = t.session.key;
});

const PATHS = [
  '/v1.7/jwks/oauth', '/v1.7/oauth/authorize', '/v1.7/oauth/token', '/v1.7/oauth/token/reference',
  '/v1.7/permission-access/trigger', '/v1.7/permission-access/accounts', '/v1.7/user',
  '/v1.7/permission-access/query/SESSION', '/v1.7/permission-access/query/SESSION/18_5_19_1_406_D202501_1.json',
  '/apps/saas/authorize', '/apps/saas/user-reauth', '/apps/saas/onboard',
  '/__admin/clock', '/__admin/apps', '/__admin/tokens/expire', '/__admin/health',
];

const junk = fc.oneof(
  fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), fc.string(), { maxKeys: 3 }),
);
const claimNames = ['code', 'code_verifier', 'grant_type', 'refresh_token', 'access_token', 'code_challenge', 'code_challenge_method', 'redirect_uri', 'state', 'response_type', 'timestamp', 'nonce'];
const claims = fc.dictionary(fc.constantFrom(...claimNames), fc.oneof(junk, fc.constantFrom('authorization_code', 'refresh_token', 'S256', 'http://x/cb')), { maxKeys: 6 });

async function expectWellFormed(res: Awaited<ReturnType<WireHandler>>) {
  expect(res.status).toBeGreaterThanOrEqual(200);
  expect(res.status).toBeLessThan(500);
  if (res.status >= 400 && res.headers['content-type']?.includes('json')) {
    const body = res.body as { error: { code: string; message: string; reference: string } };
    expect(typeof body.error.code).toBe('string');
    expect(typeof body.error.message).toBe('string');
    expect(typeof body.error.reference).toBe('string');
    expect(JSON.stringify(body)).not.toMatch(/\.ts:\d+|\.js:\d+|node:internal/);
  }
}

const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -1, 1e300, -1e300, Number.MAX_SAFE_INTEGER));
const timeRange = fc.oneof(
  fc.record({ from: number, to: number }, { requiredKeys: [] }),
  fc.record({ last: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('1d', '6m', '99999y', '0d')) }),
);
const serviceGroup = fc.record(
  { id: number, serviceTypes: fc.array(fc.record({ id: number, serviceObjectTypes: fc.array(fc.record({ id: number }), { maxLength: 2 }) }, { requiredKeys: ['id'] }), { maxLength: 2 }) },
  { requiredKeys: ['id'] },
);
const scope = fc.record({ timeRanges: fc.array(timeRange, { maxLength: 3 }), serviceGroups: fc.array(serviceGroup, { maxLength: 3 }) }, { requiredKeys: [] });

describe('robustness', () => {
  it('the admin clock takes any numbers and dates without breaking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ advance: number, set: fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())), freeze: fc.boolean() }, { requiredKeys: [] }),
        async (change) => {
          await expectWellFormed(await handle({ method: 'POST', url: new URL('http://127.0.0.1/__admin/clock'), headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(change)) }));
          await expectWellFormed(await handle({ method: 'GET', url: new URL('http://127.0.0.1/__admin/clock'), headers: {} }));
        },
      ),
      { numRuns: 200 },
    );
    h.authority.clock.reset();
  });

  it('any scope at authorize, then its consent page, and at trigger', async () => {
    await fc.assert(
      fc.asyncProperty(scope, async (s) => {
        const authorize = await handle({
          method: 'POST',
          url: new URL('http://127.0.0.1/v1.7/oauth/authorize'),
          headers: { authorization: `Bearer ${await signRequest({ code_challenge: 'x'.repeat(43), redirect_uri: 'http://x/cb' })}` },
          body: Buffer.from(JSON.stringify({ actions: { pull: { scope: s } } })),
        });
        await expectWellFormed(authorize);
        if (authorize.status === 201) {
          const token = (authorize.body as { token: string }).token;
          const code = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).preauthorization_code;
          await expectWellFormed(await handle({ method: 'GET', url: new URL(`http://127.0.0.1/apps/saas/authorize?code=${code}`), headers: {} }));
        }
        await expectWellFormed(
          await handle({
            method: 'POST',
            url: new URL('http://127.0.0.1/v1.7/permission-access/trigger'),
            headers: { authorization: `Bearer ${await signRequest({ access_token: access })}` },
            body: Buffer.from(JSON.stringify({ scope: s })),
          }),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('random requests without credentials', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'DELETE', 'HEAD', 'PUT', 'PATCH'),
        fc.constantFrom(...PATHS),
        fc.string({ maxLength: 40 }),
        fc.option(fc.uint8Array({ maxLength: 200 })),
        fc.option(fc.string({ maxLength: 100 })),
        async (method, path, query, body, authorization) => {
          const url = new URL(`http://127.0.0.1${path.replace('SESSION', sessionKey)}`);
          url.search = query;
          await expectWellFormed(await handle({ method, url, headers: { authorization: authorization ?? undefined }, body: body ?? undefined, remoteAddress: '127.0.0.1' }));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('validly signed request JWTs with random claims and bodies on every API route', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PATHS.filter((p) => p.startsWith('/v1.7'))),
        claims,
        fc.boolean(),
        fc.option(fc.oneof(fc.json(), fc.string({ maxLength: 50 }))),
        async (path, extra, withAccess, body) => {
          const claimSet: Record<string, unknown> = { ...extra };
          delete claimSet.timestamp;
          delete claimSet.nonce;
          // Deleting the user would end every later run's token: that route gets random claims only.
          if (withAccess && !path.endsWith('/user')) claimSet.access_token = access;
          if (claimSet.grant_type === 'refresh_token' && withAccess) claimSet.refresh_token = refreshToken;
          const jwt = await signRequest(claimSet);
          const method = path.includes('query') || path.endsWith('accounts') || path.endsWith('jwks/oauth') ? 'GET' : path.endsWith('/user') ? 'DELETE' : 'POST';
          const res = await handle({
            method,
            url: new URL(`http://127.0.0.1${path.replace('SESSION', sessionKey)}`),
            headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
            body: body == null ? undefined : Buffer.from(body),
          });
          await expectWellFormed(res);
        },
      ),
      { numRuns: 150 },
    );
  });
});
