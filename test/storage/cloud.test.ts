/**
 * The cloud under a storage (docs/protocol.md §9.6): `/cloud/v1/clouds/<storageId>/files/apps/<appId>/…`
 * with its own bearer token. Upload, list, download and delete, the listing's lower-casing, who
 * may use a storage, and every error in the cloud's shape `{statusCode, error, message}`.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { authorizeAndExchange, createHarness, manualWallClock, type Harness } from '../support/harness.js';
import { DEMO_APP_ID, newRsaKeyPair } from '../support/keys.js';
import { cloud, cloudPath, createStorage, jsonOf, signCloudToken, userStorage } from '../support/push-storage.js';

let h: Harness;
let storageId: string;
const wall = manualWallClock();

beforeAll(async () => {
  h = await createHarness({}, { wallClock: wall });
  storageId = (await createStorage(h)).body.id;
});

const at = (path: string, id = storageId) => cloudPath(id, path);

function expectCloudError(res: { status: number; body: unknown }, status: number, error: string) {
  expect(res.status).toBe(status);
  const body = jsonOf(res);
  expect(body).toEqual({ statusCode: status, error, message: expect.any(String) });
}

describe('a round trip: upload, list, download, delete', () => {
  it('gives back the bytes it was given, and forgets them on delete', async () => {
    const bytes = randomBytes(4096);
    const up = await cloud(h, 'post', at('/Photos/2024/Beach.JPG'), { body: bytes });
    expect(up.status).toBe(201);
    const entry = {
      id: expect.any(String),
      name: 'beach.jpg',
      originalName: 'Beach.JPG',
      path: `/apps/${DEMO_APP_ID}/photos/2024/`,
      originalPath: `/apps/${DEMO_APP_ID}/Photos/2024/`,
    };
    expect(jsonOf(up)).toEqual(entry);

    const list = await cloud(h, 'get', `${at('/Photos/2024/')}?recursive=false`);
    expect(list.status).toBe(200);
    expect(list.headers['content-type']).toMatch(/^application\/json/);
    expect(jsonOf(list)).toEqual({ files: [entry], total: 1 });

    // What the official SDK hands an app: the path after /apps/<appid>, lower-cased, and the name.
    const down = await cloud(h, 'get', at('/photos/2024/beach.jpg'));
    expect(down.status).toBe(200);
    expect(down.headers['content-type']).toBe('application/octet-stream');
    expect((down.body as Buffer).equals(bytes)).toBe(true);

    const del = await cloud(h, 'delete', at('/Photos/2024/Beach.JPG'));
    expect(del.status).toBe(204);
    expectCloudError(await cloud(h, 'get', at('/photos/2024/beach.jpg')), 404, 'NotFound');
    expect(jsonOf(await cloud(h, 'get', `${at('/photos/')}?recursive=true`))).toEqual({ files: [], total: 0 });
  });
});

describe('large files', () => {
  it('a file of several megabytes goes up and comes back whole (other bodies stop at 1 MB)', async () => {
    const bytes = randomBytes(3 * 1024 * 1024);
    expect((await cloud(h, 'post', at('/big/video.bin'), { body: bytes })).status).toBe(201);
    const down = await cloud(h, 'get', at('/big/video.bin'));
    expect((down.body as Buffer).equals(bytes)).toBe(true);
  });
});

describe('folders and names', () => {
  let id: string;
  beforeAll(async () => {
    id = (await createStorage(h)).body.id;
    for (const path of ['/top.txt', '/Docs/a.txt', '/Docs/B.txt', '/Docs/deep/c.txt', '/Other/d.txt']) {
      expect((await cloud(h, 'post', at(path, id), { body: Buffer.from(path) })).status).toBe(201);
    }
  });

  const names = async (folder: string, recursive: boolean) =>
    (jsonOf(await cloud(h, 'get', `${at(folder, id)}?recursive=${recursive}`)) as { files: { originalName: string }[]; total: number });

  it('non-recursive lists the folder\'s own files; recursive everything below it', async () => {
    const flat = await names('/docs/', false);
    expect(flat.files.map((f) => f.originalName)).toEqual(['a.txt', 'B.txt']);
    expect(flat.total).toBe(2);
    expect((await names('/Docs/', true)).files.map((f) => f.originalName)).toEqual(['a.txt', 'B.txt', 'c.txt']);
    expect((await names('/', false)).files.map((f) => f.originalName)).toEqual(['top.txt']);
    expect((await names('/', true)).total).toBe(5);
    expect(await names('/nothing/', true)).toEqual({ files: [], total: 0 });
  });

  it('an upload to the same path, in any case, replaces the file', async () => {
    await cloud(h, 'post', at('/DOCS/A.TXT', id), { body: Buffer.from('new') });
    expect(((await cloud(h, 'get', at('/docs/a.txt', id))).body as Buffer).toString()).toBe('new');
    const flat = await names('/docs/', false);
    expect(flat.total).toBe(2);
    expect(flat.files.map((f) => f.originalName)).toEqual(['A.TXT', 'B.txt']);
  });

  it('deleting a folder (a path ending in /) deletes everything under it', async () => {
    expect((await cloud(h, 'delete', at('/docs/', id))).status).toBe(204);
    expect((await names('/', true)).files.map((f) => f.originalName)).toEqual(['d.txt', 'top.txt']);
  });

  it('deleting a file that is not there: 404', async () => {
    expectCloudError(await cloud(h, 'delete', at('/docs/a.txt', id)), 404, 'NotFound');
  });

  it.each([
    ['a space in the name', '/docs/my%20file.txt'],
    ['a space in a folder', '/my%20docs/file.txt'],
    ['an empty folder name', '/docs//file.txt'],
  ])('refuses %s: 400 ValidationErrors', async (_label, path) => {
    expectCloudError(await cloud(h, 'post', at(path, id), { body: Buffer.from('x') }), 400, 'ValidationErrors');
  });

  it('an upload without a file name: 400', async () => {
    expectCloudError(await cloud(h, 'post', at('/docs/', id), { body: Buffer.from('x') }), 400, 'ValidationErrors');
  });
});

describe('the cloud token', () => {
  const now = () => Math.floor(wall.now() / 1000);

  it.each<[string, () => Promise<string | null>]>([
    ['no token', async () => null],
    ['not a JWT', async () => 'nope'],
    ['aud other than cloud', () => signCloudToken({ aud: 'api', iat: now() })],
    ['no exp', () => signCloudToken({ exp: null, iat: now() })],
    ['signed by another key', () => signCloudToken({ key: newRsaKeyPair().privateKey, iat: now() })],
    ['signed RS512', () => signCloudToken({ alg: 'RS512', iat: now() })],
    ['an unknown contract', () => signCloudToken({ contractId: 'nope', iat: now() })],
    ['a kid of another contract', () => signCloudToken({ kid: 'x_y_0', iat: now() })],
  ])('%s: 401 InvalidToken', async (_label, token) => {
    expectCloudError(await cloud(h, 'get', `${at('/')}?recursive=true`, { token: await token() }), 401, 'InvalidToken');
  });

  it('expires by the real clock, whatever the mock clock says', async () => {
    const token = await signCloudToken({ iat: now() });
    h.authority.clock.advance(3600);
    expect((await cloud(h, 'get', at('/'), { token })).status).toBe(200);
    h.authority.clock.reset();
    wall.advance(61_000);
    const expired = await cloud(h, 'get', at('/'), { token });
    wall.advance(-61_000);
    expectCloudError(expired, 401, 'InvalidToken');
  });

  it("works only in the token's own app folder: 403 Forbidden", async () => {
    const res = await cloud(h, 'get', cloudPath(storageId, '/', 'another-app'), { token: await signCloudToken({ iat: now() }) });
    expectCloudError(res, 403, 'Forbidden');
  });
});

describe('who may use a storage', () => {
  const now = () => Math.floor(wall.now() / 1000);

  async function otherApp() {
    const keys = newRsaKeyPair();
    const appId = `other${randomBytes(3).toString('hex')}`;
    h.authority.registerApp({ appId, contractId: 'c1', publicKey: keys.publicKeyPem });
    const sign = { key: keys.privateKey, clientId: `${appId}_c1` };
    const token = () => signCloudToken({ appId, contractId: 'c1', key: keys.privateKey, iat: now() });
    return { appId, sign, token };
  }

  it('an unknown storage: 404 NotFound', async () => {
    expectCloudError(await cloud(h, 'get', at('/', 'nope'), { token: await signCloudToken({ iat: now() }) }), 404, 'NotFound');
  });

  it("another app's provisional storage: 404 NotFound", async () => {
    const other = await otherApp();
    const res = await cloud(h, 'get', cloudPath(storageId, '/', other.appId), { token: await other.token() });
    expectCloudError(res, 404, 'NotFound');
  });

  it("a user's storage, to every app the user consented to, each in its own folder", async () => {
    const token = (await authorizeAndExchange(h, { user: 'alex' })).payload.access_token.value;
    const id = (await userStorage(h, token)).body.id as string;
    const other = await otherApp();
    const before = await cloud(h, 'get', cloudPath(id, '/', other.appId), { token: await other.token() });
    expectCloudError(before, 404, 'NotFound');
    await authorizeAndExchange(h, { user: 'alex', sign: other.sign });
    expect((await cloud(h, 'post', cloudPath(id, '/x.txt', other.appId), { token: await other.token(), body: Buffer.from('theirs') })).status).toBe(201);
    expect((await cloud(h, 'post', cloudPath(id, '/x.txt'), { token: await signCloudToken({ iat: now() }), body: Buffer.from('ours') })).status).toBe(201);
    const theirs = await cloud(h, 'get', cloudPath(id, '/x.txt', other.appId), { token: await other.token() });
    expect((theirs.body as Buffer).toString()).toBe('theirs');
  });
});

describe('paths outside the cloud\'s', () => {
  it('answer 404 in the cloud\'s shape', async () => {
    expectCloudError(await cloud(h, 'get', '/cloud/v1/elsewhere'), 404, 'NotFound');
    expectCloudError(await cloud(h, 'get', `/cloud/v1/clouds/${storageId}/files/other/x`), 404, 'NotFound');
  });
});
