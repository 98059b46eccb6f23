/**
 * Push and storage end to end, against a running server over HTTP, the way an app does them
 * (docs/protocol.md §9.5, §9.6): a file pushed to the library shows up in a later session and
 * downloads with raw-file metadata; a storage file the app encrypted goes up, is listed, comes
 * down byte for byte and is deleted.
 */
import { constants, createCipheriv, publicEncrypt, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockServer, type RunningMockServer } from '../../mock-server/index.js';
import { decryptFile } from '../support/data.js';
import { DEMO_APP_ID, demoPrivateKey } from '../support/keys.js';
import { decodeRawMetadata, signCloudToken, signFileDescriptor } from '../support/push-storage.js';
import { pkce, signRequest } from '../support/request-jwt.js';

let mock: RunningMockServer;
let dataDir: string;
let accessToken: string;

const REDIRECT = 'http://localhost:3000/callback';
const json = { 'content-type': 'application/json' };
const auth = async (claims: Record<string, unknown> = {}) => ({ authorization: `Bearer ${await signRequest(claims)}` });
const user = () => auth({ access_token: accessToken });

/** Consent with autoConsent, then the code exchange: a live access token. */
async function consent(pageParams: Record<string, string> = {}): Promise<string> {
  const { verifier, challenge } = pkce();
  const authorize = await fetch(`${mock.baseUrl}oauth/authorize`, {
    method: 'POST',
    headers: { ...json, ...(await auth({ code_challenge: challenge, code_challenge_method: 'S256', redirect_uri: REDIRECT, response_type: 'code', state: 's' })) },
    body: JSON.stringify({ agent: { sdk: { name: 'e2e', version: '1', meta: {} } } }),
  });
  const { preauthorization_code } = decodeJwt(((await authorize.json()) as { token: string }).token) as { preauthorization_code: string };
  const query = new URLSearchParams({ code: preauthorization_code, sourceType: 'pull', autoConsent: 'accept', ...pageParams });
  const page = await fetch(`${mock.onboardUrl}authorize?${query}`, { redirect: 'manual' });
  const code = new URL(page.headers.get('location')!).searchParams.get('code');
  const token = await fetch(`${mock.baseUrl}oauth/token`, { method: 'POST', headers: await auth({ code, code_verifier: verifier, grant_type: 'authorization_code' }) });
  return (decodeJwt(((await token.json()) as { token: string }).token) as { access_token: { value: string } }).access_token.value;
}

/** What the official SDK uploads: a data key wrapped with the contract's own public key, an IV, AES-256-CBC. */
function encryptForStorage(plain: Buffer): Buffer {
  const key = randomBytes(32);
  const iv = randomBytes(16);
  const wrapped = publicEncrypt({ key: demoPrivateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, key);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([wrapped, iv, cipher.update(plain), cipher.final()]);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'push-storage-e2e-'));
  mock = await startMockServer({ port: 0, logLevel: 'silent', keyFile: join(dataDir, 'signing-key.pem') });
  accessToken = await consent();
});

afterAll(async () => {
  await mock?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('push to the library, then read it back', () => {
  it('a later session lists the pushed file, which downloads as pushed with raw-file metadata', async () => {
    const bytes = Buffer.concat([Buffer.from('%PDF-1.7 '), randomBytes(20_000)]);
    const pushed = await fetch(`${mock.baseUrl}permission-access/import`, {
      method: 'POST',
      headers: {
        ...(await user()),
        'content-type': 'application/octet-stream',
        FileDescriptor: await signFileDescriptor({ mimeType: 'application/pdf', accounts: [{ accountId: 'customer-42' }], tags: ['invoice'] }),
      },
      body: new Uint8Array(bytes),
    });
    expect(pushed.status).toBe(201);
    expect(await pushed.json()).toEqual({ status: 'delivered' });

    const trigger = await fetch(`${mock.baseUrl}permission-access/trigger`, { method: 'POST', headers: { ...json, ...(await user()) }, body: '{}' });
    const { session } = (await trigger.json()) as { session: { key: string } };
    // The sync runs on the mock clock: move it past the end rather than wait.
    mock.authority.clock.advance(600);
    const list = await fetch(`${mock.baseUrl}permission-access/query/${session.key}`, { headers: await user() });
    const { status, fileList } = (await list.json()) as { status: { state: string }; fileList: { name: string; updatedDate: number }[] };
    expect(status.state).toBe('completed');
    const raw = fileList.filter((f) => !f.name.startsWith('18_'));
    expect(raw).toHaveLength(1);
    expect(fileList.length).toBeGreaterThan(1);

    const file = await fetch(`${mock.baseUrl}permission-access/query/${session.key}/${raw[0]!.name}`, {
      headers: { ...(await user()), accept: 'application/octet-stream' },
    });
    mock.authority.clock.reset();
    expect(file.status).toBe(200);
    const header = decodeRawMetadata(file.headers.get('x-metadata'));
    expect(header.metadata).toMatchObject({ mimetype: 'application/pdf', accounts: [{ accountid: 'customer-42' }], tags: ['invoice'], appid: DEMO_APP_ID });
    expect(decryptFile(Buffer.from(await file.arrayBuffer()), header.compression).equals(bytes)).toBe(true);
  });
});

describe('a storage round trip', () => {
  it('upload, list, download byte for byte, delete', async () => {
    const provisional = (await (await fetch(`${mock.baseUrl}storage`, { method: 'POST', headers: { ...json, ...(await auth()) } })).json()) as { id: string };
    const ref = (await (await fetch(`${mock.baseUrl}reference`, {
      method: 'POST',
      headers: { ...json, ...(await auth()) },
      body: JSON.stringify({ type: 'cloudId', value: provisional.id }),
    })).json()) as { id: string };
    // A user without a storage yet takes the app's provisional one.
    const alex = await consent({ storageRef: ref.id, user: 'alex' });
    const storage = (await (await fetch(`${mock.baseUrl}storage`, { headers: await auth({ access_token: alex }) })).json()) as { id: string };
    expect(storage.id).toBe(provisional.id);

    const base = `${mock.url}/cloud/v1/clouds/${storage.id}/files/apps/${DEMO_APP_ID}`;
    const cloud = async () => ({ authorization: `Bearer ${await signCloudToken()}` });
    const plain = randomBytes(10_000);
    const upload = await fetch(`${base}/Receipts/March.pdf`, {
      method: 'POST',
      headers: { ...(await cloud()), 'content-type': 'application/octet-stream' },
      body: new Uint8Array(encryptForStorage(plain)),
    });
    expect(upload.status).toBe(201);

    const list = (await (await fetch(`${base}/receipts/?recursive=false`, { headers: await cloud() })).json()) as {
      files: { name: string; path: string; originalName: string; originalPath: string }[];
      total: number;
    };
    expect(list.total).toBe(1);
    const [entry] = list.files;
    expect(entry).toMatchObject({ originalName: 'March.pdf', originalPath: `/apps/${DEMO_APP_ID}/Receipts/` });

    const path = entry!.path.split(`/apps/${DEMO_APP_ID.toLowerCase()}`)[1]! + entry!.name;
    const download = await fetch(`${base}${path}`, { headers: { ...(await cloud()), accept: 'application/octet-stream' } });
    expect(download.status).toBe(200);
    expect(decryptFile(Buffer.from(await download.arrayBuffer()), undefined).equals(plain)).toBe(true);

    expect((await fetch(`${base}/Receipts/`, { method: 'DELETE', headers: await cloud() })).status).toBe(204);
    const after = (await (await fetch(`${base}/?recursive=true`, { headers: await cloud() })).json()) as { total: number };
    expect(after.total).toBe(0);
  });
});
