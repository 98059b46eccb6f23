/**
 * The example values of the consumer contract: what the Pact mock answers and what the pact file
 * records. All fixed, and signed or encrypted deterministically, so the committed pact only
 * changes when the contract does. The matchers in `interactions.ts` say which parts of each
 * example are contract (shape) and which are just an example (values).
 */
import { createCipheriv, createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DIGIME_BASE_URL, DIGIME_CLOUD_BASE_URL, SDK_NAME, SDK_VERSION, codeChallengeFor } from '../../../sdk/src/index.js';
import type { OAuthToken } from '../../../sdk/src/index.js';
import { compactJws, encryptOaepSha1 } from './deterministic-rsa.js';

const readKey = (relative: string) => createPrivateKey(readFileSync(fileURLToPath(new URL(relative, import.meta.url)), 'utf8'));

/** The demo app contract (fixtures/apps): the consumer signs with its key and decrypts files with it. */
export const APP = { appId: 'demo-app', contractId: 'demo-ongoing', clientId: 'demo-app_demo-ongoing' } as const;
export const appPrivateKey: KeyObject = readKey('../../../fixtures/apps/demo-app.private.TEST-ONLY.pem');
const appPublicKey = createPublicKey(appPrivateKey);

/** The key the Pact mock "signs" its tokens with (the real server has its own; the contract matches tokens by form). */
const serverKey = readKey('../../fixtures/consumer-mock-signing-key.TEST-ONLY.pem');
const serverJwk = createPublicKey(serverKey).export({ format: 'jwk' }) as { n: string; e: string };
export const SERVER_PUBLIC_KEY_PEM = createPublicKey(serverKey).export({ type: 'spki', format: 'pem' }).toString();
/** RFC 7638 thumbprint, as the mock computes its `kid`. */
export const SERVER_KID = createHash('sha256')
  .update(JSON.stringify({ e: serverJwk.e, kty: 'RSA', n: serverJwk.n }))
  .digest('base64url');

/**
 * The SDK talks to digi.me's real address; the test's fetch carries the requests to the Pact mock
 * (see pact-fetch.ts). So token `jku`s are digi.me's own, and fixed, whatever port the mock gets.
 */
export const BASE_URL = DIGIME_BASE_URL;
export const JWKS_URL = `${BASE_URL}jwks/oauth`;
export const API_PATH = new URL(BASE_URL).pathname.replace(/\/$/, ''); // "/v1.7"
/** digi.me's cloud (storage files), where the SDK sends its cloud calls. */
export const CLOUD_BASE_URL = DIGIME_CLOUD_BASE_URL;
/**
 * Where the provider serves digi.me's cloud on its own origin (docs/protocol.md §1): the pact
 * records cloud paths there, as it records API paths under `API_PATH`.
 */
export const CLOUD_PATH = '/cloud/v1';

/** The client's clock in these tests (the SDK's `now`); request JWTs still carry real time. */
export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const NOW_S = NOW / 1000;
const DAY_S = 86_400;

export const REDIRECT_URI = 'https://genrefy.example/digime/callback';
export const USER_ID = 'example-user';
export const CONSENT_ID = 'example-consent';
export const ACCOUNT_REFERENCE = 'example-account-reference';

export const AGENT = { sdk: { name: SDK_NAME, version: SDK_VERSION, meta: { node: 'v20.20.0' } } };

// ---- Server-signed tokens -------------------------------------------------------------------

const serverJws = (payload: Record<string, unknown>) =>
  compactJws({ alg: 'PS512', typ: 'JWT', kid: SERVER_KID, jku: JWKS_URL }, payload, serverKey);

/** Access and refresh token values are opaque to the SDK; digi.me's are JWS, so ours are too. */
const tokenValue = (jti: string, tokenType: string) =>
  serverJws({ jti, token_type: tokenType, client_id: APP.clientId, consentid: CONSENT_ID, sub: USER_ID, iat: NOW_S });

export const ACCESS_TOKEN = tokenValue('example-access-token-1', 'access_token');
export const REFRESHED_ACCESS_TOKEN = tokenValue('example-access-token-2', 'access_token');
export const REFRESH_TOKEN = tokenValue('example-refresh-token-1', 'refresh_token');

export const ACCESS_EXPIRES_ON = NOW_S + DAY_S;
export const REFRESH_EXPIRES_ON = NOW_S + 30 * DAY_S;

const tokenPayload = (accessToken: string) => ({
  access_token: { value: accessToken, expires_on: ACCESS_EXPIRES_ON },
  // digi.me keeps the refresh token (and its expiry) across refreshes.
  refresh_token: { value: REFRESH_TOKEN, expires_on: REFRESH_EXPIRES_ON },
  sub: USER_ID,
  consentid: CONSENT_ID,
  identifier: { id: USER_ID },
  token_type: 'Bearer',
});

export const PREAUTHORIZATION_CODE = 'example-preauthorization-code';
export const AUTHORIZE_TOKEN = serverJws({ preauthorization_code: PREAUTHORIZATION_CODE });
export const REFERENCE_CODE = 'example-reference-code';
export const REFERENCE_TOKEN = serverJws({ reference_code: REFERENCE_CODE });
export const TOKEN_FROM_CODE = serverJws(tokenPayload(ACCESS_TOKEN));
export const TOKEN_FROM_REFRESH = serverJws(tokenPayload(REFRESHED_ACCESS_TOKEN));

/**
 * The token an app stored after consent. By the client's clock its access token has an hour to
 * go, so the SDK uses it as it is; whether the server still accepts it is the provider state's call.
 */
export const STORED_TOKEN: OAuthToken = {
  accessToken: { value: ACCESS_TOKEN, expiresOn: NOW_S + 3600 },
  refreshToken: { value: REFRESH_TOKEN, expiresOn: REFRESH_EXPIRES_ON },
  tokenType: 'Bearer',
  sub: USER_ID,
  consentId: CONSENT_ID,
  identifier: { id: USER_ID },
};

// ---- Request JWTs ---------------------------------------------------------------------------

export const AUTHORIZATION_CODE = 'example-authorization-code';
export const CODE_VERIFIER = 'example-code-verifier-000000000000000000000'; // 43 characters
export const CODE_CHALLENGE = codeChallengeFor(CODE_VERIFIER);
export const CONSENT_STATE = 'ExampleConsentState0000000000000';
export const REQUEST_NONCE = 'ExampleRequestNonce0000000000000';

/**
 * The claims each kind of call carries besides `client_id`, `nonce` and `timestamp`, as the
 * pact records them. The provider's request filter re-signs these with its own tokens, so they
 * must be exactly the claims the SDK sends; `pact-fetch.ts` checks every request against them.
 */
export const CALL_CLAIMS = {
  authorize: {
    code_challenge: CODE_CHALLENGE,
    code_challenge_method: 'S256',
    redirect_uri: REDIRECT_URI,
    response_mode: 'query',
    response_type: 'code',
    state: CONSENT_STATE,
  },
  exchange: { code: AUTHORIZATION_CODE, code_verifier: CODE_VERIFIER, grant_type: 'authorization_code' },
  /** A token reference with PKCE: renewing the consent behind the stored (expired) access token. */
  reauthorize: {
    access_token: ACCESS_TOKEN,
    code_challenge: CODE_CHALLENGE,
    code_challenge_method: 'S256',
    redirect_uri: REDIRECT_URI,
    state: CONSENT_STATE,
  },
  /** A token reference without PKCE: onboarding another service into the consent. */
  onboard: { access_token: ACCESS_TOKEN, redirect_uri: REDIRECT_URI, state: CONSENT_STATE },
  refresh: { grant_type: 'refresh_token', refresh_token: REFRESH_TOKEN },
  user: { access_token: ACCESS_TOKEN },
  /** A call the app's key alone signs (contract details, discovery, references, a provisional storage). */
  app: {},
} as const;
export type CallKind = keyof typeof CALL_CLAIMS;

/** Claims whose recorded value is part of the protocol, not an example: the SDK must send exactly these. */
export const FIXED_CLAIMS = ['client_id', 'code_challenge_method', 'redirect_uri', 'response_mode', 'response_type', 'grant_type'];

/** The recorded request JWT of a call: signed with the app key, example nonce, the test clock's time. */
export function requestJwt(kind: CallKind): string {
  return compactJws(
    { alg: 'PS512', typ: 'JWT' },
    { ...CALL_CLAIMS[kind], client_id: APP.clientId, nonce: REQUEST_NONCE, timestamp: NOW },
    appPrivateKey,
  );
}

/**
 * The recorded cloud token (docs/protocol.md §9.6): not a request JWT but the contract's own
 * short-lived token, header `typ: at+jwt`, claims `sub`, `iss`, `aud`, `iat`, `exp` (a minute on).
 * The provider kit signs it anew for each replay.
 */
export const CLOUD_TOKEN_HEADER = { alg: 'PS512', typ: 'at+jwt', kid: `${APP.contractId}_${APP.appId}_0` } as const;
export const CLOUD_TOKEN_LIFETIME = 60;
export function cloudToken(): string {
  return compactJws(
    CLOUD_TOKEN_HEADER,
    { sub: APP.appId, iss: APP.contractId, aud: 'cloud', iat: NOW_S, exp: NOW_S + CLOUD_TOKEN_LIFETIME },
    appPrivateKey,
  );
}

// ---- Data -----------------------------------------------------------------------------------

export const SESSION_KEY = 'ExampleSessionKey0000000';
export const SESSION_EXPIRY = NOW + 3_600_000;
export const FILE_NAME = '18_5_19_1_406_D202501_1.json';
export const FILE_UPDATED_DATE = NOW - 60_000;
export const FILE_LAST_MODIFIED = new Date(FILE_UPDATED_DATE).toUTCString();

export const FILE_OBJECTS = [
  {
    entityid: '5_19_example_406_1735689600000',
    createddate: 1_735_689_600_000,
    track: { name: 'Example Song', artists: [{ name: 'Example Artist', genres: ['indie rock'] }] },
  },
];
export const FILE_METADATA = {
  objectCount: 1,
  objectType: 'playhistory',
  serviceGroup: 'music',
  serviceName: 'spotify',
  schema: { standard: 'digime', version: '1.0.0' },
};
/** `x-metadata`: base64url of `{"metadata": …}` (no compression). */
export const FILE_X_METADATA = Buffer.from(JSON.stringify({ metadata: FILE_METADATA }), 'utf8').toString('base64url');

/**
 * The file body as digi.me sends it (docs/protocol.md §5): the AES key wrapped with RSA-OAEP (SHA-1) for
 * the app's public key, the IV, then AES-256-CBC. Key and IV are fixed, for a stable pact.
 */
export const FILE_BODY: Buffer = (() => {
  const dataKey = createHash('sha256').update('pact-example-file-key').digest();
  const iv = createHash('md5').update('pact-example-file-iv').digest();
  const cipher = createCipheriv('aes-256-cbc', dataKey, iv);
  const encrypted = Buffer.concat([cipher.update(JSON.stringify(FILE_OBJECTS), 'utf8'), cipher.final()]);
  return Buffer.concat([encryptOaepSha1(dataKey, appPublicKey), iv, encrypted]);
})();

export const ACCOUNT = {
  id: '5_19_example-spotify',
  reference: ACCOUNT_REFERENCE,
  type: 'USER',
  createdDate: 1_735_689_600_000,
  updatedDate: 1_764_547_200_000,
  serviceGroupId: 5,
  serviceGroupName: 'Music',
  serviceTypeId: 19,
  serviceTypeName: 'Spotify',
  serviceTypeReference: 'spotify',
  sourceId: 19,
};

// ---- Contract, discovery, sample data --------------------------------------------------------

export const CONTRACT_DETAILS = {
  id: APP.contractId,
  accessType: 'w',
  type: 'ongoing',
  partnerId: APP.appId,
  certificate: appPublicKey.export({ type: 'spki', format: 'pem' }).toString(),
  certificateContractSchemaVersion: '1.0.0',
  expirationDate: 4_102_444_800_000,
  application: { id: APP.appId, name: 'Demo App', status: 1, resources: {} },
};

export const COUNTRY = { id: 826, code: 'GB', name: 'United Kingdom' };
export const PLATFORM = { id: 1, name: 'Web', reference: 'web' };
export const CATEGORY = { id: 5, name: 'Music', reference: 'music' };
export const SOURCE = {
  id: 19,
  name: 'Spotify',
  reference: 'spotify',
  publishedStatus: 'approved',
  type: { id: 1, name: 'pull', reference: 'pull' },
  service: { id: 19, name: 'Spotify', reference: 'spotify' },
  country: [COUNTRY],
  category: [CATEGORY],
  platform: [PLATFORM],
  onboardable: true,
  json: { authorisation: { type: 'saas' } },
};
/** What `querySources()` sends when the app gives no body: the official SDK's defaults. */
export const DEFAULT_SOURCES_BODY = { query: { filter: { type: { id: [1] }, publishedStatus: ['approved'] } } };

export const SAMPLE_SOURCE_ID = 19;
export const SAMPLE_DATA_SET_ID = 'example-data-set';
export const SAMPLE_DATA_SET = { name: 'Example User', description: 'Spotify data of Example User' };

// ---- One account, the report, push ---------------------------------------------------------------

export const ACCOUNT_ID = ACCOUNT.id;
export const REVOKE_LOCATION = 'https://api.digi.me/apps/saas/revoke?code=example-revoke-code';
export const ACCOUNT_REF = 'example-account-ref';

export const REPORT_GENERATED = new Date(NOW).toISOString();

/**
 * A pushed file: bytes as they are, and its descriptor, signed with the app key. Pact matches the
 * body by the content type it detects, so the example has no file signature (`%PDF`, …) of its own.
 */
export const PUSHED_FILE = Buffer.concat(
  Array.from({ length: 8 }, (_, i) => Buffer.concat([createHash('sha256').update(`pact-example-pushed-file-${i}`).digest(), Buffer.alloc(4)])),
);
export const PUSH_DESCRIPTOR = { mimeType: 'application/octet-stream', accounts: [{ accountId: 'example-customer' }], tags: ['example'] };
export const FILE_DESCRIPTOR_JWS = compactJws({ alg: 'PS512', typ: 'JWT' }, { metadata: PUSH_DESCRIPTOR }, appPrivateKey);

export const PROVIDER_ACCOUNT_ID = '2_5001_example-demo-health-clinic';
export const FHIR_RESOURCE = { resourceType: 'Observation', id: 'example-observation', status: 'final' };

// ---- Storage --------------------------------------------------------------------------------

export const STORAGE = { id: 'example-storage-id', kid: 'example-storage-id_0' };
export const STORAGE_FOLDER = 'notes';
export const STORAGE_FILE_NAME = 'today.json';
export const STORAGE_CONTENT = '{"notes":"example"}';
export const STORAGE_ENTRY = {
  id: 'example-storage-file',
  name: STORAGE_FILE_NAME,
  originalName: STORAGE_FILE_NAME,
  path: `/apps/${APP.appId}/${STORAGE_FOLDER}/`,
  originalPath: `/apps/${APP.appId}/${STORAGE_FOLDER}/`,
};

/** A storage file as the cloud keeps it: encrypted for the contract's own key (fixed key and IV, for a stable pact). */
export const STORAGE_FILE_BODY: Buffer = (() => {
  const dataKey = createHash('sha256').update('pact-example-storage-key').digest();
  const iv = createHash('md5').update('pact-example-storage-iv').digest();
  const cipher = createCipheriv('aes-256-cbc', dataKey, iv);
  const encrypted = Buffer.concat([cipher.update(STORAGE_CONTENT, 'utf8'), cipher.final()]);
  return Buffer.concat([encryptOaepSha1(dataKey, appPublicKey), iv, encrypted]);
})();
