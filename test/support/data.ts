/**
 * Helpers for the data-plane tests: user-scoped calls over HTTP, binary downloads, and the
 * decryption a digi.me client performs, written here from docs/protocol.md §5 rather than taken from the
 * server, plus the response shapes the official Node SDK validates (its io-ts codecs, mirrored in
 * zod: src/types/api/ca-file-list-response.ts, ca-file-response.ts, read-accounts.ts).
 */
import { constants, createDecipheriv, privateDecrypt, type KeyObject } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { bearer, type Harness } from './harness.js';
import { demoPrivateKey } from './keys.js';
import { signRequest, type SignOptions } from './request-jwt.js';

// ---- the official SDK's response codecs -------------------------------------------------------

const PartialError = z.object({
  code: z.string(),
  statusCode: z.number(),
  message: z.string().optional(),
  reauth: z.boolean().optional(),
  retryAfter: z.number().optional(),
});
const AccountSyncStatusEntry = z.union([
  z.object({ state: z.literal('partial'), error: PartialError }),
  z.object({ state: z.literal('running') }),
  z.object({ state: z.literal('completed') }),
]);
const FileDataSchema = z.object({ standard: z.enum(['digime', 'fhir']), version: z.string(), id: z.string().optional() });

export const CAFileListResponse = z.object({
  status: z.object({
    state: z.enum(['running', 'partial', 'completed', 'pending']),
    details: z.record(z.string(), AccountSyncStatusEntry).optional(),
  }),
  fileList: z.array(z.object({ name: z.string(), updatedDate: z.number(), schema: FileDataSchema.optional() })).optional(),
});

export const MappedFileMetadata = z.object({
  objectCount: z.number(),
  objectType: z.string(),
  serviceGroup: z.string(),
  serviceName: z.string(),
  schema: FileDataSchema,
  // Node SDK v6 and earlier.
  objectVersion: z.string(),
});

export const DecodedCAFileHeaderResponse = z.object({
  metadata: MappedFileMetadata,
  compression: z.string().optional(),
});

const AccountType = z.enum([
  'USER', 'ADMIN', 'EVENT', 'GROUP', 'BANK', 'CREDIT_CARD', 'IMPORTED',
  'INVESTMENT', 'INSURANCE', 'LOAN', 'REWARD', 'BILL', 'PUSH',
]);
export const AccountsResponse = z.array(
  z.object({
    id: z.string(),
    reference: z.string(),
    type: AccountType,
    createdDate: z.number(),
    serviceGroupId: z.number(),
    serviceGroupName: z.string(),
    serviceTypeId: z.number(),
    serviceTypeName: z.string(),
    serviceTypeReference: z.string(),
    sourceId: z.number(),
    updatedDate: z.number(),
    accessTokenStatus: z.object({ authorized: z.boolean(), expiresAt: z.number().optional() }).optional(),
    serviceProviderId: z.number().optional(),
    serviceProviderName: z.string().optional(),
    serviceProviderReference: z.string().optional(),
    username: z.string().optional(),
    providerFavIcon: z.string().optional(),
    providerLogo: z.string().optional(),
    sample: z.boolean().optional(),
  }),
);

// ---- calls ------------------------------------------------------------------------------------

export interface FileListEntry {
  name: string;
  updatedDate: number;
  objectCount: number;
  objectType: string;
  serviceGroup: string;
  serviceName: string;
}

export interface FileList {
  status: { state: 'pending' | 'running' | 'partial' | 'completed'; details?: Record<string, { state: string; error?: Record<string, unknown> }> };
  fileList: FileListEntry[];
}

const userJwt = (accessToken: string, sign?: SignOptions) => signRequest({ access_token: accessToken }, sign);

export async function trigger(h: Harness, accessToken: string, body: object = {}, sign?: SignOptions) {
  return h.http
    .post('/v1.7/permission-access/trigger')
    .set(bearer(await userJwt(accessToken, sign)))
    .send({ agent: { sdk: { name: 'test', version: '1', meta: {} } }, ...body });
}

export async function queryFileList(h: Harness, accessToken: string, sessionKey: string, sign?: SignOptions) {
  return h.http.get(`/v1.7/permission-access/query/${sessionKey}`).set(bearer(await userJwt(accessToken, sign)));
}

/** The file list, checked against the official SDK's codec. */
export async function fileList(h: Harness, accessToken: string, sessionKey: string, sign?: SignOptions): Promise<FileList> {
  const res = await queryFileList(h, accessToken, sessionKey, sign);
  if (res.status !== 200) throw new Error(`file list answered ${res.status} ${JSON.stringify(res.body)}`);
  CAFileListResponse.parse(res.body);
  return res.body as FileList;
}

/** Supertest buffers unknown content types as nothing; this keeps a download's bytes. */
const binary = (res: unknown, done: (err: Error | null, body: Buffer) => void) => {
  const stream = res as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
};

export async function download(h: Harness, accessToken: string, sessionKey: string, name: string, sign?: SignOptions) {
  return h.http
    .get(`/v1.7/permission-access/query/${sessionKey}/${name}`)
    .set(bearer(await userJwt(accessToken, sign)))
    .set('accept', 'application/octet-stream')
    .buffer(true)
    .parse(binary);
}

export async function head(h: Harness, accessToken: string, sessionKey: string, name: string, sign?: SignOptions) {
  return h.http.head(`/v1.7/permission-access/query/${sessionKey}/${name}`).set(bearer(await userJwt(accessToken, sign)));
}

export async function accounts(h: Harness, accessToken: string, sign?: SignOptions) {
  return h.http.get('/v1.7/permission-access/accounts').set(bearer(await userJwt(accessToken, sign)));
}

// ---- what a client does with a file -----------------------------------------------------------

export function decodeMetadata(header: unknown): z.infer<typeof DecodedCAFileHeaderResponse> {
  if (typeof header !== 'string') throw new Error('no x-metadata header');
  return DecodedCAFileHeaderResponse.parse(JSON.parse(Buffer.from(header, 'base64url').toString('utf8')));
}

/** docs/protocol.md §5: RSA-OAEP (SHA-1) key, IV, AES-256-CBC, then the compression the metadata names. */
export function decryptFile(body: Buffer, compression: string | undefined, privateKey: KeyObject = demoPrivateKey): Buffer {
  const key = privateDecrypt(
    { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    body.subarray(0, 256),
  );
  const decipher = createDecipheriv('aes-256-cbc', key, body.subarray(256, 272));
  const plain = Buffer.concat([decipher.update(body.subarray(272)), decipher.final()]);
  if (compression === 'gzip') return gunzipSync(plain);
  if (compression === 'brotli') return brotliDecompressSync(plain);
  if (compression !== undefined) throw new Error(`unknown compression ${compression}`);
  return plain;
}

/** Downloads, checks and decrypts a file: its objects and metadata. */
export async function readFile(h: Harness, accessToken: string, sessionKey: string, name: string, privateKey?: KeyObject) {
  const res = await download(h, accessToken, sessionKey, name);
  if (res.status !== 200) throw new Error(`file answered ${res.status}`);
  const header = decodeMetadata(res.headers['x-metadata']);
  const objects = JSON.parse(decryptFile(res.body as Buffer, header.compression, privateKey).toString('utf8')) as Record<string, unknown>[];
  return { res, header, objects };
}

export const DEMO_ACCOUNTS = {
  spotify: '5_19_demo-spotify',
  instagram: '1_4_demo-instagram',
  bank: '3_138_demo-bank',
} as const;

/** Unix seconds of a UTC date, as scope time ranges take them. */
export const seconds = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d) / 1000;
