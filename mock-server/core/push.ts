/**
 * Push (docs/protocol.md §9.5): an app writes into its user's digi.me library. To the library, a
 * file with a descriptor the app signed, which later sessions list as a raw file; to a provider
 * account (MedMij), a FHIR resource that is only recorded.
 */
import { decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import { requireListedAccount } from './accounts.js';
import { type Catalogue, findSource } from './catalogue.js';
import type { CoreContext } from './context.js';
import { ApiError, errors } from './errors.js';
import { randomId } from './ids.js';
import { verifyPs512, type VerifiedRequest } from './request-jwt.js';
import type { AppContract, ProviderPush, PushedFile } from './store.js';
import { requireAccessToken } from './tokens.js';
import { formatIssues } from './validation.js';

/** The `metadata` of a `FileDescriptor`, as the official SDK's codec describes it. */
const FileDescriptorSchema = z.object({
  metadata: z
    .object({
      mimeType: z.string().min(1),
      accounts: z.array(z.object({ accountId: z.string().min(1) }).passthrough()).min(1),
      reference: z.array(z.string()).optional(),
      tags: z.array(z.string()).optional(),
    })
    .passthrough(),
});

const FHIR_VERSIONS = ['stu3', '3.0.2'];

/** A contract that may only read cannot write into anyone's library. */
function requireWriteAccess(app: AppContract): void {
  if (app.accessType !== 'w') {
    throw new ApiError('InsufficientScope', 'The request requires higher privileges than provided by the access token');
  }
}

/** The descriptor's payload: a compact JWS, PS512, signed with the contract's own key. */
function readFileDescriptor(app: AppContract, header: string | undefined) {
  const invalid = (why: string) => errors.validation(`FileDescriptor: ${why}`, 400);
  const jws = header?.trim();
  if (!jws) throw invalid('the header is required');
  const parts = jws.split('.');
  if (parts.length !== 3) throw invalid('must be a compact JWS');
  let alg: unknown;
  let payload: unknown;
  try {
    alg = decodeProtectedHeader(jws).alg;
    payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    throw invalid('must be a compact JWS');
  }
  if (alg !== 'PS512') throw invalid('must be signed with PS512');
  if (!verifyPs512(jws, app.publicKey)) throw invalid("the signature does not verify with the contract's key");
  const parsed = FileDescriptorSchema.safeParse(payload);
  if (!parsed.success) throw invalid(formatIssues(parsed.error.issues.slice(0, 1)));
  return parsed.data.metadata;
}

/** `POST permission-access/import`: the file joins the user's library as a raw file. */
export function pushToLibrary(
  ctx: CoreContext,
  { app, claims }: VerifiedRequest,
  fileDescriptor: string | undefined,
  body: Uint8Array | undefined,
): { status: 'delivered' } {
  const { consent } = requireAccessToken(ctx, app, claims.access_token);
  requireWriteAccess(app);
  const metadata = readFileDescriptor(app, fileDescriptor);
  const file: PushedFile = {
    name: `raw_${randomId(18)}`,
    userId: consent.userId,
    clientId: app.clientId,
    appId: app.appId,
    contractId: app.contractId,
    mimeType: metadata.mimeType,
    accounts: metadata.accounts.map(({ accountId }) => ({ accountId })),
    ...(metadata.reference && { reference: metadata.reference }),
    ...(metadata.tags && { tags: metadata.tags }),
    createdAt: ctx.clock.now(),
    data: new Uint8Array(body ?? []),
  };
  ctx.store.pushedFiles.set(file.name, file);
  return { status: 'delivered' };
}

/**
 * `POST permission-access/import/h:accountId/<standard>/<version>`: recorded for the provider,
 * never part of the user's sessions. The account must be one the consent lists, of a push source
 * (type 2 in the catalogue).
 */
export function pushToProvider(
  ctx: CoreContext,
  catalogue: Catalogue,
  { app, claims }: VerifiedRequest,
  push: { accountId: string | undefined; standard: string; version: string; body: unknown },
): void {
  const { consent } = requireAccessToken(ctx, app, claims.access_token);
  requireWriteAccess(app);
  if (push.standard !== 'fhir') throw errors.notFound();
  if (!FHIR_VERSIONS.includes(push.version)) throw errors.validation(`version must be one of ${FHIR_VERSIONS.join(', ')}`, 400);
  const account = requireListedAccount(ctx, consent, push.accountId);
  if (findSource(catalogue, account.sourceId)?.type !== 2) throw errors.notFound('The account');
  if (push.body === null || typeof push.body !== 'object' || Array.isArray(push.body)) {
    throw errors.validation('the body must be a JSON object', 400);
  }
  const record: ProviderPush = {
    id: randomId(12),
    userId: consent.userId,
    clientId: app.clientId,
    accountId: account.id,
    standard: push.standard,
    version: push.version,
    body: push.body,
    receivedAt: ctx.clock.now(),
  };
  ctx.store.providerPushes.set(record.id, record);
}
