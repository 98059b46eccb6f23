/**
 * Bad input never breaks the server: random methods, paths, headers, bodies and request-JWT claims
 * on every route answer a 2xx–4xx in digi.me's error shape, never a 5xx or a stack trace.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWireHandler, type WireHandler } from '../../mock-server/wire/handler.js';
import { authorizeAndExchange, createHarness, type Harness } from '../support/harness.js';
import { DESCRIPTOR, type DescriptorMetadata, signCloudToken, signFileDescriptor } from '../support/push-storage.js';
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
  '/v1.7/permission-access/import', '/v1.7/permission-access/import/h:accountId/fhir/stu3', '/v1.7/storage',
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
    // Its own mock: a random bodiless POST /__admin/tokens/expire expires every token, and the
    // properties after this one use the shared tokens.
    const own = createWireHandler((await createHarness()).authority);
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
          await expectWellFormed(await own({ method, url, headers: { authorization: authorization ?? undefined }, body: body ?? undefined, remoteAddress: '127.0.0.1' }));
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

describe('robustness of managing accounts (docs/protocol.md §9.2, §9.3)', () => {
  const API = 'http://127.0.0.1/v1.7';
  const ACCOUNT_IDS = ['5_19_demo-spotify', '1_4_demo-instagram', '3_138_demo-bank', '5_19_alex-spotify'];
  const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(...ACCOUNT_IDS, 'http://x/cb', 'myapp://cb?a=1', '%', '../', ''));
  /** Mostly good values, so that the properties see successes as well as refusals. */
  const mostly = <T,>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) => fc.option(fc.oneof({ arbitrary: good, weight: 3 }, { arbitrary: bad, weight: 1 }), { freq: 8 });
  const noSecrets = (res: Awaited<ReturnType<WireHandler>>) => {
    if (res.status >= 400 && res.body && typeof res.body === 'object') {
      expect(Object.keys(res.body)).toEqual(['error']);
    }
  };

  it('delete, the revoke URL and reference answer well-formed, and succeed only for good input', async () => {
    const own = await createHarness();
    const ownHandle = createWireHandler(own.authority);
    const token = (await authorizeAndExchange(own)).payload.access_token.value;
    const listed = async () => {
      const res = await ownHandle({ method: 'GET', url: new URL(`${API}/permission-access/accounts`), headers: { authorization: `Bearer ${await signRequest({ access_token: token })}` } });
      return (res.body as { id: string }[]).map((a) => a.id);
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('DELETE service', 'GET revoke', 'POST reference'),
        mostly(fc.constantFrom(...ACCOUNT_IDS), text),
        mostly(fc.constantFrom('http://x/cb', 'myapp://cb?a=1'), text),
        fc.boolean(),
        fc.option(
          fc.oneof(
            fc.json(),
            fc
              .record({ type: mostly(fc.constantFrom('accountId', 'cloudId'), fc.oneof(fc.constantFrom('email', '__proto__'), fc.string())), value: fc.oneof(text, fc.integer()) }, { requiredKeys: [] })
              .map((b) => JSON.stringify(b)),
          ),
        ),
        async (call, rawAccountId, redirectUri, withAccess, body) => {
          // Deletion takes only the bank (and alex's account, never listed), so that revokes keep finding accounts.
          const accountId = call.startsWith('DELETE') && rawAccountId !== null && rawAccountId !== '3_138_demo-bank' && ACCOUNT_IDS.includes(rawAccountId) ? '5_19_alex-spotify' : rawAccountId;
          const before = await listed();
          const [method, route] = call.split(' ') as [string, string];
          const path = route === 'service' ? '/permission-access/service/h:accountId' : route === 'revoke' ? '/permission-access/revoke/h:accountId' : '/reference';
          const headers: Record<string, string | undefined> = {
            authorization: `Bearer ${await signRequest(withAccess ? { access_token: token } : {})}`,
            'content-type': 'application/json',
            accountid: accountId ?? undefined,
            redirecturi: redirectUri ?? undefined,
          };
          const res = await ownHandle({ method, url: new URL(`${API}${path}`), headers, body: body == null ? undefined : Buffer.from(body) });
          await expectWellFormed(res);
          noSecrets(res);
          if (route === 'service' && res.status < 300) {
            expect(res.status).toBe(204);
            expect(withAccess && before.includes(accountId!)).toBe(true);
            expect(await listed()).not.toContain(accountId);
          }
          if (route === 'revoke' && res.status < 300) {
            expect(withAccess && before.includes(accountId!) && URL.canParse(redirectUri!)).toBe(true);
            expect(new URL((res.body as { location: string }).location).pathname).toBe('/apps/saas/revoke');
          }
          if (route === 'reference' && res.status < 300) {
            const { type, value } = JSON.parse(body!) as { type: unknown; value: unknown };
            expect(['accountId', 'cloudId']).toContain(type);
            expect(typeof value === 'string' && value.length > 0).toBe(true);
            expect(Object.keys(res.body as object)).toEqual(['id']);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the revoke and reauthorize pages take any code, accountRef, decision and form without breaking, and decide only with a good link', async () => {
    const own = await createHarness();
    const ownHandle = createWireHandler(own.authority);
    const token = (await authorizeAndExchange(own)).payload.access_token.value;
    const good = { revoke: new Set<string>(), reference: new Set<string>(), accountRef: new Set<string>() };
    for (let i = 0; i < 20; i++) {
      const revoke = await ownHandle({
        method: 'GET',
        url: new URL(`${API}/permission-access/revoke/h:accountId`),
        headers: { authorization: `Bearer ${await signRequest({ access_token: token })}`, accountid: ACCOUNT_IDS[i % 3], redirecturi: 'http://x/cb' },
      });
      good.revoke.add(new URL((revoke.body as { location: string }).location).searchParams.get('code')!);
      const reference = await ownHandle({
        method: 'POST',
        url: new URL(`${API}/oauth/token/reference`),
        headers: { authorization: `Bearer ${await signRequest({ access_token: token, redirect_uri: 'http://x/cb' })}` },
      });
      good.reference.add(JSON.parse(Buffer.from((reference.body as { token: string }).token.split('.')[1]!, 'base64url').toString()).reference_code);
      const ref = await ownHandle({
        method: 'POST',
        url: new URL(`${API}/reference`),
        headers: { authorization: `Bearer ${await signRequest()}` },
        body: Buffer.from(JSON.stringify({ type: 'accountId', value: ACCOUNT_IDS[i % 4] })),
      });
      good.accountRef.add((ref.body as { id: string }).id);
    }
    const pick = (set: Set<string>) => fc.constantFrom(...set);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('revoke', 'reauthorize'),
        fc.constantFrom('GET', 'POST'),
        mostly(fc.oneof(pick(good.revoke), pick(good.reference)), fc.string({ maxLength: 40 })),
        mostly(pick(good.accountRef), fc.string({ maxLength: 40 })),
        mostly(fc.constantFrom('accept', 'deny'), fc.string({ maxLength: 8 })),
        async (page, method, code, accountRef, decision) => {
          const params = new URLSearchParams();
          if (code != null) params.set('code', code);
          if (accountRef != null) params.set(page === 'reauthorize' ? 'accountRef' : 'user', accountRef);
          if (decision != null) params.set(method === 'GET' ? 'autoConsent' : 'decision', decision);
          const url = new URL(`http://127.0.0.1/apps/saas/${page}`);
          if (method === 'GET') url.search = params.toString();
          const res = await ownHandle({
            method,
            url,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: method === 'POST' ? Buffer.from(params.toString()) : undefined,
          });
          await expectWellFormed(res);
          expect([200, 302, 303, 400]).toContain(res.status);
          if (res.status === 200 || res.status === 400) expect(res.headers['content-type']).toMatch(/^text\/html/);
          if (res.status === 302 || res.status === 303) {
            const goodCode = page === 'revoke' ? good.revoke.has(code!) : good.reference.has(code!) && good.accountRef.has(accountRef!);
            expect(goodCode).toBe(true);
            expect(['accept', 'deny']).toContain(decision);
            expect(res.headers.location).toMatch(/^http:\/\/x\/cb\?(result|success)=/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('robustness of push and storage (docs/protocol.md §9.5, §9.6)', () => {
  const API = 'http://127.0.0.1/v1.7';
  /** Mostly good values, so that the properties see successes as well as refusals. */
  const mostly = <A, B>(good: fc.Arbitrary<A>, bad: fc.Arbitrary<B>): fc.Arbitrary<A | B> =>
    fc.oneof({ arbitrary: good as fc.Arbitrary<A | B>, weight: 3 }, { arbitrary: bad as fc.Arbitrary<A | B>, weight: 1 });
  const strings = fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 });
  const metadata = fc.record(
    {
      mimeType: mostly(fc.constantFrom('text/plain', 'image/png'), junk),
      accounts: mostly(fc.array(fc.record({ accountId: fc.string({ minLength: 1, maxLength: 10 }) }), { minLength: 1, maxLength: 2 }), junk),
      reference: mostly(strings, junk),
      tags: mostly(strings, junk),
    },
    { requiredKeys: [] },
  );

  it('push to the library and to a provider, and storage: well-formed answers, success only for good input', async () => {
    const own = await createHarness();
    const ownHandle = createWireHandler(own.authority);
    const token = (await authorizeAndExchange(own)).payload.access_token.value;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('library', 'provider', 'POST storage', 'GET storage'),
        fc.boolean(),
        fc.oneof(metadata.map((m) => ({ metadata: m })), junk),
        fc.option(fc.oneof(fc.constantFrom('PS512', 'RS512'), fc.string({ maxLength: 30 })), { freq: 6 }),
        fc.record({
          accountId: fc.option(fc.constantFrom('5_19_demo-spotify', 'nope', '', '%')),
          standard: fc.constantFrom('fhir', 'hl7', '%20'),
          version: fc.constantFrom('stu3', '3.0.2', 'r4', '..'),
        }),
        fc.option(fc.oneof(fc.json(), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')))),
        async (call, withAccess, payload, alg, to, body) => {
          // alg: a descriptor signed with it, or (not an algorithm) the header's raw text.
          const descriptor =
            alg === null ? undefined : alg === 'PS512' || alg === 'RS512' ? await signFileDescriptor(payload as DescriptorMetadata, { alg }) : alg;
          const jwt = await signRequest(withAccess ? { access_token: token } : {});
          const path =
            call === 'library' ? '/permission-access/import'
            : call === 'provider' ? `/permission-access/import/h:accountId/${to.standard}/${to.version}`
            : '/storage';
          const res = await ownHandle({
            method: call === 'GET storage' ? 'GET' : 'POST',
            url: new URL(`${API}${path}`),
            headers: {
              authorization: `Bearer ${jwt}`,
              'content-type': call === 'library' ? 'application/octet-stream' : 'application/json',
              filedescriptor: call === 'library' ? descriptor : undefined,
              accountid: to.accountId ?? undefined,
            },
            body: body == null ? undefined : Buffer.from(body, call === 'library' ? 'latin1' : 'utf8'),
          });
          await expectWellFormed(res);
          if (res.status < 300) {
            if (call === 'library') {
              expect(res.status).toBe(201);
              expect(withAccess && alg === 'PS512').toBe(true);
              expect(typeof (payload as { metadata?: { mimeType?: unknown } }).metadata?.mimeType).toBe('string');
            }
            // The demo user has no account of a push source.
            expect(call).not.toBe('provider');
            if (call === 'GET storage') expect(withAccess).toBe(true);
            if (call.endsWith('storage')) expect(Object.keys(res.body as object).sort()).toEqual(['id', 'kid']);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('any scope.criteria at trigger, then the file list with raw files in it', async () => {
    const own = await createHarness();
    const ownHandle = createWireHandler(own.authority);
    const token = (await authorizeAndExchange(own)).payload.access_token.value;
    const pushed = await ownHandle({
      method: 'POST',
      url: new URL(`${API}/permission-access/import`),
      headers: { authorization: `Bearer ${await signRequest({ access_token: token })}`, filedescriptor: await signFileDescriptor(DESCRIPTOR) },
      body: Buffer.from('raw'),
    });
    expect(pushed.status).toBe(201);
    const criterion = fc.record(
      {
        from: fc.oneof(number, junk),
        last: fc.oneof(fc.constantFrom('1d', '6m', '99999y', '0d'), fc.string({ maxLength: 6 })),
        metadata: fc.oneof(
          fc.record({ appId: strings, contractId: strings, mimeType: strings, reference: strings, tags: strings, accounts: fc.array(fc.record({ accountId: fc.string() })) }, { requiredKeys: [] }),
          junk,
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.array(criterion, { maxLength: 3 }), junk), async (criteria) => {
        const res = await ownHandle({
          method: 'POST',
          url: new URL(`${API}/permission-access/trigger`),
          headers: { authorization: `Bearer ${await signRequest({ access_token: token })}` },
          body: Buffer.from(JSON.stringify({ sourceFetch: false, scope: { criteria } })),
        });
        await expectWellFormed(res);
        if (res.status !== 202) return;
        const key = (res.body as { session: { key: string } }).session.key;
        const list = await ownHandle({
          method: 'GET',
          url: new URL(`${API}/permission-access/query/${key}`),
          headers: { authorization: `Bearer ${await signRequest({ access_token: token })}` },
        });
        expect(list.status).toBe(200);
        for (const f of (list.body as { fileList: { name: string }[] }).fileList.filter((x) => !x.name.startsWith('18_'))) {
          const file = await ownHandle({
            method: 'GET',
            url: new URL(`${API}/permission-access/query/${key}/${f.name}`),
            headers: { authorization: `Bearer ${await signRequest({ access_token: token })}` },
          });
          expect(file.status).toBe(200);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the cloud: any method, path, token and body answer below 500, errors in the cloud shape', async () => {
    const own = await createHarness();
    const ownHandle = createWireHandler(own.authority);
    const storageId = ((await ownHandle({ method: 'POST', url: new URL(`${API}/storage`), headers: { authorization: `Bearer ${await signRequest()}` } })).body as { id: string }).id;
    const segment = fc.oneof(fc.constantFrom('Docs', 'docs', 'a.txt', 'A.TXT', '', '%20', '%2F', '..', '%', 'x y', 'é'), fc.string({ maxLength: 6 }));
    const token = fc.oneof(
      fc.constant('good'),
      fc.record({ aud: fc.oneof(fc.constant('cloud'), junk), exp: fc.oneof(number, fc.constant(null)), kid: fc.oneof(fc.constant(null), fc.string({ maxLength: 10 })) }),
      fc.string({ maxLength: 40 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'DELETE', 'HEAD', 'PUT'),
        mostly(fc.constant(storageId), fc.string({ maxLength: 12 })),
        mostly(fc.constant('demo-app'), fc.string({ maxLength: 12 })),
        fc.array(segment, { maxLength: 4 }),
        fc.boolean(),
        fc.string({ maxLength: 20 }),
        token,
        fc.option(fc.uint8Array({ maxLength: 300 })),
        async (method, id, appId, segments, folder, query, tok, body) => {
          const bearer =
            tok === 'good' ? await signCloudToken()
            : typeof tok === 'string' ? tok
            : await signCloudToken({ aud: tok.aud, exp: tok.exp === null ? null : Number.isFinite(tok.exp) ? tok.exp : 0, kid: tok.kid });
          const path = `/cloud/v1/clouds/${encodeURIComponent(id)}/files/apps/${encodeURIComponent(appId)}/${segments.join('/')}${folder ? '/' : ''}`;
          let url: URL;
          try {
            url = new URL(`http://127.0.0.1${path}`);
          } catch {
            return;
          }
          url.search = query;
          const res = await ownHandle({ method, url, headers: { authorization: `Bearer ${bearer}` }, body: body ?? undefined });
          expect(res.status).toBeGreaterThanOrEqual(200);
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400 && res.status !== 405) {
            expect(Object.keys(res.body as object).sort()).toEqual(['error', 'message', 'statusCode']);
            const e = res.body as { statusCode: unknown; error: unknown; message: unknown };
            expect(e.statusCode).toBe(res.status);
            expect(typeof e.error).toBe('string');
            expect(typeof e.message).toBe('string');
            expect(JSON.stringify(e)).not.toMatch(/\.ts:\d+|\.js:\d+|node:internal/);
          }
          if (res.status < 300) expect(tok === 'good' || typeof tok === 'object').toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('robustness of contract details, discovery, sample data, the report and the consent-page parameters (docs/protocol.md §9.1, §9.4, §9.7)', () => {
  // A token of its own: the properties above may have deleted, revoked or outlived the shared one.
  let access: string;
  beforeAll(async () => {
    access = (await authorizeAndExchange(h)).payload.access_token.value;
  });

  const wire = async (method: string, path: string, init: { jwt?: string; body?: unknown; raw?: Uint8Array } = {}) =>
    handle({
      method,
      url: new URL(`http://127.0.0.1${path}`),
      headers: { ...(init.jwt && { authorization: `Bearer ${init.jwt}` }), 'content-type': 'application/json' },
      body: init.raw ?? (init.body === undefined ? undefined : Buffer.from(JSON.stringify(init.body))),
      remoteAddress: '127.0.0.1',
    });
  const payloadOf = (jws: string) => JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as Record<string, string>;
  const noToken = (res: Awaited<ReturnType<WireHandler>>) => expect(JSON.stringify(res.body ?? '')).not.toMatch(/"(token|access_token|refresh_token)"/);

  const idList = fc.oneof(fc.array(fc.oneof(fc.integer({ min: -5, max: 6000 }), fc.constantFrom(1, 4, 19, 28, 5001)), { maxLength: 3 }), junk);
  const idFilter = fc.oneof(fc.record({ id: idList }), junk);
  const sourcesBody = fc.record(
    {
      limit: fc.oneof(number, junk),
      offset: fc.oneof(number, junk),
      sort: fc.oneof(fc.record({ name: fc.constantFrom('asc', 'desc', 'up') }), junk),
      query: fc.oneof(
        fc.record(
          {
            queryString: fc.oneof(fc.string({ maxLength: 8 }), junk),
            search: fc.oneof(fc.dictionary(fc.constantFrom('name', 'alias', 'abbreviation', 'medicalCenter', 'practitioner', 'x'), fc.oneof(fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }), junk)), junk),
            include: fc.oneof(fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }), junk),
            filter: fc.oneof(
              fc.record(
                {
                  id: idList, type: idFilter, service: idFilter, country: idFilter, category: idFilter, platform: idFilter,
                  publishedStatus: fc.oneof(fc.array(fc.constantFrom('approved', 'sampledataonly', 'deprecated', 'live'), { maxLength: 3 }), junk),
                  sourceId: fc.oneof(number, junk), reference: fc.oneof(fc.array(fc.string({ maxLength: 8 }), { maxLength: 2 }), junk), alias: junk,
                },
                { requiredKeys: [] },
              ),
              junk,
            ),
          },
          { requiredKeys: [] },
        ),
        junk,
      ),
    },
    { requiredKeys: [] },
  );

  it('discovery answers any body well-formed; a 200 is a consistent page of the catalogue', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(sourcesBody, junk), fc.boolean(), async (body, signed) => {
        const res = await wire('POST', '/v1.7/discovery/sources', { jwt: signed ? await signRequest() : undefined, body });
        await expectWellFormed(res);
        noToken(res);
        if (!signed) expect(res.status).toBe(406);
        if (res.status === 200) {
          const page = res.body as { data: { id: number; name: string; service: { id: number } }[]; limit: number; offset: number; total: number };
          expect(page.data.length).toBeLessThanOrEqual(Math.max(0, Math.min(page.limit, page.total - page.offset)));
          for (const s of page.data) expect(typeof s.id === 'number' && typeof s.name === 'string' && typeof s.service.id === 'number').toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('contract details, countries, platforms, categories and sample data sets take any method, body and path segment', async () => {
    const path = fc.oneof(
      fc.constantFrom('/v1.7/permission-access/contract', '/v1.7/discovery/countries', '/v1.7/discovery/platforms', '/v1.7/discovery/categories', '/v1.7/discovery/sources'),
      fc.oneof(fc.string({ maxLength: 12 }), fc.integer().map(String), fc.constantFrom('19', '28', '5001', '1e3', '%00', '..', '019')).map(
        (id) => `/v1.7/permission-access/sample/datasets/${encodeURIComponent(id)}`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'DELETE', 'HEAD', 'PUT'),
        path,
        fc.option(fc.oneof(fc.json().map((j) => Buffer.from(j)), fc.uint8Array({ maxLength: 64 }))),
        fc.boolean(),
        async (method, p, raw, signed) => {
          const res = await wire(method, p, { jwt: signed ? await signRequest({ access_token: access }) : undefined, raw: raw ?? undefined });
          await expectWellFormed(res);
          noToken(res);
          if (res.status === 200 && p.includes('/sample/datasets/')) {
            for (const set of Object.values(res.body as Record<string, { name: unknown; description: unknown }>)) {
              expect(typeof set.name === 'string' && typeof set.description === 'string').toBe(true);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the portability report takes any service type, format and period; XML only for medmij and xml', async () => {
    const value = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('undefined', 'xml', 'medmij', '0', '1700000000', '-1', '1e99', 'NaN', ''), number.map(String));
    await fc.assert(
      fc.asyncProperty(value, value, fc.option(value), fc.option(value), fc.constantFrom('live', 'junk', 'none'), async (serviceType, format, from, to, token) => {
        const query = new URLSearchParams({ format, ...(from !== null && { from }), ...(to !== null && { to }) });
        const jwt = token === 'none' ? undefined : await signRequest({ access_token: token === 'live' ? access : 'x.y.z' });
        const res = await wire('GET', `/v1.7/export/${encodeURIComponent(serviceType) || 'x'}/report?${query}`, { jwt });
        await expectWellFormed(res);
        noToken(res);
        if (res.status === 200) {
          expect({ serviceType, format, token }).toMatchObject({ serviceType: 'medmij', format: 'xml', token: 'live' });
          expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
        }
      }),
      { numRuns: 200 },
    );
  });

  it("consent pages take any of the SDK's parameters: never a 5xx, and sample data only from a real data set", async () => {
    const param = fc.option(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('true', 'false', 'push', 'pull', '19', '4', '28', 'alex', 'demo', '%E0%A4%A', '%257B%257D')), { nil: undefined });
    const params = fc.record({
      sourceType: param, service: param, sampleDataSet: param, sampleDataAutoOnboard: param, includeSampleDataOnlySources: param,
      triggerQuery: param, sourcesScope: param, lng: param, autoConsent: fc.option(fc.constantFrom('accept', 'deny', 'later'), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('authorize', 'onboard'), params, fc.boolean(), async (page, query, post) => {
        let code: string;
        if (page === 'authorize') {
          const res = await wire('POST', '/v1.7/oauth/authorize', { jwt: await signRequest({ code_challenge: 'x'.repeat(43), redirect_uri: 'http://x/cb' }), body: {} });
          code = payloadOf((res.body as { token: string }).token).preauthorization_code!;
        } else {
          const res = await wire('POST', '/v1.7/oauth/token/reference', { jwt: await signRequest({ access_token: access, redirect_uri: 'http://x/cb' }), body: {} });
          code = payloadOf((res.body as { token: string }).token).reference_code!;
        }
        const defined = Object.fromEntries(Object.entries({ ...query, code }).filter(([, v]) => v !== undefined)) as Record<string, string>;
        const res = post
          ? await handle({ method: 'POST', url: new URL(`http://127.0.0.1/apps/saas/${page}`), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from(new URLSearchParams({ ...defined, decision: 'accept' }).toString()) })
          : await handle({ method: 'GET', url: new URL(`http://127.0.0.1/apps/saas/${page}?${new URLSearchParams(defined)}`), headers: {} });
        await expectWellFormed(res);
        const location = res.headers.location;
        if (location) {
          expect(location.startsWith('http://x/cb?')).toBe(true);
          const knownSet = query.sampleDataSet === undefined || query.sampleDataSet === '' || (['alex', 'demo'].includes(query.sampleDataSet) && ['19', '4'].includes(query.service ?? ''));
          if (new URL(location).searchParams.get('success') === 'true') expect(knownSet).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('token reference with any actions and claims: a token only for a good request', async () => {
    const pull = fc.oneof(fc.record({ scope }, { requiredKeys: [] }), fc.record({ sourceFetch: junk, limits: junk }, { requiredKeys: [] }), junk);
    await fc.assert(
      fc.asyncProperty(
        fc.option(pull, { nil: undefined }),
        fc.option(fc.oneof(fc.constant('c'.repeat(43)), fc.string({ maxLength: 50 }), junk), { nil: undefined }),
        fc.constantFrom('live', 'junk'),
        async (actionsPull, challenge, token) => {
          const claimSet: Record<string, unknown> = { access_token: token === 'live' ? access : 'nope', redirect_uri: 'http://x/cb' };
          if (challenge !== undefined) claimSet.code_challenge = challenge;
          const res = await wire('POST', '/v1.7/oauth/token/reference', { jwt: await signRequest(claimSet), body: actionsPull === undefined ? {} : { actions: { pull: actionsPull } } });
          await expectWellFormed(res);
          if (res.status === 201) {
            expect(token).toBe('live');
            // A null claim counts as absent.
            if (challenge !== undefined && challenge !== null) expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
          } else noToken(res);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('any path the router cannot place, through the Express transport too: 404 in the error shape', async () => {
    const segment = fc.constantFrom('', '', '.', '..', 'v1.7', 'apps', 'saas', 'oauth', 'token', 'authorize', 'permission-access', 'accounts', '%2F', '%2e', 'x:y', '@', '?', '#');
    const path = fc.array(segment, { minLength: 1, maxLength: 6 }).map((s) => `//${s.join('/')}`);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'DELETE', 'HEAD'), path, async (method, p) => {
        const res = await (method === 'GET' ? h.http.get(p) : method === 'POST' ? h.http.post(p) : method === 'DELETE' ? h.http.delete(p) : h.http.head(p));
        expect(res.status).toBeGreaterThanOrEqual(200);
        expect(res.status).toBeLessThan(500);
        if (method !== 'HEAD' && res.status >= 400 && res.headers['content-type']?.includes('json')) {
          expect(Object.keys(res.body.error).sort()).toEqual(['code', 'message', 'reference']);
        }
      }),
      { numRuns: 150 },
    );
    for (const [method, p] of [['get', '//v1.7/permission-access/accounts'], ['post', '//v1.7/oauth/token'], ['get', '//v1.7/jwks/oauth']] as const) {
      const res = await h.http[method](p).set('authorization', `Bearer ${await signRequest({ access_token: access })}`);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 404, code: 'NotFound' });
    }
  });
});
