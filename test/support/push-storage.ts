/**
 * Push and storage calls (docs/protocol.md §9.5, §9.6) made over HTTP the way a digi.me client
 * makes them: a file descriptor signed with the contract key, the cloud's own short-lived bearer
 * token, and the cloud's paths under `/cloud/v1/`.
 */
import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import { bearer, type Harness } from './harness.js';
import { DEMO_APP_ID, DEMO_CONTRACT_ID, demoPrivateKey } from './keys.js';
import { signRequest, type SignOptions } from './request-jwt.js';

/** A raw file's `x-metadata`, as the official Node SDK's codec reads it (src/types/api/ca-file-response.ts). */
export const RawFileHeader = z
  .object({
    metadata: z.object({
      mimetype: z.string(),
      accounts: z.array(z.object({ accountid: z.string() })),
      appid: z.string().optional(),
      contractid: z.string().optional(),
      created: z.number().optional(),
      reference: z.array(z.string()).optional(),
      tags: z.array(z.string()).optional(),
    }),
    compression: z.string().optional(),
  })
  .strict();

export const decodeRawMetadata = (header: unknown) => RawFileHeader.parse(JSON.parse(Buffer.from(String(header), 'base64url').toString('utf8')));

export interface DescriptorMetadata {
  mimeType?: unknown;
  accounts?: unknown;
  reference?: unknown;
  tags?: unknown;
  [field: string]: unknown;
}

/** A `FileDescriptor` header: a PS512 JWS (header `{alg, typ}` only) of `{metadata}`. */
export function signFileDescriptor(metadata: DescriptorMetadata, options: { key?: KeyObject; alg?: string } = {}): Promise<string> {
  return new SignJWT({ metadata }).setProtectedHeader({ alg: options.alg ?? 'PS512', typ: 'JWT' }).sign(options.key ?? demoPrivateKey);
}

export const DESCRIPTOR = { mimeType: 'text/plain', accounts: [{ accountId: 'app-user-1' }] };

/** `POST permission-access/import`; `descriptor: null` sends none. */
export async function pushToLibrary(
  h: Harness,
  accessToken: string,
  data: Buffer,
  descriptor: string | null | Promise<string> = signFileDescriptor(DESCRIPTOR),
  sign?: SignOptions,
) {
  const req = h.http
    .post('/v1.7/permission-access/import')
    .set(bearer(await signRequest({ access_token: accessToken }, sign)))
    .set('content-type', 'application/octet-stream');
  const jws = await descriptor;
  return (jws === null ? req : req.set('FileDescriptor', jws)).send(data);
}

/** `POST permission-access/import/h:accountId/<standard>/<version>`. */
export async function pushToProvider(
  h: Harness,
  accessToken: string,
  to: { accountId?: string; standard?: string; version?: string; body?: unknown },
  sign?: SignOptions,
) {
  const req = h.http
    .post(`/v1.7/permission-access/import/h:accountId/${to.standard ?? 'fhir'}/${to.version ?? 'stu3'}`)
    .set(bearer(await signRequest({ access_token: accessToken }, sign)))
    .set('content-type', 'application/json');
  const withAccount = to.accountId === undefined ? req : req.set('accountId', to.accountId);
  return withAccount.send((to.body ?? { resourceType: 'Patient', id: 'p1' }) as object);
}

export interface CloudTokenOptions {
  appId?: string;
  contractId?: string;
  key?: KeyObject;
  alg?: string;
  kid?: string | null;
  aud?: unknown;
  /** Unix seconds. */
  iat?: number;
  exp?: number | null;
}

/** The cloud's bearer token as the official SDK signs it: `at+jwt`, `sub` the app, `iss` the contract, a minute long. */
export function signCloudToken(o: CloudTokenOptions = {}): Promise<string> {
  const appId = o.appId ?? DEMO_APP_ID;
  const contractId = o.contractId ?? DEMO_CONTRACT_ID;
  const iat = o.iat ?? Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { sub: appId, iss: contractId, aud: o.aud ?? 'cloud', iat };
  if (o.exp !== null) claims.exp = o.exp ?? iat + 60;
  const kid = o.kid === undefined ? `${contractId}_${appId}_0` : o.kid;
  const header = { alg: o.alg ?? 'PS512', typ: 'at+jwt', ...(kid !== null && { kid }) };
  return new SignJWT(claims).setProtectedHeader(header).sign(o.key ?? demoPrivateKey);
}

/** A path under the cloud base: `/cloud/v1/clouds/<storageId>/files/apps/<appId><path>`. */
export const cloudPath = (storageId: string, path: string, appId = DEMO_APP_ID) => `/cloud/v1/clouds/${storageId}/files/apps/${appId}${path}`;

/** A cloud call with a fresh token (or the one given; `null` sends none). */
export async function cloud(
  h: Harness,
  method: 'get' | 'post' | 'delete' | 'head',
  path: string,
  options: { token?: string | null; body?: Buffer } = {},
) {
  let req = h.http[method](path);
  const token = options.token === undefined ? await signCloudToken() : options.token;
  if (token !== null) req = req.set('Authorization', `Bearer ${token}`);
  if (method === 'get') req = req.set('accept', 'application/octet-stream').buffer(true).parse(binary);
  if (options.body) return req.set('content-type', 'application/octet-stream').send(options.body);
  return req;
}

/** Keeps any answer as bytes (supertest would parse JSON, and drop other types). */
function binary(res: unknown, done: (err: Error | null, body: Buffer) => void) {
  const stream = res as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}

/** A cloud answer's JSON, from the bytes `cloud()` keeps. */
export const jsonOf = (res: { body: unknown; text?: string }) =>
  Buffer.isBuffer(res.body) ? JSON.parse(res.body.toString('utf8')) : res.body;

/** `POST storage` (app JWT). */
export async function createStorage(h: Harness, sign?: SignOptions) {
  return h.http.post('/v1.7/storage').set(bearer(await signRequest({}, sign))).set('content-type', 'application/json');
}

/** `GET storage` (user JWT). */
export async function userStorage(h: Harness, accessToken: string, sign?: SignOptions) {
  return h.http.get('/v1.7/storage').set(bearer(await signRequest({ access_token: accessToken }, sign)));
}

/** A new session of the consent, with its sync run to the end; its file list. */
export async function settledFileList(h: Harness, accessToken: string, options: object = {}) {
  const trigger = await h.http
    .post('/v1.7/permission-access/trigger')
    .set(bearer(await signRequest({ access_token: accessToken })))
    .send({ ...options, sourceFetch: false });
  if (trigger.status !== 202) throw new Error(`trigger answered ${trigger.status} ${JSON.stringify(trigger.body)}`);
  const key = trigger.body.session.key as string;
  const list = await h.http.get(`/v1.7/permission-access/query/${key}`).set(bearer(await signRequest({ access_token: accessToken })));
  if (list.status !== 200) throw new Error(`file list answered ${list.status} ${JSON.stringify(list.body)}`);
  return { sessionKey: key, fileList: list.body.fileList as { name: string; updatedDate: number; [k: string]: unknown }[], status: list.body.status };
}
