/**
 * Push to the library (docs/protocol.md §9.5): `POST permission-access/import` with a signed
 * `FileDescriptor` and the file's bytes. The answers, then what later sessions make of the file:
 * a raw file, listed by name and time, downloaded with raw-file metadata.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { download, decryptFile, head, queryFileList, trigger } from '../support/data.js';
import { authorizeAndExchange, createHarness, type Harness } from '../support/harness.js';
import { DEMO_APP_ID, DEMO_CONTRACT_ID, newRsaKeyPair } from '../support/keys.js';
import {
  decodeRawMetadata,
  DESCRIPTOR,
  pushToLibrary,
  settledFileList,
  signFileDescriptor,
} from '../support/push-storage.js';

let h: Harness;
let access: string;

beforeAll(async () => {
  h = await createHarness();
  access = (await authorizeAndExchange(h)).payload.access_token.value;
});

/** A contract registered for the test: read-only unless told, without raw data unless told. */
async function otherContract(fields: { accessType?: 'r' | 'w'; rawData?: boolean }) {
  const keys = newRsaKeyPair();
  const appId = `app${randomBytes(4).toString('hex')}`;
  h.authority.registerApp({ appId, contractId: 'c1', publicKey: keys.publicKeyPem, ...fields });
  const sign = { key: keys.privateKey, clientId: `${appId}_c1` };
  const token = (await authorizeAndExchange(h, { sign })).payload.access_token.value;
  return { sign, token, key: keys.privateKey };
}

describe('POST permission-access/import', () => {
  it('takes the bytes and a valid descriptor: 201 {status: "delivered"}', async () => {
    const res = await pushToLibrary(h, access, Buffer.from('hello'));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ status: 'delivered' });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('takes an empty file, and a descriptor with references and tags', async () => {
    const descriptor = signFileDescriptor({ ...DESCRIPTOR, reference: ['r1'], tags: ['a', 'b'] });
    expect((await pushToLibrary(h, access, Buffer.alloc(0), descriptor)).status).toBe(201);
  });

  it.each([
    ['no descriptor', null],
    ['a descriptor that is no JWS', 'not-a-jws'],
    ['a descriptor of two parts', 'abc.def'],
    ['a descriptor signed by another key', signFileDescriptor(DESCRIPTOR, { key: newRsaKeyPair().privateKey })],
    ['a descriptor signed RS512', signFileDescriptor(DESCRIPTOR, { alg: 'RS512' })],
    ['no mimeType', signFileDescriptor({ accounts: [{ accountId: 'u' }] })],
    ['no accounts', signFileDescriptor({ mimeType: 'text/plain' })],
    ['an empty account list', signFileDescriptor({ mimeType: 'text/plain', accounts: [] })],
    ['an account without accountId', signFileDescriptor({ mimeType: 'text/plain', accounts: [{ id: 'u' }] })],
    ['tags that are not strings', signFileDescriptor({ ...DESCRIPTOR, tags: [1] })],
  ])('refuses %s: 400 ValidationErrors naming FileDescriptor', async (_label, descriptor) => {
    const res = await pushToLibrary(h, access, Buffer.from('x'), descriptor as string | null | Promise<string>);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ValidationErrors');
    expect(res.body.error.message).toContain('FileDescriptor');
  });

  it('a contract that may only read: 403 InsufficientScope', async () => {
    const reader = await otherContract({});
    const res = await pushToLibrary(h, reader.token, Buffer.from('x'), signFileDescriptor(DESCRIPTOR, { key: reader.key }), reader.sign);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({
      code: 'InsufficientScope',
      message: 'The request requires higher privileges than provided by the access token',
    });
  });

  it('an expired or unknown access token: 401 InvalidToken, so clients refresh', async () => {
    const { payload } = await authorizeAndExchange(h);
    h.authority.expireTokens({ token: 'access', consentId: payload.consentid });
    for (const token of [payload.access_token.value, 'nope']) {
      const res = await pushToLibrary(h, token, Buffer.from('x'));
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('InvalidToken');
    }
  });

  it('no request JWT: 406 ValidationErrors', async () => {
    const res = await h.http.post('/v1.7/permission-access/import').set('content-type', 'application/octet-stream').send(Buffer.from('x'));
    expect(res.status).toBe(406);
    expect(res.body.error.code).toBe('ValidationErrors');
  });
});

describe('a pushed file in later sessions', () => {
  it('is listed by name and time only, and downloads as pushed with raw-file metadata', async () => {
    const { payload } = await authorizeAndExchange(h, { user: 'alex' });
    const token = payload.access_token.value;
    const bytes = randomBytes(5000);
    const pushedAt = h.authority.clock.now();
    const descriptor = signFileDescriptor({ mimeType: 'image/png', accounts: [{ accountId: 'their-user-7' }], reference: ['ref-1'], tags: ['holiday'] });
    expect((await pushToLibrary(h, token, bytes, descriptor)).status).toBe(201);

    const { sessionKey, fileList } = await settledFileList(h, token);
    const raw = fileList.filter((f) => !f.name.startsWith('18_'));
    expect(raw).toHaveLength(1);
    const entry = raw[0]!;
    expect(Object.keys(entry).sort()).toEqual(['name', 'updatedDate']);
    expect(entry.name).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(entry.updatedDate).toBeGreaterThanOrEqual(pushedAt);

    const res = await download(h, token, sessionKey, entry.name);
    expect(res.status).toBe(200);
    const header = decodeRawMetadata(res.headers['x-metadata']);
    expect(header).toEqual({
      metadata: {
        mimetype: 'image/png',
        accounts: [{ accountid: 'their-user-7' }],
        reference: ['ref-1'],
        tags: ['holiday'],
        appid: DEMO_APP_ID,
        contractid: DEMO_CONTRACT_ID,
        created: entry.updatedDate,
      },
    });
    expect(res.headers['last-modified']).toBe(new Date(entry.updatedDate).toUTCString());
    const body = res.body as Buffer;
    expect(body.length % 16).toBe(0);
    expect(decryptFile(body, header.compression).equals(bytes)).toBe(true);

    const metadataOnly = await head(h, token, sessionKey, entry.name);
    expect(metadataOnly.status).toBe(200);
    expect(decodeRawMetadata(metadataOnly.headers['x-metadata'])).toEqual(header);
  });

  it('joins the user\'s library: another consent of the same user lists it, another user does not', async () => {
    const first = (await authorizeAndExchange(h, { user: 'alex' })).payload.access_token.value;
    const second = (await authorizeAndExchange(h, { user: 'alex' })).payload.access_token.value;
    const other = (await authorizeAndExchange(h, { user: 'demo' })).payload.access_token.value;
    const before = (await settledFileList(h, second)).fileList.length;
    const otherBefore = (await settledFileList(h, other)).fileList.length;
    await pushToLibrary(h, first, Buffer.from('shared'));
    expect((await settledFileList(h, second)).fileList).toHaveLength(before + 1);
    expect((await settledFileList(h, other)).fileList).toHaveLength(otherBefore);
  });

  it('is not in a session that started before the push, nor in any while the sync is pending', async () => {
    const token = (await authorizeAndExchange(h, { user: 'alex' })).payload.access_token.value;
    const early = await settledFileList(h, token);
    const pending = (await trigger(h, token)).body.session.key as string;
    h.authority.clock.advance(1);
    await pushToLibrary(h, token, Buffer.from('late'));
    const again = await queryFileList(h, token, early.sessionKey);
    expect(again.body.fileList).toHaveLength(early.fileList.length);
    const stillPending = await queryFileList(h, token, pending);
    expect(stillPending.body.status.state).toBe('pending');
    expect(stillPending.body.fileList).toEqual([]);
    expect((await settledFileList(h, token)).fileList).toHaveLength(early.fileList.length + 1);
  });

  it('is listed only for contracts that read raw data, though any write contract may push', async () => {
    const writer = await otherContract({ accessType: 'w' });
    const readsRaw = await otherContract({ accessType: 'w', rawData: true });
    expect((await pushToLibrary(h, writer.token, Buffer.from('w'), signFileDescriptor(DESCRIPTOR, { key: writer.key }), writer.sign)).status).toBe(201);
    const trig = await trigger(h, writer.token, { sourceFetch: false }, writer.sign);
    const list = await queryFileList(h, writer.token, trig.body.session.key, writer.sign);
    expect(list.body.fileList.every((f: { name: string }) => f.name.startsWith('18_'))).toBe(true);
    const trig2 = await trigger(h, readsRaw.token, { sourceFetch: false }, readsRaw.sign);
    const list2 = await queryFileList(h, readsRaw.token, trig2.body.session.key, readsRaw.sign);
    expect(list2.body.fileList.some((f: { name: string }) => !f.name.startsWith('18_'))).toBe(true);
  });

  it('downloads 404 NotFound under a session that does not list it', async () => {
    const token = (await authorizeAndExchange(h, { user: 'alex' })).payload.access_token.value;
    const early = await settledFileList(h, token);
    h.authority.clock.advance(1);
    await pushToLibrary(h, token, Buffer.from('later'));
    const name = (await settledFileList(h, token)).fileList.find((f) => !f.name.startsWith('18_') && !early.fileList.some((e) => e.name === f.name))!.name;
    const res = await download(h, token, early.sessionKey, name);
    expect(res.status).toBe(404);
  });
});

describe('scope.criteria choose the raw files a session lists', () => {
  // Two pushes ten days apart, by one token: it must outlive them.
  let c: Harness;
  let token: string;
  let t0: number;

  beforeAll(async () => {
    c = await createHarness({ ttl: { accessToken: 90 * 86_400, refreshToken: 180 * 86_400 } });
    // Stopped, so that the first push happens at t0 exactly, not a moment later across a second's edge.
    c.authority.clock.freeze(true);
    token = (await authorizeAndExchange(c)).payload.access_token.value;
    t0 = c.authority.clock.now();
    await pushToLibrary(c, token, Buffer.from('a'), signFileDescriptor({ mimeType: 'text/plain', accounts: [{ accountId: 'u1' }], tags: ['x'] }));
    c.authority.clock.advance(10 * 86_400);
    await pushToLibrary(c, token, Buffer.from('b'), signFileDescriptor({ mimeType: 'image/png', accounts: [{ accountId: 'u2' }], reference: ['r'] }));
  });

  const rawCount = async (scope?: object) =>
    (await settledFileList(c, token, scope ? { scope } : {})).fileList.filter((f) => !f.name.startsWith('18_')).length;

  it.each([
    ['no criteria', undefined, 'all'],
    ['an empty list', { criteria: [] }, 'all'],
    ['a mime type', { criteria: [{ metadata: { mimeType: ['image/png'] } }] }, 1],
    ['a tag', { criteria: [{ metadata: { tags: ['x'] } }] }, 1],
    ['a reference', { criteria: [{ metadata: { reference: ['r'] } }] }, 1],
    ['an account', { criteria: [{ metadata: { accounts: [{ accountId: 'u1' }] } }] }, 1],
    ['this app and contract', { criteria: [{ metadata: { appId: [DEMO_APP_ID], contractId: [DEMO_CONTRACT_ID] } }] }, 'all'],
    ['another app', { criteria: [{ metadata: { appId: ['someone-else'] } }] }, 0],
    ['two criteria, either matching', { criteria: [{ metadata: { tags: ['x'] } }, { metadata: { reference: ['r'] } }] }, 2],
    ['the last 5 days', { criteria: [{ last: '5d' }] }, 1],
    ['both parts of one criterion must hold', { criteria: [{ last: '5d', metadata: { tags: ['x'] } }] }, 0],
  ])('%s', async (_label, scope, expected) => {
    expect(await rawCount(scope)).toBe(expected === 'all' ? 2 : expected);
  });

  it('from, in Unix seconds', async () => {
    expect(await rawCount({ criteria: [{ from: Math.floor(t0 / 1000) + 1 }] })).toBe(1);
    expect(await rawCount({ criteria: [{ from: 0 }] })).toBe(2);
  });

  it('time ranges and service groups leave raw files alone', async () => {
    expect(await rawCount({ timeRanges: [{ from: 0, to: 1 }], serviceGroups: [{ id: 5 }] })).toBe(2);
  });

  it("the consent's criteria and the session's both apply", async () => {
    const narrow = { scope: { criteria: [{ metadata: { mimeType: ['image/png'] } }] } };
    const consented = (await authorizeAndExchange(c, { body: { actions: { pull: narrow } } })).payload.access_token.value;
    const count = async (scope?: object) =>
      (await settledFileList(c, consented, scope ? { scope } : {})).fileList.filter((f) => !f.name.startsWith('18_')).length;
    expect(await count()).toBe(1);
    expect(await count({ criteria: [{ metadata: { tags: ['x'] } }] })).toBe(0);
  });

  it('malformed criteria: 406 ValidationErrors naming the field', async () => {
    const res = await trigger(c, token, { scope: { criteria: [{ last: 'yesterday' }] } });
    expect(res.status).toBe(406);
    expect(res.body.error.message).toContain('body.scope.criteria.0.last');
  });
});
